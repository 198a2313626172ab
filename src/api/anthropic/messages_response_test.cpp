// Anthropic ingress: non-streaming answers and error bodies (PROTOCOLS.md §2.5, §2.7).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api/anthropic/messages_ingress.hpp"

namespace aisbf::api {
namespace {

namespace json = boost::json;

json::value encode(const ChatResponse& response, std::string model = "claude-sonnet-4-5") {
  return json::parse(anthropic_messages_ingress().encode_response(response, EgressContext{std::move(model), false}));
}

ChatResponse answer(std::vector<ContentBlock> content, FinishReason reason) {
  ChatResponse r;
  r.id = "chatcmpl-abc";
  r.model = "gpt-4o-mini-2024-07-18";
  r.message = Message{Role::assistant, std::move(content), {}};
  r.finish_reason = reason;
  return r;
}

TEST(AnthropicIngressResponse, TextAnswer) {
  ChatResponse r = answer({TextBlock{"Hello!"}}, FinishReason::stop);
  r.usage = Usage{412, 56, 468, 100, 12, 0, std::nullopt};
  json::value v = encode(r);
  std::string id(v.at("id").as_string());
  EXPECT_EQ(id.rfind("msg_", 0), 0u);
  v.as_object().erase("id");
  EXPECT_EQ(v, json::parse(R"({"type":"message","role":"assistant","model":"claude-sonnet-4-5",
    "content":[{"type":"text","text":"Hello!"}],"stop_reason":"end_turn","stop_sequence":null,
    "usage":{"input_tokens":300,"cache_creation_input_tokens":12,"cache_read_input_tokens":100,"output_tokens":56}})"));
}

TEST(AnthropicIngressResponse, EffectiveContextInUsageWhenCounted) {
  ChatResponse r = answer({TextBlock{"Hello!"}}, FinishReason::stop);
  r.usage = Usage{412, 56, 468, 100, 12, 0, std::nullopt};
  r.usage->effective_context = 405;
  EXPECT_EQ(encode(r).at("usage"), json::parse(R"({"input_tokens":300,"cache_creation_input_tokens":12,
    "cache_read_input_tokens":100,"output_tokens":56,"effective_context":405})"));
}

TEST(AnthropicIngressResponse, ThinkingTextAndToolUse) {
  ChatResponse r = answer(
      {ThinkingBlock{"Need the weather.", "EqQBsig"}, TextBlock{"I'll check."},
       ToolCallBlock{"toolu_01A", "get_weather", R"({"city":"Paris","days":[1,2]})"}, ToolCallBlock{"", "now", ""}},
      FinishReason::tool_calls);
  r.id = "msg_01XFDUDYJgAACzvnptvVoYEL";  // an Anthropic id is kept
  json::value v = encode(r);
  EXPECT_EQ(v.at("id"), "msg_01XFDUDYJgAACzvnptvVoYEL");
  const json::array& content = v.at("content").as_array();
  ASSERT_EQ(content.size(), 4u);
  EXPECT_EQ(content[0], json::parse(R"({"type":"thinking","thinking":"Need the weather.","signature":"EqQBsig"})"));
  EXPECT_EQ(content[1], json::parse(R"({"type":"text","text":"I'll check."})"));
  EXPECT_EQ(content[2], json::parse(R"({"type":"tool_use","id":"toolu_01A","name":"get_weather",
    "input":{"city":"Paris","days":[1,2]}})"));
  EXPECT_EQ(std::string(content[3].at("id").as_string()).rfind("toolu_", 0), 0u);  // generated
  EXPECT_EQ(content[3].at("input"), json::object());
  EXPECT_EQ(v.at("stop_reason"), "tool_use");
  EXPECT_EQ(v.at("usage"), json::parse(R"({"input_tokens":0,"cache_creation_input_tokens":0,
    "cache_read_input_tokens":0,"output_tokens":0})"));
}

TEST(AnthropicIngressResponse, InvalidArgumentsBecomeEmptyInput) {
  for (const char* args : {"{\"city\":", "[1,2]", "\"text\"", "null"}) {
    json::value v = encode(answer({ToolCallBlock{"t", "f", args}}, FinishReason::tool_calls));
    EXPECT_EQ(v.at("content").at(0).at("input"), json::object()) << args;
  }
}

TEST(AnthropicIngressResponse, StopReasonsAndEmptyText) {
  EXPECT_EQ(encode(answer({TextBlock{"x"}}, FinishReason::length)).at("stop_reason"), "max_tokens");
  EXPECT_EQ(encode(answer({}, FinishReason::content_filter)).at("stop_reason"), "refusal");
  EXPECT_EQ(encode(answer({ToolCallBlock{"t", "f", "{}"}}, FinishReason::stop)).at("stop_reason"), "tool_use");
  json::value v = encode(answer({TextBlock{""}}, FinishReason::none));
  EXPECT_EQ(v.at("stop_reason"), "end_turn");
  EXPECT_EQ(v.at("content"), json::array());  // Anthropic rejects empty text blocks sent back
}

TEST(AnthropicIngressResponse, ModelFallsBackToUpstreamWhenContextHasNone) {
  EXPECT_EQ(encode(answer({TextBlock{"x"}}, FinishReason::stop), "").at("model"), "gpt-4o-mini-2024-07-18");
}

TEST(AnthropicIngressErrors, BodyAndTypeByStatus) {
  auto e = make_error(ErrorKind::invalid_request, "max_tokens: Field required");
  EXPECT_EQ(anthropic_messages_ingress().encode_error(e),
            R"({"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}})");
  std::vector<std::pair<int, std::string_view>> cases{{400, "invalid_request_error"},
                                                      {401, "authentication_error"},
                                                      {402, "billing_error"},
                                                      {403, "permission_error"},
                                                      {404, "not_found_error"},
                                                      {408, "invalid_request_error"},
                                                      {413, "request_too_large"},
                                                      {415, "invalid_request_error"},
                                                      {429, "rate_limit_error"},
                                                      {500, "api_error"},
                                                      {501, "api_error"},
                                                      {502, "api_error"},
                                                      {503, "overloaded_error"},
                                                      {504, "timeout_error"},
                                                      {529, "overloaded_error"}};
  for (const auto& [status, type] : cases) EXPECT_EQ(anthropic_error_type(status), type) << status;
  auto limited = make_error(ErrorKind::rate_limited, "slow down");
  EXPECT_EQ(json::parse(anthropic_error_body(limited)).at("error").at("type"), "rate_limit_error");
}

}  // namespace
}  // namespace aisbf::api
