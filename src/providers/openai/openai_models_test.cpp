// OpenAI-compatible model list: the documented OpenAI sample (PROTOCOLS.md
// §1.7), OpenRouter's richer entries and vLLM's max_model_len, from
// tests/fixtures/openai/models_*.json.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "providers/openai/openai_adapter.hpp"

#ifndef AISBF_SOURCE_DIR
#define AISBF_SOURCE_DIR "."
#endif

namespace aisbf::openai {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/openai/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using Caps = std::vector<std::string>;

TEST(OpenAiModels, PathIsRelativeToTheV1Endpoint) {
  UpstreamTarget t;
  t.endpoint = "https://api.openai.com/v1";
  EXPECT_EQ(OpenAiAdapter{}.models_path(t), "/models");
  t.endpoint = "https://openrouter.ai/api/v1";
  EXPECT_EQ(OpenAiAdapter{}.models_path(t), "/models");
}

TEST(OpenAiModels, DecodesTheOpenAiList) {
  auto r = OpenAiAdapter{}.decode_models(fixture("models_openai.json"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].id, "gpt-4o-mini");
  EXPECT_EQ((*r)[1].id, "gpt-4o");
  EXPECT_EQ((*r)[2].id, "text-embedding-3-small");
  for (const auto& m : *r) {  // OpenAI itself says nothing more
    EXPECT_EQ(m.display_name, "");
    EXPECT_FALSE(m.context_size);
    EXPECT_FALSE(m.max_output_tokens);
    EXPECT_FALSE(m.prompt_price);
    EXPECT_FALSE(m.completion_price);
    EXPECT_TRUE(m.capabilities.empty());
  }
}

TEST(OpenAiModels, ReadsOpenRouterFields) {
  auto r = OpenAiAdapter{}.decode_models(fixture("models_openrouter.json"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 3u);

  const auto& gpt = (*r)[0];
  EXPECT_EQ(gpt.id, "openai/gpt-4o");
  EXPECT_EQ(gpt.display_name, "OpenAI: GPT-4o");
  EXPECT_EQ(gpt.context_size, 128000);
  EXPECT_EQ(gpt.max_output_tokens, 16384);
  ASSERT_TRUE(gpt.prompt_price);
  EXPECT_DOUBLE_EQ(*gpt.prompt_price, 0.0000025);
  ASSERT_TRUE(gpt.completion_price);
  EXPECT_DOUBLE_EQ(*gpt.completion_price, 0.00001);
  EXPECT_EQ(gpt.capabilities, (Caps{"vision", "function_calling"}));

  const auto& llama = (*r)[1];
  EXPECT_EQ(llama.id, "meta-llama/llama-3.1-8b-instruct:free");
  EXPECT_EQ(llama.context_size, 131072);
  EXPECT_FALSE(llama.max_output_tokens);  // null
  EXPECT_EQ(llama.prompt_price, 0.0);     // free is a known price
  EXPECT_EQ(llama.completion_price, 0.0);
  EXPECT_TRUE(llama.capabilities.empty());

  const auto& autorouter = (*r)[2];
  EXPECT_EQ(autorouter.context_size, 2000000);
  EXPECT_FALSE(autorouter.prompt_price);  // "-1": variable, not a price
  EXPECT_FALSE(autorouter.completion_price);
  EXPECT_EQ(autorouter.capabilities, (Caps{"vision"}));
}

TEST(OpenAiModels, ReadsVllmMaxModelLen) {
  auto r = OpenAiAdapter{}.decode_models(fixture("models_vllm.json"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, "Qwen/Qwen2.5-7B-Instruct");
  EXPECT_EQ((*r)[0].context_size, 32768);
}

TEST(OpenAiModels, OlderModalityStringAndNumericPrices) {
  auto r = OpenAiAdapter{}.decode_models(
      R"({"data":[{"id":"m","architecture":{"modality":"text+image->text"},"pricing":{"prompt":1e-6,"completion":"abc"},)"
      R"("context_length":"4096"}]})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].capabilities, (Caps{"vision"}));
  EXPECT_EQ((*r)[0].prompt_price, 1e-6);
  EXPECT_FALSE((*r)[0].completion_price);
  EXPECT_FALSE((*r)[0].context_size);  // a string is not a count
  r = OpenAiAdapter{}.decode_models(R"({"data":[{"id":"m","architecture":{"modality":"text->image"}}]})");
  ASSERT_TRUE(r);
  EXPECT_TRUE((*r)[0].capabilities.empty());  // image output is not vision
}

TEST(OpenAiModels, SkipsEntriesWithoutAnId) {
  auto r = OpenAiAdapter{}.decode_models(R"({"object":"list","data":[{"id":""},{"id":3},"x",null,{"id":"ok"}]})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, "ok");
  r = OpenAiAdapter{}.decode_models(R"({"object":"list","data":[]})");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

TEST(OpenAiModels, MalformedBodiesAreProtocolErrors) {
  for (const char* body : {"", "not json", "[]", "{\"data\":{}}", "{\"object\":\"list\"}", "{\"data\":[", "null",
                           "{\"error\":{\"message\":\"bad key\"}}"}) {
    auto r = OpenAiAdapter{}.decode_models(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().kind, ErrorKind::upstream_protocol) << body;
    EXPECT_EQ(r.error().status, 502) << body;
  }
}

}  // namespace
}  // namespace aisbf::openai
