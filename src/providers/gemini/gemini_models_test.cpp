// Gemini model list: a sample shaped as the documented ListModels answer
// (PROTOCOLS.md §3.7, https://ai.google.dev/api/models), from
// tests/fixtures/gemini/models_list.json.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "providers/gemini/gemini_adapter.hpp"

#ifndef AISBF_SOURCE_DIR
#define AISBF_SOURCE_DIR "."
#endif

namespace aisbf::gemini {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/gemini/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(GeminiModels, PathIsRelativeToTheV1betaEndpoint) {
  UpstreamTarget t;
  t.endpoint = "https://generativelanguage.googleapis.com/v1beta";
  EXPECT_EQ(GeminiAdapter{}.models_path(t), "/models");
}

TEST(GeminiModels, KeepsChatAndEmbeddingModels) {
  auto r = GeminiAdapter{}.decode_models(fixture("models_list.json"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 3u);  // imagen (predict) and aqa (generateAnswer) are dropped

  const auto& flash = (*r)[0];
  EXPECT_EQ(flash.id, "gemini-2.0-flash");
  EXPECT_EQ(flash.display_name, "Gemini 2.0 Flash");
  EXPECT_EQ(flash.context_size, 1048576);
  EXPECT_EQ(flash.max_output_tokens, 8192);
  EXPECT_TRUE(flash.capabilities.empty());
  EXPECT_FALSE(flash.prompt_price);

  EXPECT_EQ((*r)[1].id, "gemini-2.5-flash");
  EXPECT_EQ((*r)[1].max_output_tokens, 65536);

  const auto& embedding = (*r)[2];
  EXPECT_EQ(embedding.id, "gemini-embedding-001");
  EXPECT_EQ(embedding.context_size, 2048);
  EXPECT_EQ(embedding.capabilities, std::vector<std::string>{"embeddings"});
}

TEST(GeminiModels, EmptyAndOddEntries) {
  auto r = GeminiAdapter{}.decode_models("{}");  // proto3 JSON omits an empty list
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->empty());
  r = GeminiAdapter{}.decode_models(
      R"({"models":[{"name":"models/","supportedGenerationMethods":["generateContent"]},)"
      R"({"name":"models/x","supportedGenerationMethods":"generateContent"},)"
      R"({"name":"models/t","inputTokenLimit":"32768","supportedGenerationMethods":["generateContent"]},)"
      R"({"name":"gemini-bare","supportedGenerationMethods":["batchEmbedContents"]},3]})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].id, "t");
  EXPECT_EQ((*r)[0].context_size, 32768);  // int64 fields may come as strings
  EXPECT_EQ((*r)[1].id, "gemini-bare");
  EXPECT_EQ((*r)[1].capabilities, std::vector<std::string>{"embeddings"});
}

TEST(GeminiModels, MalformedBodiesAreProtocolErrors) {
  for (const char* body : {"", "nope", "[]", R"({"models":{}})", R"({"models":"x"})", R"({"models":[)",
                           R"({"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}})"}) {
    auto r = GeminiAdapter{}.decode_models(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().kind, ErrorKind::upstream_protocol) << body;
  }
}

}  // namespace
}  // namespace aisbf::gemini
