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
  auto r = adapter.encode_embeddings({{"What is the meaning of life?", "How does the brain work?"}, 768, {}, false},
                                     target("gemini-embedding-001"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->path_suffix, "/models/gemini-embedding-001:batchEmbedContents");
  EXPECT_EQ(r->headers.front().first, "x-goog-api-key");
  EXPECT_EQ(boost::json::parse(r->body), boost::json::parse(R"({"requests":[
      {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"What is the meaning of life?"}]},
       "outputDimensionality":768},
      {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"How does the brain work?"}]},
       "outputDimensionality":768}]})"));
  auto prefixed = adapter.encode_embeddings({{"x"}, {}, {}, false}, target("models/text-embedding-004"));
  ASSERT_TRUE(prefixed);
  EXPECT_EQ(prefixed->path_suffix, "/models/text-embedding-004:batchEmbedContents");
  EXPECT_EQ(boost::json::parse(prefixed->body).at("requests").at(0).at("model"), "models/text-embedding-004");
}

TEST(GeminiEmbeddings, OneTextGivenAsAStringGoesToEmbedContentWithItsTaskType) {
  const GeminiAdapter adapter;
  EmbeddingRequest request{{"Hello"}, 3, "RETRIEVAL_QUERY", true};
  auto r = adapter.encode_embeddings(request, target("gemini-embedding-001"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->path_suffix, "/models/gemini-embedding-001:embedContent");
  EXPECT_EQ(boost::json::parse(r->body), boost::json::parse(R"({"model":"models/gemini-embedding-001",
      "content":{"parts":[{"text":"Hello"}]},"taskType":"RETRIEVAL_QUERY","outputDimensionality":3})"));
  // An array of one text stays a batch, with the task type on each request.
  request.single = false;
  auto batch = adapter.encode_embeddings(request, target("gemini-embedding-001"));
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->path_suffix, "/models/gemini-embedding-001:batchEmbedContents");
  EXPECT_EQ(boost::json::parse(batch->body).at("requests").at(0).at("taskType"), "RETRIEVAL_QUERY");
  // embedContent's answer: {"embedding":{"values":[…]}}.
  auto one = adapter.decode_embeddings(R"({"embedding":{"values":[0.25,-0.5,1]}})", 1);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one->vectors.at(0), (std::vector<float>{0.25f, -0.5f, 1.0f}));
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
  EXPECT_FALSE(adapter.decode_embeddings(R"({"embedding":{"values":[1]}})", 2));  // embedContent's: one vector
  EXPECT_FALSE(adapter.decode_embeddings(R"({"embedding":{"values":[]}})", 1));
  EXPECT_FALSE(adapter.decode_embeddings(R"({"embeddings":[{"value":[1]}]})", 1));
  EXPECT_FALSE(adapter.decode_embeddings(R"({"embeddings":[[1]]})", 1));
  // A finite double that is no float32 would be written back as `inf`.
  EXPECT_FALSE(adapter.decode_embeddings(R"({"embeddings":[{"values":[0.5,1e39]}]})", 1));
  EXPECT_TRUE(adapter.decode_embeddings(R"({"embeddings":[{"values":[0.5,3e38]}]})", 1));
}

}  // namespace
}  // namespace aisbf::gemini
