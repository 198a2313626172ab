// OpenAI provider codec: request encoding, response decoding, stream decoding,
// against recorded samples in tests/fixtures/openai/codec_*.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "providers/openai/openai_adapter.hpp"
#include "providers/registry.hpp"

#ifndef AISBF_SOURCE_DIR
#define AISBF_SOURCE_DIR "."
#endif

namespace aisbf::openai {
namespace {

namespace json = boost::json;
using Events = std::vector<StreamEvent>;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/openai/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Minimal SSE framing for recorded samples: (event name, data) per event.
std::vector<std::pair<std::string, std::string>> sse_events(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string event, data, line;
  bool has_data = false;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (has_data) out.emplace_back(event, data);
      event.clear(), data.clear(), has_data = false;
    } else if (line.rfind("event:", 0) == 0) {
      event = line.substr(line.size() > 6 && line[6] == ' ' ? 7 : 6);
    } else if (line.rfind("data:", 0) == 0) {
      data += (has_data ? "\n" : "") + line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5);
      has_data = true;
    }
  }
  return out;
}

struct StreamRun {
  Events events;
  std::optional<GatewayError> error;
};

StreamRun run_stream(const std::vector<std::pair<std::string, std::string>>& frames) {
  StreamRun run;
  auto decoder = OpenAiAdapter{}.make_stream_decoder();
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

UpstreamTarget target(std::string key = "sk-test") {
  return {"oai", "openai", "https://api.openai.com/v1", std::move(key), "gpt-4o-mini"};
}

json::value encoded_body(const ChatRequest& request, const UpstreamTarget& t = target()) {
  auto encoded = OpenAiAdapter{}.encode_chat(request, t);
  EXPECT_TRUE(encoded);
  return json::parse(encoded->body);
}

Message msg(Role role, std::vector<ContentBlock> content) { return Message{role, std::move(content), {}}; }

ChatRequest rich_request() {
  ChatRequest r;
  r.model = "my-alias";
  r.messages.push_back(msg(Role::system, {TextBlock{"You are terse."}}));
  r.messages.push_back(
      msg(Role::user, {TextBlock{"What is in this picture?"}, ImageBlock{"", "image/png", "iVBORw0KGgo=", "low"},
                       ImageBlock{"https://example.com/cat.jpg", "", "", ""}}));
  r.messages.push_back(msg(Role::assistant, {ThinkingBlock{"look it up", "sig"},
                                             ToolCallBlock{"call_abc123", "get_weather", R"({"city":"Paris"})"}}));
  r.messages.push_back(msg(Role::tool, {ToolResultBlock{"call_abc123", "Sunny, 21C", false}}));
  r.tools.push_back({"get_weather", "Current weather",
                     json::parse(R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})")});
  r.tools.push_back({"now", "", nullptr});
  r.tool_choice = {ToolChoiceMode::specific, "get_weather"};
  r.max_tokens = 256;
  r.temperature = 0.5;
  r.top_p = 0.9;
  r.stop = {"END"};
  r.stream = true;
  r.include_usage = true;
  r.extensions = json::parse(R"({"seed":7,"response_format":{"type":"json_object"},"parallel_tool_calls":false,
    "model":"not-this","stream":false,"stream_options":{"include_obfuscation":false}})")
                     .as_object();
  return r;
}

TEST(OpenAiCodec, EncodesRichRequest) {
  auto encoded = OpenAiAdapter{}.encode_chat(rich_request(), target());
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->method, "POST");
  EXPECT_EQ(encoded->path_suffix, "/chat/completions");
  EXPECT_EQ(encoded->headers, (HeaderList{{"Authorization", "Bearer sk-test"}, {"Content-Type", "application/json"}}));
  EXPECT_EQ(json::parse(encoded->body), json::parse(fixture("codec_request_rich.json"))) << encoded->body;
}

TEST(OpenAiCodec, EncodesPlainShapes) {
  ChatRequest r;
  Message dev = msg(Role::developer, {TextBlock{"Be "}, TextBlock{"brief."}});
  dev.name = "ops";
  r.messages.push_back(dev);
  r.messages.push_back(msg(Role::assistant, {TextBlock{"Checking."}, ToolCallBlock{"c1", "f", ""}}));
  // Anthropic-style: results inside a user message, followed by text.
  r.messages.push_back(msg(Role::user, {ToolResultBlock{"c1", "42", true}, TextBlock{"thanks"}}));
  r.messages.push_back(msg(Role::assistant, {ThinkingBlock{"hm", ""}}));
  r.tool_choice.mode = ToolChoiceMode::required;
  r.include_usage = true;  // without stream: no stream_options
  r.extensions = json::parse(R"({"stream_options":{"include_usage":true},"user":"u1"})").as_object();
  auto expected = json::parse(R"({"model":"gpt-4o-mini","messages":[
    {"role":"developer","content":"Be brief.","name":"ops"},
    {"role":"assistant","content":"Checking.","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c1","content":"42"},
    {"role":"user","content":"thanks"},
    {"role":"assistant","content":""}],
    "tool_choice":"required","user":"u1"})");
  EXPECT_EQ(encoded_body(r), expected) << json::serialize(encoded_body(r));
}

TEST(OpenAiCodec, ToolChoiceModesAndAuth) {
  OpenAiAdapter adapter;
  EXPECT_TRUE(adapter.auth_headers(target("")).empty());
  EXPECT_EQ(adapter.chat_path(target(), true), "/chat/completions");
  ChatRequest r;
  r.messages.push_back(msg(Role::user, {TextBlock{"hi"}}));
  EXPECT_FALSE(encoded_body(r).as_object().contains("tool_choice"));
  r.tool_choice.mode = ToolChoiceMode::none;
  EXPECT_EQ(encoded_body(r).at("tool_choice"), "none");
  r.tool_choice.mode = ToolChoiceMode::auto_;
  EXPECT_EQ(encoded_body(r).at("tool_choice"), "auto");
  auto encoded = adapter.encode_chat(r, target(""));
  EXPECT_EQ(encoded->headers, (HeaderList{{"Content-Type", "application/json"}}));
}

TEST(OpenAiCodec, DecodesToolCallResponse) {
  auto r = OpenAiAdapter{}.decode_chat(fixture("codec_response_tool_call.json"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->id, "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT");
  EXPECT_EQ(r->model, "gpt-4o-mini");
  EXPECT_EQ(r->created, 1735689600);
  EXPECT_EQ(r->message.role, Role::assistant);
  ASSERT_EQ(r->message.content.size(), 1u);
  const auto& call = std::get<ToolCallBlock>(r->message.content[0]);
  EXPECT_EQ(call.id, "call_abc123");
  EXPECT_EQ(call.name, "get_weather");
  EXPECT_EQ(json::parse(call.arguments_json), json::parse(R"({"city":"Paris"})"));
  EXPECT_EQ(r->finish_reason, FinishReason::tool_calls);
  ASSERT_TRUE(r->usage);
  EXPECT_EQ(r->usage->prompt_tokens, 82);
  EXPECT_EQ(r->usage->completion_tokens, 17);
  EXPECT_EQ(r->usage->total_tokens, 99);
  EXPECT_EQ(r->usage->cached_tokens, 0);
}

TEST(OpenAiCodec, DecodesReasoningAndUsageDetails) {
  auto r = OpenAiAdapter{}.decode_chat(fixture("codec_response_reasoning.json"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->message.content.size(), 2u);
  EXPECT_EQ(std::get<ThinkingBlock>(r->message.content[0]).text, "6 times 7 is 42.");
  EXPECT_EQ(std::get<TextBlock>(r->message.content[1]).text, "The answer is 42.");
  EXPECT_EQ(r->finish_reason, FinishReason::stop);
  EXPECT_EQ(r->usage->cached_tokens, 1024);
  EXPECT_EQ(r->usage->reasoning_tokens, 64);
}

TEST(OpenAiCodec, MapsFinishReasons) {
  auto finish = [](const std::string& reason) {
    auto r = OpenAiAdapter{}.decode_chat(R"({"choices":[{"message":{"content":"x"},"finish_reason":)" + reason + "}]}");
    return r ? r->finish_reason : FinishReason::error;
  };
  EXPECT_EQ(finish(R"("stop")"), FinishReason::stop);
  EXPECT_EQ(finish(R"("length")"), FinishReason::length);
  EXPECT_EQ(finish(R"("tool_calls")"), FinishReason::tool_calls);
  EXPECT_EQ(finish(R"("function_call")"), FinishReason::tool_calls);
  EXPECT_EQ(finish(R"("content_filter")"), FinishReason::content_filter);
  EXPECT_EQ(finish("null"), FinishReason::none);
}

TEST(OpenAiCodec, RejectsMalformedResponses) {
  OpenAiAdapter adapter;
  for (std::string_view body : {"", "not json", "[1]", R"({"choices":[]})", R"({"choices":[{"index":0}]})"}) {
    auto r = adapter.decode_chat(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().kind, ErrorKind::upstream_protocol) << body;
  }
  auto err = adapter.decode_chat(R"({"error":{"message":"model overloaded","code":"overloaded"}})");
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().kind, ErrorKind::upstream_status);
  EXPECT_EQ(err.error().message, "model overloaded");
  // Every truncation of a valid answer is an error, never an exception.
  std::string body = fixture("codec_response_tool_call.json");
  for (std::size_t n = 0; n < body.size(); ++n) EXPECT_NO_THROW((void)adapter.decode_chat(body.substr(0, n)));
}

TEST(OpenAiStream, DecodesText) {
  auto run = run_stream(sse_events(fixture("codec_stream_text.sse")));
  ASSERT_FALSE(run.error) << run.error->message;
  ASSERT_EQ(run.events.size(), 4u);
  const auto& start = std::get<StreamStart>(run.events[0]);
  EXPECT_EQ(start.id, "chatcmpl-1");
  EXPECT_EQ(start.model, "gpt-4o-mini");
  EXPECT_EQ(start.created, 1735689600);
  EXPECT_EQ(std::get<TextDelta>(run.events[1]).text, "Hello");
  EXPECT_EQ(std::get<TextDelta>(run.events[2]).text, ", world");
  EXPECT_EQ(std::get<FinishEvent>(run.events[3]).reason, FinishReason::stop);
}

TEST(OpenAiStream, DecodesFragmentedToolCall) {
  auto run = run_stream(sse_events(fixture("codec_stream_tool_call.sse")));
  ASSERT_FALSE(run.error) << run.error->message;
  auto deltas = only<ToolCallDelta>(run.events);
  ASSERT_EQ(deltas.size(), 3u);
  EXPECT_EQ(deltas[0].id, "call_abc123");
  EXPECT_EQ(deltas[0].name, "get_weather");
  std::string joined;
  for (const auto& d : deltas) {
    EXPECT_EQ(d.index, 0);
    joined += d.arguments;
  }
  EXPECT_TRUE(deltas[1].id.empty() && deltas[1].name.empty() && deltas[2].id.empty());
  EXPECT_EQ(json::parse(joined), json::parse(R"({"city":"Paris"})"));
  EXPECT_EQ(only<FinishEvent>(run.events).at(0).reason, FinishReason::tool_calls);
  EXPECT_TRUE(only<TextDelta>(run.events).empty());
}

TEST(OpenAiStream, DecodesIncludeUsage) {
  auto run = run_stream(sse_events(fixture("codec_stream_usage.sse")));
  ASSERT_FALSE(run.error) << run.error->message;
  ASSERT_EQ(run.events.size(), 4u);
  EXPECT_EQ(std::get<FinishEvent>(run.events[2]).reason, FinishReason::length);
  const auto& usage = std::get<UsageEvent>(run.events[3]).usage;
  EXPECT_EQ(usage.prompt_tokens, 19);
  EXPECT_EQ(usage.completion_tokens, 1);
  EXPECT_EQ(usage.total_tokens, 20);
  EXPECT_EQ(usage.cached_tokens, 16);
  // Compatible servers send the usage chunk with choices null or missing.
  for (const char* chunk : {R"({"id":"x","choices":null,"usage":{"prompt_tokens":3,"completion_tokens":2}})",
                            R"({"id":"x","usage":{"prompt_tokens":3,"completion_tokens":2}})"}) {
    auto r = run_stream({{"", chunk}, {"", "[DONE]"}});
    ASSERT_FALSE(r.error);
    EXPECT_EQ(only<UsageEvent>(r.events).at(0).usage.total_tokens, 5);
  }
}

TEST(OpenAiStream, MidStreamErrors) {
  auto run = run_stream(sse_events(fixture("codec_stream_error.sse")));
  ASSERT_TRUE(run.error);
  EXPECT_EQ(run.error->kind, ErrorKind::upstream_status);
  EXPECT_EQ(run.error->message, "The server had an error while processing your request. Sorry about that!");
  EXPECT_EQ(only<TextDelta>(run.events).at(0).text, "Par");

  auto named = run_stream({{"error", R"({"error":{"message":"overloaded","type":"server_error"}})"}});
  ASSERT_TRUE(named.error);
  EXPECT_EQ(named.error->kind, ErrorKind::upstream_status);
  EXPECT_EQ(named.error->message, "overloaded");
  auto plain = run_stream({{"error", "upstream went away"}});
  EXPECT_EQ(plain.error->message, "upstream went away");
  auto garbage = run_stream({{"", "{\"choices\":["}});
  EXPECT_EQ(garbage.error->kind, ErrorKind::upstream_protocol);
}

TEST(OpenAiStream, TruncatedChunksNeverThrow) {
  for (const char* name : {"codec_stream_text.sse", "codec_stream_tool_call.sse", "codec_stream_usage.sse"}) {
    for (const auto& [event, data] : sse_events(fixture(name))) {
      for (std::size_t n = 0; n < data.size(); ++n) {
        auto decoder = OpenAiAdapter{}.make_stream_decoder();
        EXPECT_NO_THROW((void)decoder->on_event(event, data.substr(0, n)));
        EXPECT_NO_THROW((void)decoder->on_end());
      }
    }
  }
}

TEST(OpenAiStream, MissingDoneIsAnError) {
  auto run = run_stream(sse_events(fixture("codec_stream_no_done.sse")));
  ASSERT_TRUE(run.error);
  EXPECT_EQ(run.error->kind, ErrorKind::upstream_protocol);
  EXPECT_EQ(run.error->message, "stream ended before [DONE]");
  EXPECT_EQ(only<TextDelta>(run.events).at(0).text, "Hel");
}

TEST(OpenAiStream, ReasoningParallelCallsAndQuirks) {
  auto run = run_stream(
      {{"", R"({"id":"c","choices":[{"index":0,"delta":{"reasoning_content":"think"}}]})"},
       {"",
        R"({"id":"c","choices":[{"index":0,"delta":{"reasoning":"more"}},{"index":1,"delta":{"content":"other"}}]})"},
       // Parallel calls, interleaved; index 1 repeats its id and name on every fragment.
       {"", R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{"}}]}}]})"},
       {"", R"({"choices":[{"delta":{"tool_calls":[{"index":1,"id":"b","function":{"name":"g","arguments":"["}}]}}]})"},
       {"",
        R"({"choices":[{"delta":{"tool_calls":[{"index":1,"id":"b","function":{"name":"g","arguments":"]"}},{"index":0,"function":{"arguments":"}"}}]}}]})"},
       // A server that omits `index` and sends arguments as an object: a new id opens the next call.
       {"", R"({"choices":[{"delta":{"tool_calls":[{"id":"c3","function":{"name":"h","arguments":{"k":1}}}]}}]})"},
       {"", R"({"choices":[{"delta":{},"finish_reason":"stop"}]})"},
       {"", "[DONE]"}});
  ASSERT_FALSE(run.error) << run.error->message;
  auto reasoning = only<ReasoningDelta>(run.events);
  ASSERT_EQ(reasoning.size(), 2u);
  EXPECT_EQ(reasoning[1].text, "more");
  EXPECT_TRUE(only<TextDelta>(run.events).empty());  // choice 1 is ignored
  std::map<int, std::string> args, ids;
  for (const auto& d : only<ToolCallDelta>(run.events)) args[d.index] += d.arguments, ids[d.index] += d.id;
  EXPECT_EQ(args, (std::map<int, std::string>{{0, "{}"}, {1, "[]"}, {2, R"({"k":1})"}}));
  EXPECT_EQ(ids, (std::map<int, std::string>{{0, "a"}, {1, "b"}, {2, "c3"}}));
  EXPECT_EQ(only<FinishEvent>(run.events).at(0).reason, FinishReason::tool_calls);  // "stop" after calls
  EXPECT_EQ(only<StreamStart>(run.events).size(), 1u);
}

// canonical → OpenAI JSON → read back as an answer: the assistant turn survives.
TEST(OpenAiCodec, RoundTripsAssistantTurn) {
  ChatRequest r;
  r.messages.push_back(msg(Role::user, {TextBlock{"weather in Paris and Rome?"}}));
  r.messages.push_back(
      msg(Role::assistant, {TextBlock{"Checking both."}, ToolCallBlock{"call_1", "get_weather", R"({"city":"Paris"})"},
                            ToolCallBlock{"call_2", "get_weather", R"({"city":"Rome"})"}}));
  json::value body = encoded_body(r);
  json::object answer{
      {"id", "rt"},
      {"model", "gpt-4o-mini"},
      {"created", 1},
      {"choices", {{{"index", 0}, {"message", body.at("messages").at(1)}, {"finish_reason", "tool_calls"}}}}};
  auto decoded = OpenAiAdapter{}.decode_chat(json::serialize(answer));
  ASSERT_TRUE(decoded) << decoded.error().message;
  const auto& original = r.messages[1].content;
  const auto& back = decoded->message.content;
  ASSERT_EQ(back.size(), original.size());
  EXPECT_EQ(std::get<TextBlock>(back[0]).text, "Checking both.");
  for (std::size_t i = 1; i < original.size(); ++i) {
    const auto& a = std::get<ToolCallBlock>(original[i]);
    const auto& b = std::get<ToolCallBlock>(back[i]);
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.arguments_json, b.arguments_json);
  }
  EXPECT_EQ(decoded->finish_reason, FinishReason::tool_calls);
}

TEST(ProviderRegistry, FindsOpenAi) {
  const ProviderAdapter* adapter = find_provider_adapter("openai");
  ASSERT_NE(adapter, nullptr);
  EXPECT_EQ(adapter->type(), "openai");
  EXPECT_EQ(adapter->passthrough_format(), BodyFormat::openai_chat);
  EXPECT_EQ(find_provider_adapter("cohere"), nullptr);  // listed by AISBF, never built
  EXPECT_EQ(find_provider_adapter(""), nullptr);
}

}  // namespace
}  // namespace aisbf::openai
