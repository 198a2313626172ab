// OpenAI-compatible embeddings: the request (plain and Azure presets) and
// the documented answer (platform.openai.com/docs/api-reference/embeddings),
// then the answers a decoder must refuse.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "providers/anthropic/anthropic_adapter.hpp"
#include "providers/openai/openai_adapter.hpp"

namespace aisbf::openai {
namespace {

// The API reference's sample answer (one input), as documented.
constexpr std::string_view kDocumentedAnswer = R"({
  "object": "list",
  "data": [
    {
      "object": "embedding",
      "embedding": [
        0.0023064255,
        -0.009327292,
        -0.0028842222
      ],
      "index": 0
    }
  ],
  "model": "text-embedding-ada-002",
  "usage": {
    "prompt_tokens": 8,
    "total_tokens": 8
  }
})";

UpstreamTarget target() {
  UpstreamTarget t;
  t.provider_id = "oa";
  t.provider_type = "openai";
  t.endpoint = "https://api.openai.com/v1";
  t.api_key = "sk-test";
  t.upstream_model = "text-embedding-3-small";
  return t;
}

TEST(OpenAiEmbeddings, EncodesTheInputsAsAnArrayOfFloatsWanted) {
  const OpenAiAdapter adapter;
  auto r = adapter.encode_embeddings({{"first text", "second"}, 256, {}, false}, target());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->path_suffix, "/embeddings");
  EXPECT_EQ(r->headers.front().first, "Authorization");
  EXPECT_EQ(r->headers.front().second, "Bearer sk-test");
  EXPECT_EQ(boost::json::parse(r->body),
            boost::json::parse(R"({"model":"text-embedding-3-small","input":["first text","second"],)"
                               R"("encoding_format":"float","dimensions":256})"));
}

TEST(OpenAiEmbeddings, AzureDatedApiUsesTheDeploymentPathAndApiKey) {
  const OpenAiAdapter adapter;
  UpstreamTarget t = target();
  t.preset = "azure_openai";
  t.endpoint = "https://res.openai.azure.com";
  t.deployment = "emb deploy";
  auto r = adapter.encode_embeddings({{"x"}, {}, {}, false}, t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path_suffix, "/openai/deployments/emb%20deploy/embeddings?api-version=2024-10-21");
  EXPECT_EQ(r->headers.front().first, "api-key");
}

TEST(OpenAiEmbeddings, AzureV1ApiNamesTheDeploymentAsModel) {
  const OpenAiAdapter adapter;
  UpstreamTarget t = target();
  t.preset = "azure_openai";
  t.endpoint = "https://res.openai.azure.com/openai/v1";
  t.api_version = "v1";
  t.deployment = "emb";
  auto r = adapter.encode_embeddings({{"x"}, {}, {}, false}, t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path_suffix, "/embeddings");
  EXPECT_EQ(r->headers.front().second, "Bearer sk-test");
  EXPECT_EQ(boost::json::parse(r->body).at("model"), "emb");
}

TEST(OpenAiEmbeddings, DecodesTheDocumentedAnswer) {
  const OpenAiAdapter adapter;
  auto r = adapter.decode_embeddings(kDocumentedAnswer, 1);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->vectors.size(), 1u);
  EXPECT_EQ(r->vectors[0], (std::vector<float>{0.0023064255f, -0.009327292f, -0.0028842222f}));
  EXPECT_EQ(r->prompt_tokens, 8);
}

TEST(OpenAiEmbeddings, PlacesEntriesByIndex) {
  const OpenAiAdapter adapter;
  auto r = adapter.decode_embeddings(
      R"({"data":[{"index":1,"embedding":[2,0]},{"index":0,"embedding":[1,0]}]})", 2);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->vectors[0][0], 1.0f);
  EXPECT_EQ(r->vectors[1][0], 2.0f);
  EXPECT_FALSE(r->prompt_tokens);
}

TEST(OpenAiEmbeddings, RefusesWrongCountsAndShapes) {
  const OpenAiAdapter adapter;
  EXPECT_FALSE(adapter.decode_embeddings(kDocumentedAnswer, 2));  // one vector for two inputs
  struct Case {
    std::string_view body;
    std::size_t inputs;
  };
  const Case bad[] = {
      {"not json", 1},
      {R"({"object":"list"})", 1},
      {R"({"data":[{"index":0,"embedding":"AAAA"}]})", 1},  // base64: not asked for
      {R"({"data":[{"index":0,"embedding":[]}]})", 1},
      {R"({"data":[{"index":0,"embedding":[1,"x"]}]})", 1},
      {R"({"data":[{"index":3,"embedding":[1]}]})", 1},
      {R"({"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]})", 2},
      {R"({"data":[{"index":0,"embedding":[1]},{"index":1,"embedding":[1,2]}]})", 2},
  };
  for (const auto& c : bad) {
    auto r = adapter.decode_embeddings(c.body, c.inputs);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().kind, ErrorKind::upstream_protocol) << c.body;
  }
}

TEST(OpenAiEmbeddings, RefusesAVectorPastTheDimensionCap) {
  const OpenAiAdapter adapter;
  auto answer = [](std::size_t dimensions) {
    std::string body = R"({"data":[{"index":0,"embedding":[)";
    for (std::size_t i = 0; i < dimensions; ++i) body += i == 0 ? "0.5" : ",0.5";
    return body + "]}]}";
  };
  EXPECT_TRUE(adapter.decode_embeddings(answer(16384), 1));
  auto r = adapter.decode_embeddings(answer(16385), 1);  // cached vectors are bounded in size
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::upstream_protocol);
}

TEST(OpenAiEmbeddings, AnErrorObjectWithStatus200IsAnUpstreamError) {
  const OpenAiAdapter adapter;
  auto r = adapter.decode_embeddings(R"({"error":{"message":"model overloaded","code":"busy"}})", 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::upstream_status);
  EXPECT_EQ(r.error().message, "model overloaded");
}

TEST(ProviderEmbeddings, AnthropicHasNoEmbeddingsApi) {
  const ProviderAdapter& adapter = anthropic::anthropic_adapter();
  auto r = adapter.encode_embeddings({{"x"}, {}, {}, false}, target());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unsupported);
  EXPECT_EQ(r.error().message, "provider type 'anthropic' has no embeddings API");
  EXPECT_FALSE(adapter.decode_embeddings("{}", 1));
}

}  // namespace
}  // namespace aisbf::openai
