// Gemini's batchEmbedContents: the request (path, one EmbedContentRequest
// per text naming the path's model) and an answer in the documented shape
// (ai.google.dev/api/embeddings: {"embeddings":[{"values":[…]}]}), then the
// answers a decoder must refuse.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "providers/gemini/gemini_adapter.hpp"

namespace aisbf::gemini {
namespace {

UpstreamTarget target(std::string model) {
  UpstreamTarget t;
  t.provider_id = "g";
  t.provider_type = "google";
  t.endpoint = "https://generativelanguage.googleapis.com/v1beta";
  t.api_key = "AIza-test";
  t.upstream_model = std::move(model);
  return t;
}

TEST(GeminiEmbeddings, EncodesOneRequestPerTextNamingThePathsModel) {
  const GeminiAdapter adapter;
  auto r = adapter.encode_embeddings({{"What is the meaning of life?", "How does the brain work?"}, 768},
                                     target("gemini-embedding-001"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->path_suffix, "/models/gemini-embedding-001:batchEmbedContents");
  EXPECT_EQ(r->headers.front().first, "x-goog-api-key");
  EXPECT_EQ(boost::json::parse(r->body), boost::json::parse(R"({"requests":[
      {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"What is the meaning of life?"}]},
       "outputDimensionality":768},
      {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"How does the brain work?"}]},
       "outputDimensionality":768}]})"));
  auto prefixed = adapter.encode_embeddings({{"x"}, {}}, target("models/text-embedding-004"));
  ASSERT_TRUE(prefixed);
  EXPECT_EQ(prefixed->path_suffix, "/models/text-embedding-004:batchEmbedContents");
  EXPECT_EQ(boost::json::parse(prefixed->body).at("requests").at(0).at("model"), "models/text-embedding-004");
}

TEST(GeminiEmbeddings, DecodesTheBatchAnswerInOrder) {
  const GeminiAdapter adapter;
  auto r = adapter.decode_embeddings(R"({"embeddings":[{"values":[0.013168523,-0.008711934]},)"
                                     R"({"values":[-0.046782676,0.0006995056]}]})",
                                     2);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->vectors[0], (std::vector<float>{0.013168523f, -0.008711934f}));
  EXPECT_EQ(r->vectors[1][0], -0.046782676f);
  EXPECT_FALSE(r->prompt_tokens);  // the batch answer counts no tokens
}

TEST(GeminiEmbeddings, RefusesWrongCountsAndShapes) {
  const GeminiAdapter adapter;
  EXPECT_FALSE(adapter.decode_embeddings(R"({"embeddings":[{"values":[1]}]})", 2));
  EXPECT_FALSE(adapter.decode_embeddings(R"({"embedding":{"values":[1]}})", 1));  // embedContent's shape
  EXPECT_FALSE(adapter.decode_embeddings(R"({"embeddings":[{"value":[1]}]})", 1));
  EXPECT_FALSE(adapter.decode_embeddings(R"({"embeddings":[[1]]})", 1));
}

}  // namespace
}  // namespace aisbf::gemini
