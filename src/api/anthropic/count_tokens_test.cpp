// Anthropic ingress: the count_tokens estimate and the Anthropic model list.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api/anthropic/count_tokens.hpp"
#include "api/anthropic/models_json.hpp"

namespace aisbf::api {
namespace {

namespace json = boost::json;

TEST(AnthropicCountTokens, EstimatesFourBytesPerTokenAndImages) {
  ChatRequest r;
  r.messages.push_back(Message{Role::system, {TextBlock{std::string(40, 's')}}, {}});
  r.messages.push_back(Message{Role::user, {TextBlock{std::string(21, 'u')}, ImageBlock{}}, {}});
  r.messages.push_back(Message{Role::assistant,
                               {ThinkingBlock{std::string(400, 't'), "sig"}, ToolCallBlock{"id", "f", R"({"a":1})"}},
                               {}});  // 1 + 7 bytes
  r.messages.push_back(Message{Role::tool, {ToolResultBlock{"id", std::string(12, 'r'), false}}, {}});
  r.tools.push_back(ToolDefinition{"get", "desc", json::parse(R"({"type":"object"})")});  // 3 + 4 + 17
  EXPECT_EQ(estimate_input_tokens(r), (40 + 21 + 8 + 12 + 24 + 3) / 4 + 1600);
  EXPECT_EQ(estimate_input_tokens(ChatRequest{}), 0);
}

TEST(AnthropicCountTokens, Route) {
  auto ok = anthropic_count_tokens_response(
      R"({"model":"claude-x","system":"abcd","messages":[{"role":"user","content":"efgh"}]})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, R"({"input_tokens":2})");
  auto bad = anthropic_count_tokens_response(R"({"model":"claude-x"})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "messages: Field required");
}

TEST(AnthropicModelsJson, ListAndOne) {
  std::string list =
      anthropic_models_list_json({{"claude-sonnet-4-5-20250929", "Claude Sonnet 4.5"}, {"openai/gpt-4o", ""}});
  EXPECT_EQ(json::parse(list), json::parse(R"({"data":[
    {"type":"model","id":"claude-sonnet-4-5-20250929","display_name":"Claude Sonnet 4.5","created_at":"1970-01-01T00:00:00Z"},
    {"type":"model","id":"openai/gpt-4o","display_name":"openai/gpt-4o","created_at":"1970-01-01T00:00:00Z"}],
    "has_more":false,"first_id":"claude-sonnet-4-5-20250929","last_id":"openai/gpt-4o"})"));
  EXPECT_EQ(json::parse(anthropic_models_list_json({})),
            json::parse(R"({"data":[],"has_more":false,"first_id":null,"last_id":null})"));
  EXPECT_EQ(json::parse(anthropic_model_json("m", "M", "2025-09-29T00:00:00Z")),
            json::parse(R"({"type":"model","id":"m","display_name":"M","created_at":"2025-09-29T00:00:00Z"})"));
}

}  // namespace
}  // namespace aisbf::api
