#include "api/provider_presets_json.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include <boost/json/parse.hpp>

#include "providers/openai/openai_presets.hpp"

namespace aisbf::api {
namespace {

namespace json = boost::json;

const json::object* find(const json::array& presets, std::string_view id) {
  for (const auto& p : presets) {
    if (p.at("id").as_string() == id) return &p.as_object();
  }
  return nullptr;
}

TEST(ProviderPresetsJson, ListsTheBuiltTypesThenEveryPresetWithUniqueIds) {
  const json::value doc = json::parse(provider_presets_json());
  const auto& presets = doc.at("presets").as_array();
  ASSERT_EQ(presets.size(), 5u + openai::openai_presets().size());
  std::set<std::string> ids;
  for (const auto& p : presets) EXPECT_TRUE(ids.insert(std::string(p.at("id").as_string())).second) << p;
  for (auto t : {"type:openai", "type:anthropic", "type:google", "type:ollama", "type:codex"})
    EXPECT_NE(find(presets, t), nullptr) << t;
  for (const auto& preset : openai::openai_presets())
    EXPECT_NE(find(presets, "preset:" + std::string(preset.name)), nullptr) << preset.name;
}

TEST(ProviderPresetsJson, TemplatesAreProviderEntriesTheLoaderTakes) {
  const json::value doc = json::parse(provider_presets_json());
  const auto& presets = doc.at("presets").as_array();
  // A preset is its type; the "openai" preset needs `preset`, since type openai alone is the plain type.
  const auto* groq = find(presets, "preset:groq");
  ASSERT_NE(groq, nullptr);
  EXPECT_EQ(groq->at("template").at("type").as_string(), "groq");
  EXPECT_EQ(groq->at("endpoint").as_string(), "https://api.groq.com/openai/v1");
  EXPECT_TRUE(groq->at("api_key_required").as_bool());
  EXPECT_NE(groq->at("notes").as_string().find("logprobs"), json::string::npos);
  const auto* openai_preset = find(presets, "preset:openai");
  ASSERT_NE(openai_preset, nullptr);
  EXPECT_EQ(openai_preset->at("template").at("type").as_string(), "openai");
  EXPECT_EQ(openai_preset->at("template").at("preset").as_string(), "openai");
  const auto* vllm = find(presets, "preset:vllm");
  ASSERT_NE(vllm, nullptr);
  EXPECT_FALSE(vllm->at("api_key_required").as_bool());
  const auto* azure = find(presets, "preset:azure_openai");
  ASSERT_NE(azure, nullptr);
  EXPECT_EQ(azure->at("endpoint").as_string(), "");
  EXPECT_EQ(azure->at("template").at("api_version").as_string(), openai::kAzureDefaultApiVersion);
  const auto* ollama = find(presets, "type:ollama");
  ASSERT_NE(ollama, nullptr);
  EXPECT_EQ(ollama->at("kind").as_string(), "type");
  EXPECT_FALSE(ollama->at("template").at("api_key_required").as_bool());
}

}  // namespace
}  // namespace aisbf::api
