// The embeddings request's checks, the passthrough body, the answer the
// gateway builds and its base64 (little-endian float32, what the openai
// SDK's toFloat32Array reads back).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api/openai/embeddings_ingress.hpp"

namespace aisbf::api {
namespace {

namespace json = boost::json;

std::string param_of(std::string_view body) {
  auto r = decode_embeddings_request(body);
  EXPECT_FALSE(r) << body;
  if (r) return "(accepted)";
  EXPECT_EQ(r.error().status, 400) << body;
  return r.error().param;
}

TEST(EmbeddingsIngress, ReadsEveryInputForm) {
  auto one = decode_embeddings_request(R"({"model":"m","input":"hello"})");
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one->request.inputs, std::vector<std::string>{"hello"});
  EXPECT_TRUE(one->request.single);
  EXPECT_EQ(one->inputs, 1u);
  EXPECT_FALSE(one->base64);

  auto many = decode_embeddings_request(
      R"({"model":"m","input":["a","b"],"encoding_format":"base64","dimensions":64,"task_type":"CLUSTERING"})");
  ASSERT_TRUE(many) << many.error().message;
  EXPECT_EQ(many->request.inputs.size(), 2u);
  EXPECT_FALSE(many->request.single);
  EXPECT_TRUE(many->base64);
  EXPECT_EQ(many->request.dimensions, 64);
  EXPECT_EQ(many->request.task_type, "CLUSTERING");

  auto tokens = decode_embeddings_request(R"({"model":"m","input":[1,2,3]})");
  ASSERT_TRUE(tokens);
  EXPECT_TRUE(tokens->tokens);
  EXPECT_EQ(tokens->inputs, 1u);
  EXPECT_EQ(tokens->token_count, 3);
  auto arrays = decode_embeddings_request(R"({"model":"m","input":[[1,2],[3]],"encoding_format":null})");
  ASSERT_TRUE(arrays);
  EXPECT_EQ(arrays->inputs, 2u);
  EXPECT_EQ(arrays->token_count, 3);
}

TEST(EmbeddingsIngress, RefusesBadRequestsNamingTheParameter) {
  EXPECT_EQ(param_of("not json"), "");
  EXPECT_EQ(param_of("[1]"), "");
  EXPECT_EQ(param_of(R"({"input":"x"})"), "model");
  EXPECT_EQ(param_of(R"({"model":"","input":"x"})"), "model");
  EXPECT_EQ(param_of(R"({"model":"m"})"), "input");
  EXPECT_EQ(param_of(R"({"model":"m","input":""})"), "input");
  EXPECT_EQ(param_of(R"({"model":"m","input":[]})"), "input");
  EXPECT_EQ(param_of(R"({"model":"m","input":["a",""]})"), "input[1]");
  EXPECT_EQ(param_of(R"({"model":"m","input":["a",1]})"), "input[1]");
  EXPECT_EQ(param_of(R"({"model":"m","input":[[1],["a"]]})"), "input[1]");
  EXPECT_EQ(param_of(R"({"model":"m","input":[-1]})"), "input[0]");
  EXPECT_EQ(param_of(R"({"model":"m","input":{"a":1}})"), "input");
  EXPECT_EQ(param_of(R"({"model":"m","input":"x","encoding_format":"hex"})"), "encoding_format");
  EXPECT_EQ(param_of(R"({"model":"m","input":"x","dimensions":0})"), "dimensions");
  EXPECT_EQ(param_of(R"({"model":"m","input":"x","dimensions":1.5})"), "dimensions");
  EXPECT_EQ(param_of(R"({"model":"m","input":"x","dimensions":99999999999})"), "dimensions");
  EXPECT_EQ(param_of(R"({"model":"m","input":"x","task_type":""})"), "task_type");
  EXPECT_EQ(param_of(R"({"model":"m","input":"x","task_type":"retrieval_query"})"), "task_type");
  EXPECT_EQ(param_of(R"({"model":"m","input":"x","task_type":"RETRIEVAL_QUERY\"}"})"), "task_type");
  for (const char* task :
       {"TASK_TYPE_UNSPECIFIED", "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION",
        "CLUSTERING", "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY"}) {
    auto in = decode_embeddings_request(fmt::format(R"({{"model":"m","input":"x","task_type":"{}"}})", task));
    ASSERT_TRUE(in) << task;
    EXPECT_EQ(in->request.task_type, task);
  }
  std::string big = R"({"model":"m","input":[)";
  for (int i = 0; i < 2049; ++i) big += i == 0 ? "\"a\"" : ",\"a\"";
  EXPECT_EQ(param_of(big + "]}"), "input");
}

TEST(EmbeddingsIngress, PassthroughReplacesTheModelAndDropsTheExtension) {
  auto in = decode_embeddings_request(
      R"({"model":"openai/te3","input":[[1,2]],"encoding_format":"base64","dimensions":8,"user":"u","task_type":"CLUSTERING"})");
  ASSERT_TRUE(in);
  EXPECT_EQ(
      json::parse(passthrough_embeddings_body(
          R"({"model":"openai/te3","input":[[1,2]],"encoding_format":"base64","dimensions":8,"user":"u","task_type":"CLUSTERING"})",
          *in, "text-embedding-3-small")),
      json::parse(R"({"model":"text-embedding-3-small","input":[[1,2]],"encoding_format":"base64",
                            "dimensions":8,"user":"u"})"));
}

// Without the extension, the body is the client's bytes with only the
// model's value replaced (spacing, order and number text kept).
TEST(EmbeddingsIngress, PassthroughSplicesTheModelIntoTheBytesAsSent) {
  const std::string raw = R"({ "input" : ["a\u00e9", "b"],  "mod\u0065l":"openai/te3", "dimensions": 8 })";
  auto in = decode_embeddings_request(raw);
  ASSERT_TRUE(in);
  EXPECT_EQ(passthrough_embeddings_body(raw, *in, "te\"3"),
            R"({ "input" : ["a\u00e9", "b"],  "mod\u0065l":"te\"3", "dimensions": 8 })");
  // Two `model` members: the tree decides, one is sent.
  const std::string twice = R"({"model":"a","input":"x","model":"b"})";
  auto both = decode_embeddings_request(twice);
  ASSERT_TRUE(both);
  EXPECT_EQ(json::parse(passthrough_embeddings_body(twice, *both, "up")), json::parse(R"({"model":"up","input":"x"})"));
}

TEST(EmbeddingsIngress, Float32Base64IsLittleEndian) {
  // 1.0f is 00 00 80 3f; -2.0f is 00 00 00 c0.
  EXPECT_EQ(float32_base64(std::vector<float>{1.0f}), "AACAPw==");
  EXPECT_EQ(float32_base64(std::vector<float>{1.0f, -2.0f}), "AACAPwAAAMA=");
  EXPECT_EQ(float32_base64(std::vector<float>{1.0f, -2.0f, 0.5f}), "AACAPwAAAMAAAAA/");
  EXPECT_EQ(float32_base64(std::vector<float>{}), "");
}

TEST(EmbeddingsIngress, EncodesTheAnswerInOpenAisShape) {
  EmbeddingResponse r;
  r.vectors = {{0.1f, -0.25f}, {1.0f, 0.0f}};
  const auto floats = json::parse(encode_embeddings_response(r, "google/\"e\"", false, 7));
  EXPECT_EQ(floats, json::parse(R"({"object":"list","data":[
      {"object":"embedding","index":0,"embedding":[0.1,-0.25]},
      {"object":"embedding","index":1,"embedding":[1,0]}],
      "model":"google/\"e\"","usage":{"prompt_tokens":7,"total_tokens":7}})"));
  // The shortest text that reads back as the same float32.
  EXPECT_EQ(static_cast<float>(floats.at("data").at(0).at("embedding").at(0).to_number<double>()), 0.1f);
  const auto b64 = json::parse(encode_embeddings_response(r, "m", true, 1));
  EXPECT_EQ(b64.at("data").at(1).at("embedding"), "AACAPwAAAAA=");
}

TEST(EmbeddingsIngress, TurnsAFloatAnswerIntoBase64) {
  auto out = embeddings_as_base64(
      R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[1.0,-2.0]}],"model":"x","usage":{"prompt_tokens":1,"total_tokens":1}})");
  ASSERT_TRUE(out);
  const auto v = json::parse(*out);
  EXPECT_EQ(v.at("data").at(0).at("embedding"), "AACAPwAAAMA=");
  EXPECT_EQ(v.at("usage").at("prompt_tokens"), 1);
  EXPECT_FALSE(embeddings_as_base64(R"({"data":[{"embedding":"AACAPw=="}]})"));  // base64 already
  EXPECT_FALSE(embeddings_as_base64("not json"));
  EXPECT_FALSE(embeddings_as_base64(R"({"data":[{"embedding":["x"]}]})"));
  // Spacing around the colon is still a float array.
  auto spaced = embeddings_as_base64(R"({"data":[{"embedding" :
    [1.0]}]})");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(json::parse(*spaced).at("data").at(0).at("embedding"), "AACAPw==");
  // The key as a string value is not an embedding.
  EXPECT_FALSE(embeddings_as_base64(R"({"data":[{"note":"\"embedding\"","embedding":"AACAPw=="}]})"));
}

}  // namespace
}  // namespace aisbf::api
