// Anthropic ingress: count_tokens and the Anthropic model list.
#include <gtest/gtest.h>

#include <sodium.h>

#include <boost/json/parse.hpp>

#include "api/anthropic/count_tokens.hpp"
#include "api/anthropic/models_json.hpp"
#include "context/token_count.hpp"

namespace aisbf::api {
namespace {

namespace json = boost::json;

const context::Tokenizer& cl100k() {
  auto loaded = context::tokenizer_for(context::Encoding::cl100k_base);
  if (!loaded) throw std::runtime_error(loaded.error().message);
  return **loaded;
}

// A 1000×1000 PNG's header, as base64.
std::string png_1000() {
  std::string bytes("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x03\xe8\0\0\x03\xe8\x08\x02\0\0\0", 29);
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

TEST(AnthropicCountTokens, ChatRuleOnCl100kWithAnthropicImages) {
  const auto& tok = cl100k();
  const context::ChatTokenCounter count(tok);
  ChatRequest r;
  r.messages.push_back(Message{Role::system, {TextBlock{"Be brief."}}, {}});
  r.messages.push_back(Message{Role::user, {TextBlock{"What is in this picture?"}}, {}});
  r.messages.push_back(Message{Role::assistant, {ThinkingBlock{"hmm, let me look", "sig"}}, {}});
  const std::int64_t text_only = count.request(r);
  EXPECT_EQ(count_input_tokens(r, tok), text_only);  // thinking is not counted
  EXPECT_EQ(text_only, 3 + (3 + count.text("system") + count.text("Be brief.")) +
                           (3 + count.text("user") + count.text("What is in this picture?")) +
                           (3 + count.text("assistant")));
  r.messages[1].content.push_back(ImageBlock{"", "image/png", png_1000(), ""});
  EXPECT_EQ(count_input_tokens(r, tok), text_only + 1334);  // 1000 × 1000 / 750, rounded up
  r.messages[1].content.push_back(ImageBlock{"https://example.com/a.png", "", "", ""});
  EXPECT_EQ(count_input_tokens(r, tok), text_only + 1334 + 1600);  // a URL's size is unknown
}

TEST(AnthropicCountTokens, Route) {
  const auto& tok = cl100k();
  const context::ChatTokenCounter count(tok);
  auto ok = anthropic_count_tokens_response(
      R"({"model":"claude-x","system":"abcd","messages":[{"role":"user","content":"efgh"}],
          "tools":[{"name":"get","description":"Gets it.","input_schema":{"type":"object","properties":{}}}]})",
      tok);
  ASSERT_TRUE(ok);
  const std::int64_t expected = 3 + (3 + count.text("system") + count.text("abcd")) +
                                (3 + count.text("user") + count.text("efgh")) + (10 + count.text("get:Gets it") + 12);
  EXPECT_EQ(*ok, R"({"input_tokens":)" + std::to_string(expected) + "}");
  auto bad = anthropic_count_tokens_response(R"({"model":"claude-x"})", tok);
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
