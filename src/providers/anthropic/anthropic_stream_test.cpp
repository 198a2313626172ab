// Anthropic stream decoder against the documented streams in
// tests/fixtures/anthropic/stream_*.sse, framed by the real SSE parser and
// fed whole, byte by byte and at every two-piece split.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "http/sse_parser.hpp"
#include "providers/anthropic/anthropic_adapter.hpp"

#ifndef AISBF_SOURCE_DIR
#define AISBF_SOURCE_DIR "."
#endif

namespace aisbf::anthropic {
namespace {

namespace json = boost::json;
using Events = std::vector<StreamEvent>;
using Frames = std::vector<std::pair<std::string, std::string>>;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/anthropic/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct StreamRun {
  Events events;
  std::optional<GatewayError> error;
};

// One line per event, so that runs compare with ==.
std::string describe(const StreamEvent& event) {
  struct Visitor {
    std::string operator()(const StreamStart& e) const { return "start " + e.id + " " + e.model; }
    std::string operator()(const TextDelta& e) const { return "text " + e.text; }
    std::string operator()(const ReasoningDelta& e) const { return "reasoning " + e.text + "|" + e.signature; }
    std::string operator()(const ToolCallDelta& e) const {
      return "call " + std::to_string(e.index) + " " + e.id + " " + e.name + " " + e.arguments;
    }
    std::string operator()(const FinishEvent& e) const {
      return "finish " + std::to_string(static_cast<int>(e.reason));
    }
    std::string operator()(const UsageEvent& e) const {
      const Usage& u = e.usage;
      return "usage " + std::to_string(u.prompt_tokens) + "/" + std::to_string(u.completion_tokens) + "/" +
             std::to_string(u.total_tokens) + "/" + std::to_string(u.cached_tokens) + "/" +
             std::to_string(u.cache_write_tokens) + "/" + std::to_string(u.reasoning_tokens);
    }
  };
  return std::visit(Visitor{}, event);
}

std::vector<std::string> describe(const StreamRun& run) {
  std::vector<std::string> out;
  for (const auto& e : run.events) out.push_back(describe(e));
  if (run.error) out.push_back("error " + std::to_string(run.error->status) + " " + run.error->message);
  return out;
}

// Bytes → SSE frames (the real framer) → decoder, the input cut at `cuts`.
StreamRun run_bytes(std::string_view bytes, const std::vector<std::size_t>& cuts) {
  StreamRun run;
  auto decoder = AnthropicAdapter{}.make_stream_decoder();
  sse::Parser parser(1 << 20);
  std::size_t prev = 0;
  auto pump = [&](std::string_view piece) {
    parser.feed(piece);
    sse::Event ev;
    while (!run.error && parser.next(ev) == sse::Status::event) {
      if (!ev.has_data) continue;
      auto r = decoder->on_event(ev.event, ev.data);
      if (!r)
        run.error = r.error();
      else
        run.events.insert(run.events.end(), r->begin(), r->end());
    }
  };
  for (std::size_t cut : cuts) pump(bytes.substr(prev, cut - prev)), prev = cut;
  pump(bytes.substr(prev));
  if (!run.error) {
    auto end = decoder->on_end();
    if (!end) run.error = end.error();
  }
  return run;
}

StreamRun run_fixture(const std::string& name) { return run_bytes(fixture(name), {}); }

StreamRun run_frames(const Frames& frames) {
  StreamRun run;
  auto decoder = AnthropicAdapter{}.make_stream_decoder();
  for (const auto& [event, data] : frames) {
    auto r = decoder->on_event(event, data);
    if (!r) return {std::move(run.events), r.error()};
    run.events.insert(run.events.end(), r->begin(), r->end());
  }
  auto end = decoder->on_end();
  if (!end) run.error = end.error();
  return run;
}

template <class T>
std::vector<T> only(const Events& events) {
  std::vector<T> out;
  for (const auto& e : events)
    if (const auto* t = std::get_if<T>(&e)) out.push_back(*t);
  return out;
}

constexpr const char* kFixtures[] = {"stream_text.sse", "stream_tool_use.sse", "stream_thinking.sse",
                                     "stream_error.sse", "stream_cut.sse"};

TEST(AnthropicStream, DecodesTextSample) {
  auto run = run_fixture("stream_text.sse");
  ASSERT_FALSE(run.error) << run.error->message;
  EXPECT_EQ(describe(run), (std::vector<std::string>{
                               "start msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY claude-sonnet-4-5",
                               "usage 25/1/26/0/0/0",
                               "text Héllo",
                               "text ! 👋 ça va?",
                               "finish 1",
                               "usage 25/15/40/0/0/0",
                           }));
}

TEST(AnthropicStream, DecodesToolUseSample) {
  auto run = run_fixture("stream_tool_use.sse");
  ASSERT_FALSE(run.error) << run.error->message;
  EXPECT_EQ(only<TextDelta>(run.events).at(0).text, "I'll check.");
  auto deltas = only<ToolCallDelta>(run.events);
  ASSERT_EQ(deltas.size(), 3u);  // the opening, then the two non-empty fragments
  EXPECT_EQ(deltas[0].id, "toolu_01A...");
  EXPECT_EQ(deltas[0].name, "get_weather");
  EXPECT_EQ(deltas[0].arguments, "");
  std::string joined;
  for (const auto& d : deltas) {
    EXPECT_EQ(d.index, 0);  // the first tool call, although block 1
    joined += d.arguments;
  }
  EXPECT_TRUE(deltas[1].id.empty() && deltas[1].name.empty());
  EXPECT_EQ(json::parse(joined), json::parse(R"({"city":"Paris"})"));
  EXPECT_EQ(only<FinishEvent>(run.events).at(0).reason, FinishReason::tool_calls);
  auto usage = only<UsageEvent>(run.events);
  ASSERT_EQ(usage.size(), 2u);
  EXPECT_EQ(usage.back().usage.prompt_tokens, 412);
  EXPECT_EQ(usage.back().usage.completion_tokens, 56);
  EXPECT_EQ(usage.back().usage.total_tokens, 468);
}

TEST(AnthropicStream, DecodesThinkingSample) {
  auto run = run_fixture("stream_thinking.sse");
  ASSERT_FALSE(run.error) << run.error->message;
  auto reasoning = only<ReasoningDelta>(run.events);
  ASSERT_EQ(reasoning.size(), 3u);
  std::string text;
  for (const auto& r : reasoning) text += r.text;
  EXPECT_EQ(text,
            "I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147\n"
            "462 = 3 × 147 + 21\n147 = 7 × 21 + 0");
  EXPECT_EQ(reasoning[2].text, "");
  EXPECT_EQ(reasoning[2].signature, "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...");
  EXPECT_EQ(only<TextDelta>(run.events).at(0).text, "The greatest common divisor of 1071 and 462 is **21**.");
  EXPECT_TRUE(only<ToolCallDelta>(run.events).empty());  // redacted_thinking: nothing
  EXPECT_EQ(only<FinishEvent>(run.events).at(0).reason, FinishReason::stop);
  auto usage = only<UsageEvent>(run.events);
  ASSERT_EQ(usage.size(), 2u);
  EXPECT_EQ(describe(usage[0]), "usage 1120/6/1126/1000/100/0");
  // The last delta repeats the input counts (one of them null: kept from message_start).
  EXPECT_EQ(describe(usage[1]), "usage 1120/310/1430/1000/100/260");
}

TEST(AnthropicStream, ErrorEventFailsTheStream) {
  auto run = run_fixture("stream_error.sse");
  ASSERT_TRUE(run.error);
  EXPECT_EQ(run.error->kind, ErrorKind::upstream_status);
  EXPECT_EQ(run.error->status, 503);
  EXPECT_TRUE(run.error->retryable);
  EXPECT_EQ(run.error->code, "overloaded_error");
  EXPECT_NE(run.error->message.find("Overloaded"), std::string::npos);
  EXPECT_EQ(only<TextDelta>(run.events).at(0).text, "Par");

  auto limited =
      run_frames({{"error", R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})"}});
  EXPECT_EQ(limited.error->kind, ErrorKind::rate_limited);
  auto invalid =
      run_frames({{"error", R"({"type":"error","error":{"type":"invalid_request_error","message":"bad"}})"}});
  EXPECT_EQ(invalid.error->status, 400);
  EXPECT_FALSE(invalid.error->retryable);
  auto plain = run_frames({{"error", "upstream went away"}});
  EXPECT_EQ(plain.error->message, "upstream went away");
  auto garbage = run_frames({{"content_block_delta", "{\"type\":"}});
  EXPECT_EQ(garbage.error->kind, ErrorKind::upstream_protocol);
}

TEST(AnthropicStream, CutStreamIsAnError) {
  auto run = run_fixture("stream_cut.sse");
  ASSERT_TRUE(run.error);
  EXPECT_EQ(run.error->kind, ErrorKind::upstream_protocol);
  EXPECT_EQ(run.error->message, "stream ended before message_stop");
  EXPECT_EQ(only<TextDelta>(run.events).at(0).text, "Hel");
  auto after_delta = run_frames({{"message_start", R"({"type":"message_start","message":{"id":"m"}})"},
                                 {"message_delta", R"({"type":"message_delta","delta":{"stop_reason":"end_turn"}})"}});
  EXPECT_EQ(after_delta.error->kind, ErrorKind::upstream_protocol);
}

TEST(AnthropicStream, EverySplitGivesTheSameEvents) {
  for (const char* name : kFixtures) {
    const std::string bytes = fixture(name);
    const auto whole = describe(run_bytes(bytes, {}));
    ASSERT_GE(whole.size(), 3u) << name;
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < bytes.size(); ++i) every.push_back(i);
    EXPECT_EQ(describe(run_bytes(bytes, every)), whole) << name << " byte by byte";
    for (std::size_t i = 1; i < bytes.size(); ++i)
      ASSERT_EQ(describe(run_bytes(bytes, {i})), whole) << name << " split at " << i;
  }
}

TEST(AnthropicStream, ToolCallsCountOnlyToolBlocks) {
  auto run = run_frames({
      {"message_start", R"({"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":5}}})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"s1"}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"a","name":"now","input":{}}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":1})"},
      {"content_block_start", R"({"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}})"},
      {"content_block_delta", R"({"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"and"}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":2})"},
      // A compatible server that sends the whole input in the start event.
      {"content_block_start",
       R"({"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"b","name":"f","input":{"k":1}}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":3})"},
      {"message_delta", R"({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}})"},
      {"message_stop", R"({"type":"message_stop"})"},
  });
  ASSERT_FALSE(run.error) << run.error->message;
  std::map<int, std::string> args, ids;
  for (const auto& d : only<ToolCallDelta>(run.events)) args[d.index] += d.arguments, ids[d.index] += d.id;
  EXPECT_EQ(args, (std::map<int, std::string>{{0, "{}"}, {1, R"({"k":1})"}}));
  EXPECT_EQ(ids, (std::map<int, std::string>{{0, "a"}, {1, "b"}}));
  EXPECT_EQ(only<ReasoningDelta>(run.events).at(0).signature, "s1");
  EXPECT_EQ(only<FinishEvent>(run.events).size(), 1u);
  EXPECT_EQ(describe(only<UsageEvent>(run.events).back()), "usage 5/9/14/0/0/0");
}

TEST(AnthropicStream, ToleratesQuirks) {
  // No event names (dispatch by `type`), no usage, no message_start, unknown events, a second message_delta.
  auto run = run_frames({
      {"", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Hi"}})"},
      {"", R"({"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{}}})"},
      {"", R"({"type":"brand_new_event","x":1})"},
      {"ping", ""},
      {"ping", "keep-alive"},
      {"vendor_status", "not json"},
      {"", R"({"type":"message_delta","delta":{"stop_reason":null}})"},
      {"", R"({"type":"message_delta","delta":{"stop_reason":"max_tokens"}})"},
      {"", R"({"type":"message_delta","delta":{"stop_reason":"end_turn"}})"},
      {"", R"({"type":"message_stop"})"},
      {"", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"late"}})"},
  });
  ASSERT_FALSE(run.error) << run.error->message;
  EXPECT_EQ(describe(run), (std::vector<std::string>{"start  ", "text Hi", "finish 2"}));
  // message_stop without a stop reason still finishes the message.
  auto bare = run_frames(
      {{"message_start", R"({"type":"message_start","message":{}})"}, {"message_stop", R"({"type":"message_stop"})"}});
  EXPECT_EQ(describe(bare), (std::vector<std::string>{"start  ", "finish 1"}));
  auto orphan = run_frames(
      {{"content_block_delta",
        R"({"type":"content_block_delta","index":4,"delta":{"type":"input_json_delta","partial_json":"{"}})"}});
  ASSERT_TRUE(orphan.error);
  EXPECT_EQ(orphan.error->kind, ErrorKind::upstream_protocol);
}

TEST(AnthropicStream, TruncatedEventsNeverThrow) {
  for (const char* name : kFixtures) {
    sse::Parser parser(1 << 20);
    parser.feed(fixture(name));
    sse::Event ev;
    while (parser.next(ev) == sse::Status::event) {
      for (std::size_t n = 0; n < ev.data.size(); ++n) {
        auto decoder = AnthropicAdapter{}.make_stream_decoder();
        EXPECT_NO_THROW((void)decoder->on_event(ev.event, ev.data.substr(0, n)));
        EXPECT_NO_THROW((void)decoder->on_end());
      }
    }
  }
}

// A documented answer replayed as a stream (text in pieces, arguments in
// 3-byte fragments) assembles to what decode_chat makes of the answer.
Frames as_stream(const json::object& answer) {
  auto frame = [](const json::object& o) {
    return std::pair{std::string(o.at("type").as_string()), json::serialize(o)};
  };
  Frames out;
  out.push_back(
      frame({{"type", "message_start"}, {"message", {{"id", answer.at("id")}, {"usage", answer.at("usage")}}}}));
  std::int64_t index = 0;
  for (const auto& block : answer.at("content").as_array()) {
    json::object start = block.as_object();
    json::object delta;
    std::string type(start.at("type").as_string());
    if (type == "text") {
      delta = {{"type", "text_delta"}, {"text", start["text"]}};
      start["text"] = "";
    } else if (type == "tool_use") {
      delta = {{"type", "input_json_delta"}, {"partial_json", json::serialize(start["input"])}};
      start["input"] = json::object{};
    } else if (type == "thinking") {
      delta = {{"type", "signature_delta"}, {"signature", start["signature"]}};
      start["signature"] = "";
    }
    out.push_back(frame({{"type", "content_block_start"}, {"index", index}, {"content_block", start}}));
    if (!delta.empty()) {
      std::string key = type == "tool_use" ? "partial_json" : type == "text" ? "text" : "signature";
      std::string whole(delta[key].as_string());
      for (std::size_t at = 0; at < whole.size(); at += 3) {
        delta[key] = whole.substr(at, 3);  // may cut UTF-8: fine for JSON fragments, the test texts are ASCII
        out.push_back(frame({{"type", "content_block_delta"}, {"index", index}, {"delta", delta}}));
      }
    }
    out.push_back(frame({{"type", "content_block_stop"}, {"index", index++}}));
  }
  out.push_back(frame({{"type", "message_delta"}, {"delta", {{"stop_reason", answer.at("stop_reason")}}}}));
  out.push_back(frame({{"type", "message_stop"}}));
  return out;
}

TEST(AnthropicStream, AssemblesLikeTheNonStreamingAnswer) {
  for (const char* name : {"response_text.json", "response_tool_use.json", "response_thinking.json"}) {
    const std::string body = fixture(name);
    auto answer = AnthropicAdapter{}.decode_chat(body);
    ASSERT_TRUE(answer) << name;
    auto run = run_frames(as_stream(json::parse(body).as_object()));
    ASSERT_FALSE(run.error) << name << ": " << run.error->message;
    std::string text, reasoning, signature;
    std::map<int, ToolCallBlock> calls;
    for (const auto& e : run.events) {
      if (const auto* t = std::get_if<TextDelta>(&e)) text += t->text;
      if (const auto* r = std::get_if<ReasoningDelta>(&e)) reasoning += r->text, signature += r->signature;
      if (const auto* c = std::get_if<ToolCallDelta>(&e)) {
        auto& call = calls[c->index];
        call.id += c->id, call.name += c->name, call.arguments_json += c->arguments;
      }
    }
    std::string want_text, want_reasoning, want_signature;
    std::vector<ToolCallBlock> want_calls;
    for (const auto& block : answer->message.content) {
      if (const auto* t = std::get_if<TextBlock>(&block)) want_text += t->text;
      if (const auto* r = std::get_if<ThinkingBlock>(&block)) want_reasoning += r->text, want_signature += r->signature;
      if (const auto* c = std::get_if<ToolCallBlock>(&block)) want_calls.push_back(*c);
    }
    EXPECT_EQ(text, want_text) << name;
    EXPECT_EQ(reasoning, want_reasoning) << name;
    EXPECT_EQ(signature, want_signature) << name;
    ASSERT_EQ(calls.size(), want_calls.size()) << name;
    for (std::size_t i = 0; i < want_calls.size(); ++i) {
      EXPECT_EQ(calls[static_cast<int>(i)].id, want_calls[i].id);
      EXPECT_EQ(json::parse(calls[static_cast<int>(i)].arguments_json), json::parse(want_calls[i].arguments_json));
    }
    EXPECT_EQ(only<FinishEvent>(run.events).at(0).reason, answer->finish_reason) << name;
    EXPECT_EQ(describe(only<UsageEvent>(run.events).back()), describe(UsageEvent{*answer->usage})) << name;
  }
}

}  // namespace
}  // namespace aisbf::anthropic
