// Responses ingress stream encoder: recorded upstream streams (Anthropic and
// OpenAI chat) decoded at every two-piece split and re-encoded give the same
// Responses events (ids aside, which are random), and every run obeys what
// the API defines and the OpenAI SDK's ResponseStream checks: sequence
// numbers from 0 by one, item ids and output/content indexes that match
// between `.added`, deltas and `.done`, deltas that add up to the done text,
// and a final response whose output is the items done.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <cctype>

#include "api/openai/ingress_test_util.hpp"
#include "api/openai/responses_ingress.hpp"
#include "http/sse_parser.hpp"
#include "providers/registry.hpp"

namespace aisbf::api {
namespace {

namespace json = boost::json;
using Events = std::vector<StreamEvent>;
using openai_ingress::test::fixture_file;

struct DecodedRun {
  Events events;
  std::optional<GatewayError> error;
};

// Upstream bytes → SSE frames → the provider's decoder, the input cut at `cut` (0: whole).
DecodedRun decode(std::string_view provider, std::string_view bytes, std::size_t cut) {
  DecodedRun run;
  auto decoder = find_provider_adapter(provider)->make_stream_decoder();
  sse::Parser parser(1 << 20);
  auto pump = [&](std::string_view piece) {
    parser.feed(piece);
    sse::Event ev;
    while (!run.error && parser.next(ev) == sse::Status::event) {
      if (!ev.has_data) continue;
      auto r = decoder->on_event(ev.event, ev.data);
      if (!r) run.error = r.error();
      else run.events.insert(run.events.end(), r->begin(), r->end());
    }
  };
  if (cut > 0) pump(bytes.substr(0, cut));
  pump(bytes.substr(cut));
  if (!run.error) {
    auto end = decoder->on_end();
    if (!end) run.error = end.error();
    else run.events.insert(run.events.end(), end->begin(), end->end());
  }
  return run;
}

std::string encode(const DecodedRun& run, std::string model = "client-model") {
  auto encoder = openai_responses_ingress().make_stream_encoder({std::move(model), true});
  std::string out;
  for (const auto& event : run.events) out += encoder->on_event(event);
  out += encoder->on_end(run.error);
  return out;
}

struct SseEvent {
  std::string type;
  json::object data;
};

// `event: <type>\ndata: <json>\n\n` blocks; the name must equal data.type.
std::vector<SseEvent> parse_events(const std::string& stream) {
  std::vector<SseEvent> out;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    std::size_t end = stream.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos) << "unterminated event at " << pos;
    if (end == std::string::npos) break;
    std::string block = stream.substr(pos, end - pos);
    pos = end + 2;
    std::size_t newline = block.find('\n');
    EXPECT_EQ(block.rfind("event: ", 0), 0u) << block;
    EXPECT_EQ(block.compare(newline + 1, 6, "data: "), 0) << block;
    SseEvent e{block.substr(7, newline - 7), json::parse(block.substr(newline + 7)).as_object()};
    EXPECT_EQ(e.data.at("type").as_string(), e.type);
    out.push_back(std::move(e));
  }
  return out;
}

bool id_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Ids are random (our resp_/msg_/rs_/fc_/call_ ids: 20+ characters after the
// prefix): replaced by their order of appearance, so runs compare; so is
// created_at, which an upstream without one (Anthropic) gets from the clock.
// A plain scan: std::regex made the every-split test take minutes.
std::string without_ids(const std::string& stream) {
  static constexpr std::string_view kPrefixes[] = {"resp_", "msg_", "rs_", "fc_", "call_"};
  static constexpr std::string_view kCreated = R"("created_at":)";
  std::map<std::string, std::string, std::less<>> seen;
  std::string out;
  out.reserve(stream.size());
  std::size_t i = 0;
  while (i < stream.size()) {
    if (stream.compare(i, kCreated.size(), kCreated) == 0) {
      out += kCreated;
      out += '0';
      i += kCreated.size();
      while (i < stream.size() && std::isdigit(static_cast<unsigned char>(stream[i]))) ++i;
      continue;
    }
    bool replaced = false;
    if (i == 0 || !id_char(stream[i - 1])) {
      for (auto prefix : kPrefixes) {
        if (stream.compare(i, prefix.size(), prefix) != 0) continue;
        std::size_t end = i + prefix.size();
        while (end < stream.size() && id_char(stream[end])) ++end;
        if (end - i - prefix.size() < 20) break;
        auto [slot, fresh] = seen.try_emplace(stream.substr(i, end - i), "<id" + std::to_string(seen.size()) + ">");
        out += slot->second;
        i = end;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += stream[i++];
  }
  return out;
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

// The invariants of one encoded stream; returns the final response.
json::object check_stream(const std::string& stream) {
  auto events = parse_events(stream);
  EXPECT_GE(events.size(), 3u);
  if (events.size() < 3) return {};
  EXPECT_EQ(events[0].type, "response.created");
  EXPECT_EQ(events[1].type, "response.in_progress");
  const std::string id = str(events[0].data.at("response").at("id"));
  std::map<std::int64_t, json::object> open;  // output_index → item
  std::map<std::int64_t, std::string> text;    // output_index → deltas joined
  json::array done_items;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& [type, data] = events[i];
    EXPECT_EQ(data.at("sequence_number").to_number<std::int64_t>(), static_cast<std::int64_t>(i)) << type;
    if (data.contains("response")) {
      EXPECT_EQ(str(data.at("response").at("id")), id);
    }
    if (type == "response.output_item.added") {
      std::int64_t index = data.at("output_index").to_number<std::int64_t>();
      EXPECT_EQ(index, static_cast<std::int64_t>(done_items.size())) << "items are sent one after another";
      open[index] = data.at("item").as_object();
    } else if (type.ends_with(".delta") || type.ends_with("_text.done") || type.starts_with("response.content_part") ||
               type == "response.function_call_arguments.done") {
      std::int64_t index = data.at("output_index").to_number<std::int64_t>();
      EXPECT_TRUE(open.contains(index)) << type << " for an item not open";
      EXPECT_EQ(str(data.at("item_id")), str(open[index].at("id"))) << type;
      if (data.contains("content_index")) {
        EXPECT_EQ(data.at("content_index"), 0);
      }
      if (type.ends_with(".delta")) text[index] += str(data.at("delta"));
      if (type.ends_with("_text.done")) {
        EXPECT_EQ(str(data.at("text")), text[index]);
      }
      if (type == "response.function_call_arguments.done") {
        EXPECT_EQ(str(data.at("arguments")), text[index].empty() ? "{}" : text[index]);
        EXPECT_EQ(data.at("name"), open[index].at("name"));
      }
    } else if (type == "response.output_item.done") {
      std::int64_t index = data.at("output_index").to_number<std::int64_t>();
      EXPECT_TRUE(open.contains(index));
      EXPECT_EQ(data.at("item").at("id"), open[index].at("id"));
      done_items.push_back(data.at("item"));
      open.erase(index);
    }
  }
  const auto& last = events.back();
  if (last.type == "response.failed") return last.data.at("response").as_object();
  EXPECT_TRUE(open.empty()) << "an item was left open";
  EXPECT_TRUE(last.type == "response.completed" || last.type == "response.incomplete") << last.type;
  const json::object& response = last.data.at("response").as_object();
  EXPECT_EQ(response.at("output"), json::value(done_items));
  return response;
}

struct Recorded {
  const char* provider;
  const char* path;
};
constexpr Recorded kRecorded[] = {
    {"anthropic", "anthropic/stream_text.sse"},   {"anthropic", "anthropic/stream_tool_use.sse"},
    {"anthropic", "anthropic/stream_thinking.sse"}, {"anthropic", "anthropic/stream_error.sse"},
    {"openai", "openai/stream_tool_calls.sse"},
    // A Responses upstream translated back (its reasoning summary and
    // encrypted_content, a function call; `codex` picks the Responses adapter).
    {"codex", "openai_responses/stream_reasoning_tool.sse"}, {"codex", "openai_responses/stream_text.sse"},
};

TEST(ResponsesStream, EverySplitOfRecordedStreamsGivesTheSameEvents) {
  for (const auto& [provider, path] : kRecorded) {
    const std::string bytes = fixture_file(path);
    const std::string whole = encode(decode(provider, bytes, 0));
    check_stream(whole);
    const std::string expected = without_ids(whole);
    for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
      const std::string split = encode(decode(provider, bytes, cut));
      ASSERT_EQ(without_ids(split), expected) << path << " split at " << cut;
    }
  }
}

TEST(ResponsesStream, AnthropicToolUseBecomesAMessageAndAFunctionCall) {
  const auto response = check_stream(encode(decode("anthropic", fixture_file("anthropic/stream_tool_use.sse"), 0)));
  const auto& output = response.at("output").as_array();
  ASSERT_EQ(output.size(), 2u);
  EXPECT_EQ(output[0].at("type"), "message");
  EXPECT_EQ(output[0].at("content").at(0).at("text"), "I'll check.");
  EXPECT_EQ(output[1].at("type"), "function_call");
  EXPECT_EQ(output[1].at("call_id"), "toolu_01A...");
  EXPECT_EQ(output[1].at("name"), "get_weather");
  EXPECT_EQ(output[1].at("arguments"), R"({"city": "Paris"})");
  EXPECT_EQ(response.at("status"), "completed");
  EXPECT_EQ(response.at("model"), "client-model");
  EXPECT_EQ(response.at("usage").at("input_tokens"), 412);
  EXPECT_EQ(response.at("usage").at("output_tokens"), 56);
  EXPECT_EQ(response.at("usage").at("total_tokens"), 468);
}

TEST(ResponsesStream, AnUpstreamErrorEndsWithErrorThenFailed) {
  const std::string stream = encode(decode("anthropic", fixture_file("anthropic/stream_error.sse"), 0));
  const auto events = parse_events(stream);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[events.size() - 2].type, "error");
  EXPECT_FALSE(events[events.size() - 2].data.at("message").as_string().empty());
  const auto response = check_stream(stream);
  EXPECT_EQ(response.at("status"), "failed");
  EXPECT_EQ(response.at("error").at("message"), events[events.size() - 2].data.at("message"));
}

TEST(ResponsesStream, LengthEndsIncompleteAndUsageHasItsDetails) {
  Usage usage{19, 10, 29, 16, 0, 8, std::nullopt};
  usage.effective_context = 21;
  DecodedRun run{{StreamStart{"chatcmpl-1", "m", 1735689600}, ReasoningDelta{"6 times 7", "sig"}, TextDelta{"42"},
           UsageEvent{usage}, FinishEvent{FinishReason::length}},
          std::nullopt};
  const auto response = check_stream(encode(run));
  EXPECT_EQ(response.at("status"), "incomplete");
  EXPECT_EQ(response.at("incomplete_details").at("reason"), "max_output_tokens");
  EXPECT_EQ(response.at("created_at"), 1735689600);
  ASSERT_EQ(response.at("output").as_array().size(), 2u);
  EXPECT_EQ(response.at("output").at(0).at("type"), "reasoning");
  EXPECT_EQ(response.at("output").at(0).at("content").at(0).at("text"), "6 times 7");
  const auto& u = response.at("usage");
  EXPECT_EQ(u.at("input_tokens"), 19);
  EXPECT_EQ(u.at("input_tokens_details").at("cached_tokens"), 16);
  EXPECT_EQ(u.at("output_tokens_details").at("reasoning_tokens"), 8);
  EXPECT_EQ(u.at("effective_context"), 21);
  EXPECT_NE(str(response.at("id")).rfind("resp_", 0), std::string::npos);
}

TEST(ResponsesStream, ParallelCallsAreSeparateItemsAndNothingFollowsTheEnd) {
  DecodedRun run{{ToolCallDelta{0, "call_a", "f", R"({"x":)"}, ToolCallDelta{0, "", "", "1}"},
           ToolCallDelta{1, "call_b", "g", ""}, FinishEvent{FinishReason::tool_calls}},
          std::nullopt};
  auto encoder = openai_responses_ingress().make_stream_encoder({"m", true});
  std::string out;
  for (const auto& e : run.events) out += encoder->on_event(e);
  out += encoder->on_end(std::nullopt);
  EXPECT_EQ(encoder->on_event(TextDelta{"late"}), "");
  EXPECT_EQ(encoder->on_end(std::nullopt), "");
  const auto response = check_stream(out);
  const auto& output = response.at("output").as_array();
  ASSERT_EQ(output.size(), 2u);
  EXPECT_EQ(output[0].at("arguments"), R"({"x":1})");
  EXPECT_EQ(output[1].at("call_id"), "call_b");
  EXPECT_EQ(output[1].at("arguments"), "{}");
}

// OpenAI's reasoning summaries stream as summary events and end in an item
// with its encrypted_content; an Anthropic signature rides in
// encrypted_content behind the marker, so that it comes back to Anthropic.
TEST(ResponsesStream, ReasoningSummaryAndOpaqueStateReachTheClient) {
  const auto stream = encode(decode("codex", fixture_file("openai_responses/stream_reasoning_tool.sse"), 0));
  const auto response = check_stream(stream);
  std::vector<std::string> types;
  for (const auto& e : parse_events(stream)) types.push_back(e.type);
  const std::vector<std::string> head(types.begin(), types.begin() + 6);
  EXPECT_EQ(head, (std::vector<std::string>{"response.created", "response.in_progress", "response.output_item.added",
                                            "response.reasoning_summary_part.added",
                                            "response.reasoning_summary_text.delta",
                                            "response.reasoning_summary_text.delta"}));
  EXPECT_NE(std::find(types.begin(), types.end(), "response.reasoning_summary_part.done"), types.end());
  const auto& item = response.at("output").at(0).as_object();
  EXPECT_EQ(item.at("type"), "reasoning");
  EXPECT_EQ(item.at("encrypted_content"), "gAAAAABencrypted==");
  EXPECT_EQ(item.at("summary").at(0).at("type"), "summary_text");
  EXPECT_EQ(item.at("summary").at(0).at("text"), "**Weather** I should call the tool — é.\n\nParis it is.");
  EXPECT_FALSE(item.contains("content"));
  EXPECT_EQ(response.at("output").at(1).at("call_id"), "call_W1");

  const auto anthropic = check_stream(encode(decode("anthropic", fixture_file("anthropic/stream_thinking.sse"), 0)));
  const auto& thinking = anthropic.at("output").at(0).as_object();
  EXPECT_EQ(thinking.at("type"), "reasoning");
  EXPECT_EQ(str(thinking.at("encrypted_content")).rfind("aisbf-signature:", 0), 0u);
  EXPECT_EQ(thinking.at("content").at(0).at("type"), "reasoning_text");
}

// Back-to-back reasoning items with only encrypted_content (an empty
// summary): each is its own item with its own state.
TEST(ResponsesStream, BackToBackOpaqueReasoningItemsEachKeepTheirState) {
  DecodedRun run;
  run.events = {StreamStart{"r1", "m", 1}, ReasoningDelta{"", "", "gAAA1", true}, ReasoningDelta{"", "", "gAAA2", true},
                TextDelta{"ok"}, FinishEvent{FinishReason::stop}};
  const auto response = check_stream(encode(run));
  const auto& output = response.at("output").as_array();
  ASSERT_EQ(output.size(), 3u) << json::serialize(output);
  EXPECT_EQ(output.at(0).at("encrypted_content"), "gAAA1");
  EXPECT_EQ(output.at(1).at("encrypted_content"), "gAAA2");
  EXPECT_EQ(output.at(2).at("type"), "message");
}

// A relayed upstream stream that breaks: the tail continues its numbering
// and names its response.
TEST(ResponsesStream, ARelayedStreamsFailureContinuesItsNumbering) {
  RelayedResponsesStream relayed;
  relayed.saw("response.created", R"({"type":"response.created","sequence_number":0,"response":{"id":"resp_up","model":"o4-mini","output":[]}})");
  relayed.saw("response.in_progress", R"({"type":"response.in_progress","sequence_number":1,"response":{"id":"other"}})");
  relayed.saw("response.output_text.delta", R"({"type":"response.output_text.delta","sequence_number":2,"delta":"x"})");
  auto error = make_error(ErrorKind::upstream_protocol, "it closed without its final event");
  const auto events = parse_events(relayed.failure(error));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "error");
  EXPECT_EQ(events[0].data.at("sequence_number"), 3);
  EXPECT_EQ(events[0].data.at("message"), "it closed without its final event");
  EXPECT_EQ(events[1].type, "response.failed");
  EXPECT_EQ(events[1].data.at("sequence_number"), 4);
  EXPECT_EQ(events[1].data.at("response").at("id"), "resp_up");
  EXPECT_EQ(events[1].data.at("response").at("model"), "o4-mini");
  EXPECT_EQ(events[1].data.at("response").at("status"), "failed");

  RelayedResponsesStream unnamed;  // a first event that is not response.created: an id of ours
  unnamed.saw("response.output_text.delta", "{}");
  const auto tail = parse_events(unnamed.failure(error));
  EXPECT_EQ(tail.at(0).data.at("sequence_number"), 1);
  EXPECT_EQ(str(tail.at(1).data.at("response").at("id")).rfind("resp_", 0), 0u);
}

TEST(ResponsesStream, EmptyStreamIsStillACompleteResponse) {
  const auto response = check_stream(encode(DecodedRun{}));
  EXPECT_EQ(response.at("status"), "completed");
  EXPECT_TRUE(response.at("output").as_array().empty());
}

}  // namespace
}  // namespace aisbf::api
