// Ollama's /api/embed: the request, the documented multiple-input answer
// (docs/api.md, "Generate Embeddings", model all-minilm; vectors cut to
// three values), and the answers a decoder must refuse.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "providers/ollama/ollama_adapter.hpp"

namespace aisbf::ollama {
namespace {

constexpr std::string_view kDocumentedAnswer = R"({
  "model": "all-minilm",
  "embeddings": [[
    0.010071029, -0.0017594862, 0.05007221
  ],[
    -0.0098027075, 0.06042469, 0.025257962
  ]],
  "total_duration": 14143917,
  "load_duration": 1019500,
  "prompt_eval_count": 8
})";

UpstreamTarget target(std::string endpoint) {
  UpstreamTarget t;
  t.provider_id = "local";
  t.provider_type = "ollama";
  t.endpoint = std::move(endpoint);
  t.upstream_model = "all-minilm";
  return t;
}

TEST(OllamaEmbeddings, EncodesApiEmbedWithAnInputArray) {
  const OllamaAdapter adapter;
  auto r = adapter.encode_embeddings({{"Why is the sky blue?", "Why is the grass green?"}, {}, {}, false},
                                     target("http://localhost:11434"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->path_suffix, "/api/embed");
  EXPECT_EQ(boost::json::parse(r->body),
            boost::json::parse(R"({"model":"all-minilm","input":["Why is the sky blue?","Why is the grass green?"]})"));
  auto under_api = adapter.encode_embeddings({{"x"}, {}, {}, false}, target("http://localhost:11434/api"));
  ASSERT_TRUE(under_api);
  EXPECT_EQ(under_api->path_suffix, "/embed");
}

TEST(OllamaEmbeddings, DecodesTheDocumentedAnswer) {
  const OllamaAdapter adapter;
  auto r = adapter.decode_embeddings(kDocumentedAnswer, 2);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->vectors.size(), 2u);
  EXPECT_EQ(r->vectors[1], (std::vector<float>{-0.0098027075f, 0.06042469f, 0.025257962f}));
  EXPECT_EQ(r->prompt_tokens, 8);
}

TEST(OllamaEmbeddings, RefusesWrongCountsAndShapes) {
  const OllamaAdapter adapter;
  EXPECT_EQ(adapter.decode_embeddings(kDocumentedAnswer, 3).error().kind, ErrorKind::upstream_protocol);
  EXPECT_EQ(adapter.decode_embeddings(R"({"embedding":[1,2]})", 1).error().kind, ErrorKind::upstream_protocol);
  EXPECT_EQ(adapter.decode_embeddings(R"({"embeddings":[[1,2],[1]]})", 2).error().kind,
            ErrorKind::upstream_protocol);
  EXPECT_EQ(adapter.decode_embeddings(R"({"embeddings":[[null]]})", 1).error().kind, ErrorKind::upstream_protocol);
  auto error = adapter.decode_embeddings(R"({"error":"model \"x\" not found"})", 1);
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().kind, ErrorKind::upstream_status);
}

}  // namespace
}  // namespace aisbf::ollama
