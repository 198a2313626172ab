// Anthropic model list: the documented sample (PROTOCOLS.md §2.8) with the
// newer nullable fields, from tests/fixtures/anthropic/models_list.json.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "providers/anthropic/anthropic_adapter.hpp"

#ifndef AISBF_SOURCE_DIR
#define AISBF_SOURCE_DIR "."
#endif

namespace aisbf::anthropic {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/anthropic/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string path_for(const char* endpoint) {
  UpstreamTarget t;
  t.endpoint = endpoint;
  return AnthropicAdapter{}.models_path(t);
}

TEST(AnthropicModels, PathFollowsTheChatPathRule) {
  EXPECT_EQ(path_for("https://api.anthropic.com/v1"), "/models");
  EXPECT_EQ(path_for("https://api.anthropic.com/v1/"), "/models");
  EXPECT_EQ(path_for("http://127.0.0.1:8080/proxy/v1"), "/models");
  EXPECT_EQ(path_for("https://api.anthropic.com"), "/v1/models");
  EXPECT_EQ(path_for("https://api.anthropic.com/"), "/v1/models");
  EXPECT_EQ(path_for("https://api.example.com/anthropic"), "/v1/models");
  EXPECT_EQ(path_for("https://v1"), "/v1/models");
}

TEST(AnthropicModels, DecodesTheDocumentedList) {
  auto r = AnthropicAdapter{}.decode_models(fixture("models_list.json"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);  // has_more is true: only the first page is read

  const auto& sonnet = (*r)[0];
  EXPECT_EQ(sonnet.id, "claude-sonnet-4-5-20250929");
  EXPECT_EQ(sonnet.display_name, "Claude Sonnet 4.5");
  EXPECT_EQ(sonnet.context_size, 200000);
  EXPECT_EQ(sonnet.max_output_tokens, 64000);
  EXPECT_FALSE(sonnet.prompt_price);
  EXPECT_EQ(sonnet.capabilities, std::vector<std::string>{"vision"});

  const auto& haiku = (*r)[1];  // an older answer without the newer fields
  EXPECT_EQ(haiku.id, "claude-3-5-haiku-20241022");
  EXPECT_EQ(haiku.display_name, "Claude Haiku 3.5");
  EXPECT_FALSE(haiku.context_size);
  EXPECT_FALSE(haiku.max_output_tokens);
  EXPECT_TRUE(haiku.capabilities.empty());
}

TEST(AnthropicModels, NullFieldsAndBadEntries) {
  auto r = AnthropicAdapter{}.decode_models(
      R"({"data":[{"type":"model","id":"a","max_input_tokens":null,"max_tokens":null,"capabilities":null},)"
      R"({"type":"model","id":"b","capabilities":{"image_input":{"supported":false}}},)"
      R"({"type":"model"},7,{"id":""}],"has_more":false})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].id, "a");
  EXPECT_FALSE((*r)[0].context_size);
  EXPECT_TRUE((*r)[0].capabilities.empty());
  EXPECT_EQ((*r)[1].id, "b");
  EXPECT_TRUE((*r)[1].capabilities.empty());
}

TEST(AnthropicModels, MalformedBodiesAreProtocolErrors) {
  for (const char* body : {"", "<html>", "[]", "{\"data\":null}", "{\"has_more\":false}", "{\"data\":[",
                           R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})"}) {
    auto r = AnthropicAdapter{}.decode_models(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().kind, ErrorKind::upstream_protocol) << body;
  }
}

}  // namespace
}  // namespace aisbf::anthropic
