// Anthropic provider codec: request encoding, response decoding, error
// classification, against the documented samples in tests/fixtures/anthropic/.
// The stream decoder has its own file (anthropic_stream_test.cpp).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <sstream>

#include "providers/anthropic/anthropic_adapter.hpp"

#ifndef AISBF_SOURCE_DIR
#define AISBF_SOURCE_DIR "."
#endif

namespace aisbf::anthropic {
namespace {

namespace json = boost::json;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/anthropic/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

UpstreamTarget target(std::string key = "sk-ant-test", std::string endpoint = "https://api.anthropic.com/v1") {
  return {"claude", "anthropic", std::move(endpoint), std::move(key), "claude-sonnet-4-5", {}};
}

Message msg(Role role, std::vector<ContentBlock> content) { return Message{role, std::move(content), {}}; }

json::object encoded_body(const ChatRequest& request) {
  auto encoded = AnthropicAdapter{}.encode_chat(request, target());
  EXPECT_TRUE(encoded) << encoded.error().message;
  return encoded ? json::parse(encoded->body).as_object() : json::object{};
}

ChatRequest hello() {
  ChatRequest r;
  r.messages.push_back(msg(Role::user, {TextBlock{"hi"}}));
  return r;
}

ChatRequest rich_request() {
  ChatRequest r;
  r.model = "my-alias";
  r.messages.push_back(msg(Role::system, {TextBlock{"You are terse."}}));
  r.messages.push_back(
      msg(Role::user, {TextBlock{"What is in this picture?"}, ImageBlock{"", "image/png", "iVBORw0KGgo=", "low"},
                       ImageBlock{"https://example.com/cat.jpg", "", "", ""}}));
  r.messages.push_back(msg(Role::developer, {TextBlock{"Answer in "}, TextBlock{"English."}}));
  r.messages.push_back(
      msg(Role::assistant, {ThinkingBlock{"The user wants the weather.", "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"},
                            ThinkingBlock{"from another provider", ""}, TextBlock{"Let me check."},
                            ToolCallBlock{"toolu_01A09q90qw90lq917835lq9", "get_weather", R"({"city":"Paris"})"},
                            ToolCallBlock{"functions.lookup:1", "lookup", "{not json"}}));
  r.messages.push_back(msg(Role::tool, {ToolResultBlock{"toolu_01A09q90qw90lq917835lq9", "Sunny, 21C", false}}));
  r.messages.push_back(msg(Role::tool, {ToolResultBlock{"functions.lookup:1", "lookup failed", true}}));
  r.messages.push_back(msg(Role::user, {TextBlock{"Thanks. And Rome?"}, TextBlock{""}}));
  r.messages.push_back(msg(Role::user, {TextBlock{"Be quick."}}));
  r.messages.push_back(msg(Role::assistant, {TextBlock{"Rome is \n"}}));
  r.tools.push_back({"get_weather", "Current weather",
                     json::parse(R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})")});
  r.tools.push_back({"now", "", nullptr});
  r.tools.push_back({"lookup", "Look a word up", json::object{}});  // OpenAI's "no parameters"
  r.tool_choice.mode = ToolChoiceMode::auto_;
  r.temperature = 0.5;
  r.top_p = 0.9;
  r.stop = {"END", "\n", ""};
  r.stream = true;
  r.include_usage = true;
  r.extensions =
      json::parse(R"({"top_k":5,"metadata":{"user_id":"u-1"},"service_tier":"auto","parallel_tool_calls":false,
    "seed":7,"response_format":{"type":"json_object"},"model":"not-this","stream_options":{"include_usage":true}})")
          .as_object();
  return r;
}

TEST(AnthropicCodec, EncodesRichRequest) {
  auto encoded = AnthropicAdapter{}.encode_chat(rich_request(), target());
  ASSERT_TRUE(encoded) << encoded.error().message;
  EXPECT_EQ(encoded->method, "POST");
  EXPECT_EQ(encoded->path_suffix, "/messages");
  EXPECT_EQ(encoded->headers, (HeaderList{{"x-api-key", "sk-ant-test"},
                                          {"anthropic-version", "2023-06-01"},
                                          {"Content-Type", "application/json"}}));
  EXPECT_EQ(json::parse(encoded->body), json::parse(fixture("request_rich.json"))) << encoded->body;
}

TEST(AnthropicCodec, AuthHeadersAndPaths) {
  AnthropicAdapter adapter;
  UpstreamTarget t = target("");
  EXPECT_EQ(adapter.auth_headers(t), (HeaderList{{"anthropic-version", "2023-06-01"}}));
  t.api_key = "k";
  t.extra_headers = {{"Anthropic-Version", "2026-10-21"}, {"anthropic-beta", "interleaved-thinking-2025-05-14"}};
  EXPECT_EQ(adapter.auth_headers(t), (HeaderList{{"x-api-key", "k"},
                                                 {"anthropic-version", "2026-10-21"},
                                                 {"anthropic-beta", "interleaved-thinking-2025-05-14"}}));
  auto path = [&](const char* endpoint) { return adapter.chat_path(target("k", endpoint), false); };
  EXPECT_EQ(path("https://api.anthropic.com/v1"), "/messages");
  EXPECT_EQ(path("https://api.anthropic.com/v1/"), "/messages");
  EXPECT_EQ(path("http://127.0.0.1:8080/proxy/v1"), "/messages");
  EXPECT_EQ(path("https://api.anthropic.com"), "/v1/messages");
  EXPECT_EQ(path("https://api.anthropic.com/"), "/v1/messages");
  EXPECT_EQ(path("https://api.example.com/anthropic"), "/v1/messages");
  EXPECT_EQ(path("https://v1"), "/v1/messages");  // a host named v1 is not a path
  EXPECT_EQ(adapter.type(), "anthropic");
  EXPECT_EQ(anthropic_adapter().type(), "anthropic");
  EXPECT_EQ(anthropic_adapter().passthrough_format(), BodyFormat::anthropic_messages);
}

TEST(AnthropicCodec, ToolChoiceModes) {
  ChatRequest r = hello();
  r.tools.push_back({"f", "", nullptr});
  EXPECT_FALSE(encoded_body(r).contains("tool_choice"));
  auto choice = [&](ToolChoiceMode mode, std::string name = {}) {
    r.tool_choice = {mode, std::move(name)};
    return json::serialize(encoded_body(r)["tool_choice"]);
  };
  EXPECT_EQ(json::parse(choice(ToolChoiceMode::auto_)), json::parse(R"({"type":"auto"})"));
  EXPECT_EQ(json::parse(choice(ToolChoiceMode::required)), json::parse(R"({"type":"any"})"));
  EXPECT_EQ(json::parse(choice(ToolChoiceMode::specific, "f")), json::parse(R"({"type":"tool","name":"f"})"));
  EXPECT_EQ(json::parse(choice(ToolChoiceMode::none)), json::parse(R"({"type":"none"})"));
  r.extensions["parallel_tool_calls"] = false;
  EXPECT_EQ(json::parse(choice(ToolChoiceMode::none)), json::parse(R"({"type":"none"})"));
  EXPECT_EQ(json::parse(choice(ToolChoiceMode::specific, "f")),
            json::parse(R"({"type":"tool","name":"f","disable_parallel_tool_use":true})"));
  // Without tools there is nothing to choose from: no tool_choice at all.
  ChatRequest bare = hello();
  bare.tool_choice.mode = ToolChoiceMode::required;
  EXPECT_FALSE(encoded_body(bare).contains("tool_choice"));
}

TEST(AnthropicCodec, EncodesDefaultsAndParameters) {
  json::object minimal = encoded_body(hello());
  EXPECT_EQ(json::value(minimal), json::parse(R"({"model":"claude-sonnet-4-5","max_tokens":4096,
    "messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]})"));
  ChatRequest r = hello();
  r.max_tokens = 100;
  r.stop = {" \n"};
  EXPECT_EQ(encoded_body(r)["max_tokens"], 100);
  EXPECT_FALSE(encoded_body(r).contains("stop_sequences"));  // nothing usable left
  r.max_tokens.reset();
  r.extensions = json::parse(R"({"max_completion_tokens":321,"user":"alice-hash","service_tier":"flex",
    "metadata":{"purpose":"eval"},"thinking":{"type":"enabled","budget_tokens":2048},
    "output_config":{"effort":"high"},"reasoning_effort":"high"})")
                     .as_object();
  json::object body = encoded_body(r);
  EXPECT_EQ(body["max_tokens"], 321);
  EXPECT_EQ(body["metadata"], json::parse(R"({"user_id":"alice-hash"})"));
  EXPECT_FALSE(body.contains("service_tier"));  // OpenAI's tier names mean nothing here
  EXPECT_EQ(body["thinking"], json::parse(R"({"type":"enabled","budget_tokens":2048})"));
  EXPECT_EQ(body["output_config"], json::parse(R"({"effort":"high"})"));
  for (const char* dropped : {"reasoning_effort", "user", "max_completion_tokens", "stream", "stop_sequences"})
    EXPECT_FALSE(body.contains(dropped)) << dropped;

  // A json_schema response_format is output_config.format, beside the client's effort.
  r.extensions["response_format"] =
      json::parse(R"({"type":"json_schema","json_schema":{"name":"a","strict":true,"schema":{"type":"object"}}})");
  body = encoded_body(r);
  EXPECT_EQ(body["output_config"], json::parse(R"({"effort":"high","format":{"type":"json_schema","schema":{"type":"object"}}})"));
  EXPECT_FALSE(body.contains("response_format"));
  // Not strict: its schema may be open, which Anthropic refuses: dropped.
  r.extensions["response_format"] =
      json::parse(R"({"type":"json_schema","json_schema":{"name":"a","schema":{"type":"object"}}})");
  body = encoded_body(r);
  EXPECT_EQ(body["output_config"], json::parse(R"({"effort":"high"})"));
}

TEST(AnthropicCodec, EncodesMessageShapes) {
  ChatRequest r;
  r.messages.push_back(msg(Role::system, {TextBlock{"sys"}, ImageBlock{"https://x/y.png", "", "", ""}}));
  r.messages.push_back(msg(Role::assistant, {TextBlock{"Hello, how can I help?"}}));  // assistant first: sent as is
  r.messages.push_back(msg(Role::user, {ImageBlock{"data:image/webp;base64,UklGR", "", "", ""}, TextBlock{"this?"}}));
  r.messages.push_back(msg(Role::assistant, {ThinkingBlock{"unsigned", ""}}));  // nothing left: no turn
  r.messages.push_back(msg(Role::user, {ToolCallBlock{"x", "f", "{}"}, TextBlock{"more"}}));
  r.messages.push_back(msg(Role::assistant, {ThinkingBlock{"", "sig-only"}, ToolCallBlock{"c1", "f", ""}}));
  // Anthropic-style: results inside a user message, after text; they move first.
  r.messages.push_back(msg(Role::user, {TextBlock{"here"}, ToolResultBlock{"c1", "", false}}));
  r.messages.push_back(msg(Role::assistant, {TextBlock{"  "}}));  // a blank prefill disappears
  auto expected = json::parse(R"({"model":"claude-sonnet-4-5","max_tokens":4096,"system":"sys","messages":[
    {"role":"assistant","content":[{"type":"text","text":"Hello, how can I help?"}]},
    {"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/webp","data":"UklGR"}},
      {"type":"text","text":"this?"},{"type":"text","text":"more"}]},
    {"role":"assistant","content":[{"type":"thinking","thinking":"","signature":"sig-only"},
      {"type":"tool_use","id":"c1","name":"f","input":{}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"c1"},{"type":"text","text":"here"}]}]})");
  EXPECT_EQ(json::value(encoded_body(r)), expected) << json::serialize(encoded_body(r));
}

TEST(AnthropicCodec, RejectsRequestWithoutTurns) {
  ChatRequest r;
  r.messages.push_back(msg(Role::system, {TextBlock{"only a system prompt"}}));
  auto encoded = AnthropicAdapter{}.encode_chat(r, target());
  ASSERT_FALSE(encoded);
  EXPECT_EQ(encoded.error().kind, ErrorKind::invalid_request);
  EXPECT_EQ(encoded.error().status, 400);
}

TEST(AnthropicCodec, DecodesTextResponse) {
  auto r = AnthropicAdapter{}.decode_chat(fixture("response_text.json"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->id, "msg_013Zva2CMHLNnXjNJJKqJ2EF");
  EXPECT_EQ(r->model, "claude-sonnet-4-5");
  EXPECT_EQ(r->message.role, Role::assistant);
  ASSERT_EQ(r->message.content.size(), 1u);
  EXPECT_EQ(std::get<TextBlock>(r->message.content[0]).text, "Hi! My name is Claude.");
  EXPECT_EQ(r->finish_reason, FinishReason::stop);
  ASSERT_TRUE(r->usage);
  EXPECT_EQ(r->usage->prompt_tokens, 2095);  // null cache counts read as 0
  EXPECT_EQ(r->usage->completion_tokens, 503);
  EXPECT_EQ(r->usage->total_tokens, 2598);
}

TEST(AnthropicCodec, DecodesToolUseResponse) {
  auto r = AnthropicAdapter{}.decode_chat(fixture("response_tool_use.json"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->message.content.size(), 2u);
  EXPECT_EQ(std::get<TextBlock>(r->message.content[0]).text, "I'll check.");
  const auto& call = std::get<ToolCallBlock>(r->message.content[1]);
  EXPECT_EQ(call.id, "toolu_01A...");
  EXPECT_EQ(call.name, "get_weather");
  EXPECT_EQ(json::parse(call.arguments_json), json::parse(R"({"city":"Paris"})"));
  EXPECT_EQ(r->finish_reason, FinishReason::tool_calls);
  EXPECT_EQ(r->usage->prompt_tokens, 412);
  EXPECT_EQ(r->usage->completion_tokens, 56);
  EXPECT_EQ(r->usage->total_tokens, 468);
}

TEST(AnthropicCodec, DecodesThinkingResponse) {
  auto r = AnthropicAdapter{}.decode_chat(fixture("response_thinking.json"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->message.content.size(), 2u);  // redacted_thinking has no canonical slot
  const auto& thinking = std::get<ThinkingBlock>(r->message.content[0]);
  EXPECT_EQ(thinking.text, "To approach this, let me think about what I know about prime numbers...");
  EXPECT_EQ(thinking.signature, "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...");
  EXPECT_EQ(std::get<TextBlock>(r->message.content[1]).text,
            "Yes, there are infinitely many prime numbers such that n mod 4 = 3.");
  const Usage& u = *r->usage;
  EXPECT_EQ(u.prompt_tokens, 1120);  // 20 + 1000 read + 100 written
  EXPECT_EQ(u.cached_tokens, 1000);
  EXPECT_EQ(u.cache_write_tokens, 100);
  EXPECT_EQ(u.completion_tokens, 300);
  EXPECT_EQ(u.reasoning_tokens, 250);
  EXPECT_EQ(u.total_tokens, 1420);
}

TEST(AnthropicCodec, MapsStopReasons) {
  auto finish = [](const std::string& reason) {
    auto r = AnthropicAdapter{}.decode_chat(R"({"type":"message","content":[],"stop_reason":)" + reason + "}");
    return r ? r->finish_reason : FinishReason::error;
  };
  EXPECT_EQ(finish(R"("end_turn")"), FinishReason::stop);
  EXPECT_EQ(finish(R"("stop_sequence")"), FinishReason::stop);
  EXPECT_EQ(finish(R"("pause_turn")"), FinishReason::stop);
  EXPECT_EQ(finish(R"("max_tokens")"), FinishReason::length);
  EXPECT_EQ(finish(R"("model_context_window_exceeded")"), FinishReason::length);
  EXPECT_EQ(finish(R"("tool_use")"), FinishReason::tool_calls);
  EXPECT_EQ(finish(R"("refusal")"), FinishReason::content_filter);
  EXPECT_EQ(finish("null"), FinishReason::none);
}

TEST(AnthropicCodec, RejectsMalformedResponses) {
  AnthropicAdapter adapter;
  for (std::string_view body : {"", "not json", "[1]", R"({"type":"message"})", R"({"content":{}})"}) {
    auto r = adapter.decode_chat(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().kind, ErrorKind::upstream_protocol) << body;
  }
  auto overloaded = adapter.decode_chat(fixture("error_overloaded.json"));
  ASSERT_FALSE(overloaded);
  EXPECT_EQ(overloaded.error().status, 503);
  EXPECT_TRUE(overloaded.error().retryable);
  // Blocks of unexpected shapes are skipped, not fatal.
  auto odd = adapter.decode_chat(R"({"content":[1,{"type":"text"},{"type":"tool_use","id":"t","name":"f"}]})");
  ASSERT_TRUE(odd);
  ASSERT_EQ(odd->message.content.size(), 2u);
  EXPECT_EQ(std::get<ToolCallBlock>(odd->message.content[1]).arguments_json, "{}");
  for (const char* name : {"response_text.json", "response_tool_use.json", "response_thinking.json"}) {
    std::string body = fixture(name);
    for (std::size_t n = 0; n < body.size(); ++n) EXPECT_NO_THROW((void)adapter.decode_chat(body.substr(0, n)));
  }
}

TEST(AnthropicCodec, ClassifiesErrors) {
  AnthropicAdapter adapter;
  auto t = target();
  for (int status : {401, 403}) {
    auto e = adapter.classify_error(
        status, R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})", t);
    EXPECT_EQ(e.kind, ErrorKind::upstream_auth);
    EXPECT_EQ(e.status, 502);
    EXPECT_EQ(e.message.find("invalid x-api-key"), std::string::npos);  // the upstream's words stay out
  }
  auto limited = adapter.classify_error(
      429,
      R"({"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}})",
      t);
  EXPECT_EQ(limited.kind, ErrorKind::rate_limited);
  EXPECT_EQ(limited.status, 429);
  EXPECT_TRUE(limited.retryable);
  EXPECT_EQ(limited.code, "rate_limit_error");

  auto overloaded = adapter.classify_error(529, fixture("error_overloaded.json"), t);
  EXPECT_EQ(overloaded.kind, ErrorKind::upstream_status);
  EXPECT_EQ(overloaded.status, 503);
  EXPECT_TRUE(overloaded.retryable);
  EXPECT_EQ(overloaded.message, "provider 'claude' answered 529: Overloaded");

  auto invalid = adapter.classify_error(400, fixture("error_invalid_request.json"), t);
  EXPECT_EQ(invalid.status, 400);
  EXPECT_FALSE(invalid.retryable);
  EXPECT_EQ(invalid.code, "invalid_request_error");
  EXPECT_NE(invalid.message.find("`tool_use` ids were found without `tool_result` blocks"), std::string::npos);

  auto api = adapter.classify_error(
      500, R"({"type":"error","error":{"type":"api_error","message":"Internal server error"}})", t);
  EXPECT_EQ(api.status, 500);
  EXPECT_TRUE(api.retryable);
  auto html = adapter.classify_error(413, "<html><body>413 Request Entity Too Large</body></html>", t);
  EXPECT_EQ(html.status, 413);
  EXPECT_FALSE(html.retryable);
  EXPECT_NE(html.message.find("413 Request Entity Too Large"), std::string::npos);
  EXPECT_EQ(adapter.classify_error(529, "", t).status, 503);
}

// canonical → Anthropic JSON → read back as an answer: the assistant turn survives.
TEST(AnthropicCodec, RoundTripsAssistantTurn) {
  ChatRequest r = hello();
  r.messages.push_back(
      msg(Role::assistant, {ThinkingBlock{"Two cities.", "sig=="}, TextBlock{"Checking both."},
                            ToolCallBlock{"toolu_1", "get_weather", R"({"city":"Paris"})"},
                            ToolCallBlock{"toolu_2", "get_weather", R"({"city":"Rome","days":[1,2]})"}}));
  r.messages.push_back(
      msg(Role::user, {ToolResultBlock{"toolu_1", "Sunny", false}, ToolResultBlock{"toolu_2", "Rain", false}}));
  json::object body = encoded_body(r);
  json::object answer{{"id", "msg_rt"},
                      {"type", "message"},
                      {"role", "assistant"},
                      {"model", "claude"},
                      {"stop_reason", "tool_use"},
                      {"content", body["messages"].as_array().at(1).as_object()["content"]}};
  auto decoded = AnthropicAdapter{}.decode_chat(json::serialize(answer));
  ASSERT_TRUE(decoded) << decoded.error().message;
  const auto& original = r.messages[1].content;
  const auto& back = decoded->message.content;
  ASSERT_EQ(back.size(), original.size());
  EXPECT_EQ(std::get<ThinkingBlock>(back[0]).text, "Two cities.");
  EXPECT_EQ(std::get<ThinkingBlock>(back[0]).signature, "sig==");
  EXPECT_EQ(std::get<TextBlock>(back[1]).text, "Checking both.");
  for (std::size_t i = 2; i < original.size(); ++i) {
    const auto& a = std::get<ToolCallBlock>(original[i]);
    const auto& b = std::get<ToolCallBlock>(back[i]);
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(json::parse(a.arguments_json), json::parse(b.arguments_json));
  }
  EXPECT_EQ(decoded->finish_reason, FinishReason::tool_calls);
  // The results went back as one user turn, in order.
  auto results = body["messages"].as_array().at(2).as_object()["content"].as_array();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].as_object()["tool_use_id"], "toolu_2");
}

// cache_control marks of the canonical blocks and tools go back on the wire
// (at most Anthropic's four: anthropic_cache_test.cpp has the clamp); a
// marked system prompt goes as text blocks, an unmarked one as a string.
TEST(AnthropicRequest, CacheControlMarksAreWrittenWhereTheyWere) {
  const std::string mark = R"({"type":"ephemeral","ttl":"1h"})";
  ChatRequest r;
  r.messages.push_back(msg(Role::system, {TextBlock{"Be terse.", mark}}));
  r.messages.push_back(msg(Role::user, {TextBlock{"Look:"}, ImageBlock{"https://x/a.png", "", "", "", ""}}));
  r.messages.push_back(msg(Role::assistant, {ToolCallBlock{"t1", "lookup", "{}", mark}}));
  r.messages.push_back(msg(Role::tool, {ToolResultBlock{"t1", "blue", false, mark}}));
  r.messages.push_back(msg(Role::user, {TextBlock{"And now?", mark}}));
  r.tools.push_back(ToolDefinition{"lookup", "", json::object{{"type", "object"}}, ""});
  const json::object body = encoded_body(r);
  const json::value expected_mark = json::parse(mark);
  EXPECT_EQ(json::serialize(body.at("system")),
            R"([{"type":"text","text":"Be terse.","cache_control":{"type":"ephemeral","ttl":"1h"}}])");
  const auto& messages = body.at("messages").as_array();
  ASSERT_EQ(messages.size(), 3u);  // the tool result and the last text share a user turn
  const auto& look = messages[0].at("content").as_array();
  EXPECT_FALSE(look[0].as_object().contains("cache_control"));
  EXPECT_FALSE(look[1].as_object().contains("cache_control"));
  EXPECT_EQ(messages[1].at("content").as_array()[0].at("cache_control"), expected_mark);  // tool_use
  const auto& last = messages[2].at("content").as_array();
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0].at("type"), "tool_result");
  EXPECT_EQ(last[0].at("cache_control"), expected_mark);
  EXPECT_EQ(last[1].at("cache_control"), expected_mark);
  EXPECT_FALSE(body.at("tools").as_array()[0].as_object().contains("cache_control"));
  // An image's and a tool definition's marks.
  ChatRequest other = hello();
  other.messages.back().content.push_back(ImageBlock{"https://x/a.png", "", "", "", mark});
  other.tools.push_back(ToolDefinition{"lookup", "", json::object{{"type", "object"}}, R"({"type":"ephemeral"})"});
  const json::object marked = encoded_body(other);
  EXPECT_EQ(marked.at("messages").as_array().back().at("content").as_array().back().at("cache_control"),
            expected_mark);
  EXPECT_EQ(marked.at("tools").as_array()[0].at("cache_control"), json::parse(R"({"type":"ephemeral"})"));
  ChatRequest plain = hello();
  plain.messages.insert(plain.messages.begin(), msg(Role::system, {TextBlock{"Be terse."}}));
  EXPECT_EQ(encoded_body(plain).at("system"), "Be terse.");
}

}  // namespace
}  // namespace aisbf::anthropic
