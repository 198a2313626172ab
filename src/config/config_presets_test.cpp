// OpenAI-compatible presets in providers.json: `"type": "groq"` or
// `"type": "openai", "preset": "groq"`, the keys presets read, an endpoint
// left to the preset, and the diagnostics for what cannot work.
#include <gtest/gtest.h>

#include <sstream>

#include "config/check_config.hpp"
#include "config/config.hpp"
#include "config/config_test_util.hpp"
#include "config/load_internal.hpp"
// Only this test includes providers/: it checks config/'s copy of the preset
// facts against the adapter's table.
#include "providers/openai/openai_presets.hpp"

namespace aisbf::config_test {
namespace {

using Strings = std::vector<std::string>;

TEST(ConfigPresets, ConfigsCopyOfThePresetTableAgreesWithTheAdapters) {
  const auto facts = config_detail::preset_facts();
  const auto presets = openai::openai_presets();
  ASSERT_EQ(facts.size(), presets.size());
  for (std::size_t i = 0; i < facts.size(); ++i) {
    EXPECT_EQ(facts[i].name, presets[i].name);
    EXPECT_EQ(facts[i].endpoint, presets[i].endpoint) << presets[i].name;
    EXPECT_EQ(facts[i].key_required, presets[i].key_required) << presets[i].name;
  }
  EXPECT_EQ(config_detail::preset_names(), openai::openai_preset_names());
  EXPECT_EQ(config_detail::find_preset_facts(""), nullptr);
  EXPECT_EQ(config_detail::find_preset_facts("nope"), nullptr);
  ASSERT_NE(config_detail::find_preset_facts("groq"), nullptr);
  EXPECT_EQ(config_detail::find_preset_facts("groq")->endpoint, "https://api.groq.com/openai/v1");
}

TEST(ConfigPresets, FixtureLoadsWithoutDiagnostics) {
  TempDir tmp;
  LoadResult result = load_config(private_fixture("config/presets", tmp));
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  EXPECT_TRUE(result.diagnostics.empty()) << testing::PrintToString(formatted(result.diagnostics));
  const Config& c = *result.config;
  EXPECT_EQ(provider_ids(c),
            (Strings{"groq", "openrouter", "mistral", "deepseek", "azure", "azure-v1", "lmstudio", "vllm", "plain"}));
  const std::pair<const char*, const char*> presets[] = {
      {"groq", "groq"},       {"openrouter", "openrouter"}, {"mistral", "mistral"}, {"deepseek", "deepseek"},
      {"azure", "azure_openai"}, {"azure-v1", "azure_openai"}, {"lmstudio", "lmstudio"}, {"vllm", "vllm"},
      {"plain", ""}};
  for (const auto& [id, preset] : presets) EXPECT_EQ(c.find_provider(id)->preset, preset) << id;
}

TEST(ConfigPresets, KeepsThePresetKeysAndLeavesTheEndpointToThePreset) {
  TempDir tmp;
  LoadResult result = load_config(private_fixture("config/presets", tmp));
  ASSERT_TRUE(result.ok());
  const Config& c = *result.config;
  const ProviderConfig* groq = c.find_provider("groq");
  EXPECT_EQ(groq->type, "groq");
  EXPECT_EQ(groq->endpoint, "");  // filled in from the preset when the request is planned
  EXPECT_TRUE(groq->api_key_required);  // the preset's default
  const ProviderConfig* openrouter = c.find_provider("openrouter");
  EXPECT_EQ(openrouter->type, "openai");
  EXPECT_EQ(openrouter->site_url, "https://aisbf.example");
  EXPECT_EQ(openrouter->app_name, "aisbf test");
  const ProviderConfig* azure = c.find_provider("azure");
  EXPECT_EQ(azure->endpoint, "https://myresource.openai.azure.com");
  EXPECT_EQ(azure->api_version, "2024-10-21");
  EXPECT_EQ(azure->find_model("gpt-4o")->deployment, "gpt4o-prod");
  EXPECT_EQ(azure->find_model("gpt-4o-mini")->deployment, "");
  EXPECT_EQ(c.find_provider("azure-v1")->api_version, "v1");
  EXPECT_FALSE(c.find_provider("lmstudio")->api_key_required);  // local servers need no key
  EXPECT_FALSE(c.find_provider("vllm")->api_key_required);
  EXPECT_EQ(c.find_provider("vllm")->endpoint, "http://gpu-box:8000/v1");
  EXPECT_FALSE(c.find_provider("plain")->api_key_required);  // unchanged for plain providers
}

TEST(ConfigPresets, CheckConfigPassesTheFixture) {
  TempDir tmp;
  std::ostringstream out;
  EXPECT_EQ(run_check_config(private_fixture("config/presets", tmp), out), 0) << out.str();
  EXPECT_EQ(out.str(), "check-config: 9 providers, 1 rotation, 0 autoselects; 0 errors, 0 warnings\n");
}

TEST(ConfigPresets, CheckConfigReportsAnUnknownPreset) {
  TempDir dir;
  write_base_files(dir);
  dir.write("providers.json", R"({"providers": {"openai": {"type": "openai", "preset": "groqq", "api_key": "k"}}})");
  std::ostringstream out;
  EXPECT_EQ(run_check_config(dir.path(), out), 1);
  EXPECT_NE(out.str().find("error: providers.json: providers.openai.preset: unknown preset \"groqq\"; known presets: "
                           "openai, openrouter, deepseek, groq"),
            std::string::npos)
      << out.str();
}

const std::string kE = "error: providers.json: providers.p.";
const std::string kW = "warning: providers.json: providers.p.";

// The base rotation names the provider "openai": keep it so the files stay consistent.
std::string with_openai(const std::string& fields) {
  return R"({"providers": {"openai": {"endpoint": "https://api.openai.com/v1", "type": "openai", "api_key": "sk-secret-123"},
                           "p": {)" +
         fields + "}}}";
}

const BadCase kPresetCases[] = {
    {"UnknownPreset", "providers.json", with_openai(R"("type": "openai", "preset": "nope", "api_key": "k")"),
     {kE + "preset: unknown preset \"nope\"; known presets: openai, openrouter, deepseek, groq, mistral, together, "
           "xai, fireworks, perplexity, cerebras, lmstudio, vllm, llamacpp, azure_openai",
      kE + "endpoint: missing required field"}},
    {"PresetContradictsType", "providers.json", with_openai(R"("type": "groq", "preset": "mistral", "api_key": "k")"),
     {kE + "preset: \"mistral\" contradicts the type \"groq\"; give either the preset's type alone or \"type\": "
           "\"openai\" with a preset"}},
    {"SamePresetAsTypeIsFine", "providers.json", with_openai(R"("type": "groq", "preset": "groq", "api_key": "k")"),
     {}},
    {"AzureNeedsItsResourceEndpoint", "providers.json", with_openai(R"("type": "azure_openai", "api_key": "k")"),
     {kE + "endpoint: missing or empty; the preset \"azure_openai\" has no default endpoint"}},
    {"AzureEmptyEndpoint", "providers.json",
     with_openai(R"("type": "openai", "preset": "azure_openai", "endpoint": "", "api_key": "k")"),
     {kE + "endpoint: missing or empty; the preset \"azure_openai\" has no default endpoint"}},
    {"PresetOnAnotherTypeIsIgnored", "providers.json",
     with_openai(R"("type": "anthropic", "preset": "groq", "endpoint": "https://api.anthropic.com/v1")"),
     {kW + "preset: ignored: presets apply to the \"openai\" type, not \"anthropic\""}},
    {"CloudPresetWithoutKey", "providers.json", with_openai(R"("type": "groq")"),
     {kW + "api_key: missing; the preset \"groq\" needs a key"}},
    {"KeyNotRequiredWhenSaidSo", "providers.json", with_openai(R"("type": "groq", "api_key_required": false)"), {}},
    {"LocalPresetWithoutKey", "providers.json", with_openai(R"("type": "llamacpp")"), {}},
    {"PresetKeysWrongType", "providers.json",
     with_openai(R"("type": "openrouter", "api_key": "k", "preset": 1, "site_url": [], "app_name": {},
                   "api_version": 2)"),
     {kE + "preset: expected a string or null, got number", kE + "site_url: expected a string or null, got array",
      kE + "app_name: expected a string or null, got object", kE + "api_version: expected a string or null, got number"}},
    {"HeaderValuesWithControlCharacters", "providers.json",
     with_openai(R"("type": "openrouter", "api_key": "k", "site_url": "https://x\r\nEvil: 1", "app_name": "a\tb")"),
     {kE + "site_url: must not contain control characters: byte 0x0d at offset 9; it is sent in an upstream header",
      kE + "app_name: must not contain control characters: byte 0x09 at offset 1; it is sent in an upstream header"}},
    {"DeploymentWrongType", "providers.json",
     with_openai(R"("type": "azure_openai", "endpoint": "https://r.openai.azure.com", "api_key": "k",
                   "models": [{"name": "gpt-4o", "deployment": 5}])"),
     {kE + "models[0].deployment: expected a string or null, got number"}},
    {"PlainOpenAiStillNeedsAnEndpoint", "providers.json", with_openai(R"("type": "openai", "api_key": "k")"),
     {kE + "endpoint: missing required field"}},
};

INSTANTIATE_TEST_SUITE_P(Presets, ConfigBadInput, testing::ValuesIn(kPresetCases), case_name);

}  // namespace
}  // namespace aisbf::config_test
