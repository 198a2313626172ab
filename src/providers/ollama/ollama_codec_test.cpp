// Ollama provider codec: request encoding, response decoding and error
// classification, against recorded samples in tests/fixtures/ollama/codec_*.
// Stream decoding: ollama_stream_test.cpp.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/ollama/ollama_adapter.hpp"
#include "providers/ollama/ollama_test_util.hpp"
#include "providers/ollama/ollama_wire.hpp"

namespace aisbf::ollama {
namespace {

namespace json = boost::json;
using namespace ollama_test;

UpstreamTarget target(std::string endpoint = "http://localhost:11434", std::string key = "") {
  return {"local", "ollama", std::move(endpoint), std::move(key), "llama3.2", {}};
}

json::object encoded_body(const ChatRequest& request) {
  auto encoded = OllamaAdapter{}.encode_chat(request, target());
  EXPECT_TRUE(encoded);
  return json::parse(encoded->body).as_object();
}

Message msg(Role role, std::vector<ContentBlock> content) { return Message{role, std::move(content), {}}; }

ChatRequest rich_request() {
  ChatRequest r;
  r.model = "my-alias";
  r.messages.push_back(msg(Role::system, {TextBlock{"You are terse."}}));
  r.messages.push_back(msg(Role::developer, {TextBlock{"Answer in French."}}));
  r.messages.push_back(
      msg(Role::user, {TextBlock{"What is in this picture?"}, ImageBlock{"", "image/png", "iVBORw0KGgo=", "low"},
                       ImageBlock{"https://example.com/cat.jpg", "", "", ""},
                       ImageBlock{"data:image/jpeg;base64,/9j/4AAQSkZJRg==", "", "", ""}}));
  r.messages.push_back(msg(Role::assistant, {ThinkingBlock{"look it up", "sig"}, TextBlock{"Checking."},
                                             ToolCallBlock{"call_abc", "get_weather", R"({"city":"Paris"})"},
                                             ToolCallBlock{"call_def", "get_time", ""}}));
  r.messages.push_back(msg(Role::tool, {ToolResultBlock{"call_abc", "Sunny, 21C", false}}));
  // Anthropic-style: a result inside a user message, followed by text.
  r.messages.push_back(msg(Role::user, {ToolResultBlock{"call_def", "12:00", false}, TextBlock{"Thanks"}}));
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
  r.extensions = json::parse(R"({"seed":7,"top_k":40,"keep_alive":"10m","reasoning_effort":"low",
    "response_format":{"type":"json_schema","json_schema":{"name":"a","strict":true,
      "schema":{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}}},
    "parallel_tool_calls":false,"user":"u1","stream_options":{"include_usage":true},"model":"no","stream":false,
    "options":{"num_ctx":8192,"temperature":1.0}})")
                     .as_object();
  return r;
}

TEST(OllamaCodec, EncodesRichRequest) {
  auto encoded = OllamaAdapter{}.encode_chat(rich_request(), target("http://localhost:11434", "sk-proxy"));
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->method, "POST");
  EXPECT_EQ(encoded->path_suffix, "/api/chat");
  EXPECT_EQ(encoded->headers, (HeaderList{{"Authorization", "Bearer sk-proxy"}, {"Content-Type", "application/json"}}));
  EXPECT_EQ(json::parse(encoded->body), json::parse(fixture("codec_request_rich.json"))) << encoded->body;
}

TEST(OllamaCodec, EncodesPlainShapes) {
  ChatRequest r;
  r.messages.push_back(msg(Role::user, {TextBlock{"Hi "}, TextBlock{"there"}, ToolCallBlock{"x", "f", "{}"}}));
  r.messages.push_back(msg(Role::assistant, {ToolCallBlock{"c1", "f", "[1,2]"}, ToolCallBlock{"", "g", "{bad"}}));
  Message tool = msg(Role::tool, {TextBlock{"42"}});
  tool.name = "f";
  r.messages.push_back(tool);
  r.messages.push_back(msg(Role::user, {ToolResultBlock{"unknown", "r", true}}));
  r.tools.push_back({"f", "", nullptr});
  r.tool_choice.mode = ToolChoiceMode::none;  // no tool_choice on Ollama: the tools are left out
  r.extensions = json::parse(R"({"format":"json","response_format":{"type":"json_object"},
    "think":true,"reasoning_effort":"none","logit_bias":{"1":2}})")
                     .as_object();
  auto expected = json::parse(R"({"model":"llama3.2","stream":false,"format":"json","think":true,"messages":[
    {"role":"user","content":"Hi there"},
    {"role":"assistant","content":"","tool_calls":[{"id":"c1","function":{"name":"f","arguments":{}}},
                                                   {"function":{"name":"g","arguments":{}}}]},
    {"role":"tool","content":"42","tool_name":"f"},
    {"role":"tool","content":"r","tool_call_id":"unknown"}]})");
  EXPECT_EQ(json::value(encoded_body(r)), expected) << json::serialize(encoded_body(r));
}

TEST(OllamaCodec, MapsOpenAiSpellings) {
  ChatRequest r;
  r.messages.push_back(msg(Role::user, {TextBlock{"hi"}}));
  r.extensions = json::parse(R"({"response_format":{"type":"json_object"},"reasoning_effort":"none",
    "max_completion_tokens":99})")
                     .as_object();
  auto body = encoded_body(r);
  EXPECT_EQ(body.at("format"), "json");
  EXPECT_EQ(body.at("think"), false);
  EXPECT_EQ(body.at("options").at("num_predict"), 99);
  r.max_tokens = 10;  // the canonical member wins over the extension
  r.extensions =
      json::parse(R"({"response_format":{"type":"text"},"reasoning_effort":"high","max_completion_tokens":99})")
          .as_object();
  body = encoded_body(r);
  EXPECT_FALSE(body.contains("format"));
  EXPECT_EQ(body.at("think"), "high");
  EXPECT_EQ(body.at("options").at("num_predict"), 10);
  r.tools.push_back({"f", "d", json::parse(R"({"type":"object"})")});
  r.tool_choice.mode = ToolChoiceMode::required;  // not expressible: tools still sent
  EXPECT_EQ(encoded_body(r).at("tools").as_array().size(), 1u);
}

TEST(OllamaCodec, ChatPathAndAuth) {
  OllamaAdapter adapter;
  for (const char* endpoint : {"http://localhost:11434", "http://localhost:11434/", "http://api", "https://h/v1"})
    EXPECT_EQ(adapter.chat_path(target(endpoint), true), "/api/chat") << endpoint;
  for (const char* endpoint : {"http://h:11434/api", "http://h/api/", "https://proxy/ollama/api"})
    EXPECT_EQ(adapter.chat_path(target(endpoint), false), "/chat") << endpoint;
  UpstreamTarget t = target();
  t.extra_headers = {{"X-Team", "a"}};
  EXPECT_EQ(adapter.auth_headers(t), (HeaderList{{"X-Team", "a"}}));
  t.api_key = "k";
  EXPECT_EQ(adapter.auth_headers(t), (HeaderList{{"Authorization", "Bearer k"}, {"X-Team", "a"}}));
  EXPECT_EQ(adapter.type(), "ollama");
  EXPECT_EQ(adapter.stream_framing(), StreamFraming::ndjson);
  EXPECT_EQ(adapter.passthrough_format(), BodyFormat::none);
  EXPECT_EQ(&ollama_adapter(), &ollama_adapter());
  EXPECT_EQ(ollama_adapter().type(), "ollama");
}

TEST(OllamaCodec, DecodesTextResponse) {
  auto r = OllamaAdapter{}.decode_chat(fixture("codec_response_text.json"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->id, "chatcmpl-ollama-20231212141343416799");
  EXPECT_EQ(r->model, "llama3.2");
  EXPECT_EQ(r->created, 1702390423);
  EXPECT_EQ(r->message.role, Role::assistant);
  ASSERT_EQ(r->message.content.size(), 1u);
  EXPECT_EQ(std::get<TextBlock>(r->message.content[0]).text, "Hello! How are you today?");
  EXPECT_EQ(r->finish_reason, FinishReason::stop);  // documented answer without done_reason
  ASSERT_TRUE(r->usage);
  EXPECT_EQ(r->usage->prompt_tokens, 26);
  EXPECT_EQ(r->usage->completion_tokens, 298);
  EXPECT_EQ(r->usage->total_tokens, 324);
}

TEST(OllamaCodec, DecodesToolCallResponse) {
  auto r = OllamaAdapter{}.decode_chat(fixture("codec_response_tool_call.json"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->message.content.size(), 1u);  // empty content: no text block
  const auto& call = std::get<ToolCallBlock>(r->message.content[0]);
  EXPECT_EQ(call.id, "call_20240722203328123648_0");  // older servers send no id
  EXPECT_EQ(call.name, "get_current_weather");
  EXPECT_EQ(json::parse(call.arguments_json), json::parse(R"({"format":"celsius","location":"Paris, FR"})"));
  EXPECT_EQ(r->finish_reason, FinishReason::tool_calls);  // "stop" + calls
  EXPECT_EQ(r->usage->prompt_tokens, 122);
  EXPECT_EQ(r->usage->completion_tokens, 33);
}

TEST(OllamaCodec, DecodesThinkingAndUpstreamIds) {
  auto r = OllamaAdapter{}.decode_chat(fixture("codec_response_thinking.json"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->message.content.size(), 4u);
  EXPECT_EQ(std::get<ThinkingBlock>(r->message.content[0]).text,
            "The user wants two temperatures, so I call the tool twice.");
  EXPECT_EQ(std::get<TextBlock>(r->message.content[1]).text, "Tokyo is 18C; London is 15C.");
  EXPECT_EQ(std::get<ToolCallBlock>(r->message.content[2]).id, "call_k3x9a2m1");
  EXPECT_EQ(std::get<ToolCallBlock>(r->message.content[3]).arguments_json, R"({"city":"London"})");
  EXPECT_EQ(r->finish_reason, FinishReason::length);
  EXPECT_EQ(r->created, 1751944939);      // 2025-07-07T20:22:19-07:00
  EXPECT_EQ(r->usage->prompt_tokens, 0);  // omitted when the prompt came from the KV cache
  EXPECT_EQ(r->usage->total_tokens, 64);
}

TEST(OllamaCodec, MapsDoneReasons) {
  auto finish = [](const std::string& tail) {
    auto r = OllamaAdapter{}.decode_chat(R"({"message":{"content":"x"})" + tail + "}");
    return r ? r->finish_reason : FinishReason::error;
  };
  EXPECT_EQ(finish(R"(,"done":true,"done_reason":"stop")"), FinishReason::stop);
  EXPECT_EQ(finish(R"(,"done":true,"done_reason":"length")"), FinishReason::length);
  EXPECT_EQ(finish(R"(,"done":true,"done_reason":"load")"), FinishReason::stop);
  EXPECT_EQ(finish(""), FinishReason::stop);
  EXPECT_EQ(finish(R"(,"done":false)"), FinishReason::none);
}

TEST(OllamaCodec, ParsesTimestamps) {
  EXPECT_EQ(wire::parse_timestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(wire::parse_timestamp("2023-08-04T08:52:19.385406455-07:00"), 1691164339);
  EXPECT_EQ(wire::parse_timestamp("2000-02-29T12:00:00+01:30"), 951820200);
  for (const char* bad : {"", "2023-08-04", "2023-08-04T08:52:19", "2023-13-04T08:52:19Z", "2023-08-04T08:52:19.Zx",
                          "2023-08-04T08:52:19+0700", "abcd-08-04T08:52:19Z"})
    EXPECT_FALSE(wire::parse_timestamp(bad)) << bad;
  EXPECT_EQ(wire::response_id(""), "chatcmpl-ollama");
}

TEST(OllamaCodec, RejectsMalformedResponses) {
  OllamaAdapter adapter;
  for (std::string_view body : {"", "not json", "[1]", "{}", R"({"message":"hi"})"}) {
    auto r = adapter.decode_chat(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().kind, ErrorKind::upstream_protocol) << body;
  }
  auto err = adapter.decode_chat(R"({"error":"model \"x\" not found, try pulling it first"})");
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().kind, ErrorKind::upstream_status);
  EXPECT_EQ(err.error().message, "model \"x\" not found, try pulling it first");
  // Odd shapes decode to something or fail cleanly; every truncation never throws.
  auto odd = adapter.decode_chat(
      R"({"created_at":7,"message":{"content":5,"thinking":null,"tool_calls":[1,{"function":{"arguments":"{\"a\":1}"}},{"function":{"name":"n","arguments":[2]}}]},"eval_count":"x","prompt_eval_count":1.5})");
  ASSERT_TRUE(odd);
  ASSERT_EQ(odd->message.content.size(), 2u);
  EXPECT_EQ(std::get<ToolCallBlock>(odd->message.content[0]).arguments_json, R"({"a":1})");
  EXPECT_EQ(std::get<ToolCallBlock>(odd->message.content[1]).id, "call_1");
  std::string body = fixture("codec_response_thinking.json");
  for (std::size_t n = 0; n < body.size(); ++n) EXPECT_NO_THROW((void)adapter.decode_chat(body.substr(0, n)));
}

TEST(OllamaCodec, ClassifiesErrors) {
  OllamaAdapter adapter;
  UpstreamTarget t = target();
  auto e = adapter.classify_error(404, R"({"error":"model \"llama9\" not found, try pulling it first"})", t);
  EXPECT_EQ(e.status, 404);
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.code, "model_not_found");
  EXPECT_NE(e.message.find("model \"llama9\" not found"), std::string::npos);
  auto wrong_path = adapter.classify_error(404, "404 page not found", t);
  EXPECT_EQ(wrong_path.status, 404);
  EXPECT_TRUE(wrong_path.retryable);  // a misconfigured endpoint: another candidate may serve
  EXPECT_EQ(wrong_path.code, "upstream_error");
  auto auth = adapter.classify_error(401, R"({"error":"secret detail"})", t);
  EXPECT_EQ(auth.kind, ErrorKind::upstream_auth);
  EXPECT_EQ(auth.status, 502);
  EXPECT_EQ(auth.message.find("secret"), std::string::npos);
  EXPECT_EQ(adapter.classify_error(403, "", t).kind, ErrorKind::upstream_auth);
  auto bad = adapter.classify_error(400, R"({"error":"invalid options"})", t);
  EXPECT_EQ(bad.status, 400);
  EXPECT_FALSE(bad.retryable);
  EXPECT_NE(bad.message.find("invalid options"), std::string::npos);
  EXPECT_EQ(adapter.classify_error(429, "{}", t).kind, ErrorKind::rate_limited);
  for (int status : {500, 502, 503}) {
    auto server = adapter.classify_error(status, R"({"error":"the model failed to generate a response"})", t);
    EXPECT_TRUE(server.retryable) << status;
    EXPECT_GE(server.status, 500);
  }
  EXPECT_NE(adapter.classify_error(500, "", t).message.find("HTTP 500"), std::string::npos);
}

// canonical → Ollama JSON → read back as an answer: the assistant turn survives.
TEST(OllamaCodec, RoundTripsAssistantTurn) {
  ChatRequest r;
  r.messages.push_back(msg(Role::user, {TextBlock{"weather in Paris and Rome?"}}));
  r.messages.push_back(
      msg(Role::assistant, {TextBlock{"Checking both."}, ToolCallBlock{"call_1", "get_weather", R"({"city":"Paris"})"},
                            ToolCallBlock{"call_2", "get_weather", R"({"city":"Rome","days":[1,2]})"}}));
  json::object body = encoded_body(r);
  json::object answer{{"model", "llama3.2"},
                      {"created_at", "2025-01-01T00:00:00Z"},
                      {"message", body.at("messages").at(1)},
                      {"done", true},
                      {"done_reason", "stop"}};
  auto decoded = OllamaAdapter{}.decode_chat(json::serialize(answer));
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
    EXPECT_EQ(json::parse(a.arguments_json), json::parse(b.arguments_json));
  }
  EXPECT_EQ(decoded->finish_reason, FinishReason::tool_calls);
  EXPECT_EQ(decoded->created, 1735689600);
}

}  // namespace
}  // namespace aisbf::ollama
