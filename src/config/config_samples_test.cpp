// AISBF's own sample config directories load without errors.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf {
namespace {

using config_test::autoselect_ids;
using config_test::private_fixture;
using config_test::TempDir;
using config_test::formatted;
using config_test::provider_ids;
using config_test::rotation_ids;
using Strings = std::vector<std::string>;

const std::string kReservedAutoselect =
    "warning: autoselect.json: autoselect: id \"autoselect\" is a reserved route word, accepted because AISBF ships "
    "it; clients reach it as model \"autoselect/autoselect\" or via /api/autoselect/autoselect";

TEST(ConfigSamples, Aisbf0_9_4LoadsWithoutErrors) {
  TempDir tmp;
  LoadResult result = load_config(private_fixture("aisbf-0.9.4-config", tmp));
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  // The sample's simple-format rotation names a provider whose sample entry
  // lists no models: it loads, with a warning that it has no candidates.
  // Its condensation block names a model the gemini entry does not list.
  EXPECT_EQ(formatted(result.diagnostics),
            (Strings{kReservedAutoselect,
                     "warning: rotations.json: rotations.simple-openai.providers[0]: no models here and provider "
                     "\"openai\" lists none: the entry has no candidates",
                     "warning: providers.json: condensation.model: provider \"gemini\" lists no model "
                     "\"gemini-1.5-flash\": the condensation calls ask it as an unlisted model, with the provider's "
                     "defaults (none of a listed model's context_size, limits or prices); if the upstream does not "
                     "serve it, every call fails and the next method runs"}));
  const Config& c = *result.config;
  EXPECT_EQ(provider_ids(c), (Strings{"gemini", "openai", "anthropic", "ollama", "azure_openai", "cohere",
                                      "huggingface", "replicate", "togetherai", "groq", "mistralai", "stabilityai",
                                      "kilo", "perplexity", "poe", "lanai", "amazon", "ibm", "microsoft", "kiro",
                                      "kiro-cli", "claude"}));
  EXPECT_EQ(rotation_ids(c),
            (Strings{"coding", "general", "googletest", "kiro-claude", "simple-gemini", "simple-openai"}));
  EXPECT_EQ(autoselect_ids(c), Strings{"autoselect"});
}

TEST(ConfigSamples, Aisbf0_99_83LoadsWithoutErrors) {
  TempDir tmp;
  LoadResult result = load_config(private_fixture("aisbf-0.99.83-config", tmp));
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  EXPECT_EQ(formatted(result.diagnostics),
            (Strings{kReservedAutoselect,
                     "warning: autoselect.json: autoselect.available_models: no candidates: this autoselect cannot "
                     "choose a model (add entries to available_models)",
                     "warning: autoselect.json: autoselect.fallback: unknown rotation, provider or \"provider/model\" \"general\"",
                     "warning: autoselect.json: autoselect.selection_model: unknown rotation, provider or "
                     "\"provider/model\" \"general\""}));
  const Config& c = *result.config;
  EXPECT_EQ(provider_ids(c), (Strings{"codex", "kiro", "claude", "kilo", "coderai"}));
  EXPECT_EQ(rotation_ids(c), Strings{});
  EXPECT_EQ(autoselect_ids(c), Strings{"autoselect"});
}

TEST(ConfigSamples, Aisbf0_9_4Values) {
  TempDir tmp;
  LoadResult result = load_config(private_fixture("aisbf-0.9.4-config", tmp));
  ASSERT_TRUE(result.ok());
  const Config& c = *result.config;
  EXPECT_EQ(c.dir, tmp.path() / "aisbf-0.9.4-config");
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 17765);
  EXPECT_EQ(c.server.protocol, "http");
  EXPECT_FALSE(c.auth.enabled);
  EXPECT_EQ(c.auth.tokens, (Strings{"your-secret-token-1", "your-secret-token-2"}));
  EXPECT_FALSE(c.notifyerrors);
  ASSERT_NE(c.aisbf.if_contains("tor"), nullptr);  // sections kept as read

  const ProviderConfig* gemini = c.find_provider("gemini");
  ASSERT_NE(gemini, nullptr);
  EXPECT_EQ(gemini->name, "Google AI Studio");
  EXPECT_EQ(gemini->type, "google");
  EXPECT_EQ(gemini->endpoint, "https://generativelanguage.googleapis.com/v1beta");
  EXPECT_TRUE(gemini->api_key_required);
  EXPECT_EQ(gemini->api_key, "YOUR_GEMINI_API_KEY");
  EXPECT_EQ(gemini->rate_limit, 0);
  ASSERT_EQ(gemini->models.size(), 2u);
  const ModelConfig* flash = gemini->find_model("gemini-2.0-flash");
  ASSERT_NE(flash, nullptr);
  EXPECT_EQ(flash->limits.context_size, 1000000);
  EXPECT_EQ(flash->limits.max_request_tokens, 1000000);
  EXPECT_EQ(flash->limits.rate_limit, 0.0);
  EXPECT_EQ(flash->limits.rate_limit_tpm, 15000);
  EXPECT_EQ(flash->limits.rate_limit_tph, 100000);
  EXPECT_EQ(flash->limits.rate_limit_tpd, 1000000);
  EXPECT_EQ(flash->capabilities, (Strings{"t2t", "vision", "function_calling"}));
  ASSERT_NE(flash->raw.if_contains("condense_method"), nullptr);
  EXPECT_EQ(gemini->find_model("nope"), nullptr);
  ASSERT_NE(gemini->raw.if_contains("enable_native_caching"), nullptr);

  const ProviderConfig* ollama = c.find_provider("ollama");
  ASSERT_NE(ollama, nullptr);
  EXPECT_EQ(ollama->api_key, "");  // absent
  EXPECT_FALSE(ollama->api_key_required);
  EXPECT_EQ(c.find_provider("claude")->rate_limit, 5);
  EXPECT_EQ(c.find_provider("nope"), nullptr);
}

TEST(ConfigSamples, Aisbf0_9_4RotationsAndAutoselect) {
  TempDir tmp;
  LoadResult result = load_config(private_fixture("aisbf-0.9.4-config", tmp));
  ASSERT_TRUE(result.ok());
  const Config& c = *result.config;
  const RotationConfig* coding = c.find_rotation("coding");
  ASSERT_NE(coding, nullptr);
  EXPECT_EQ(coding->model_name, "coding");
  EXPECT_FALSE(coding->notifyerrors);
  ASSERT_EQ(coding->providers.size(), 3u);
  EXPECT_EQ(coding->providers[0].provider_id, "gemini");
  EXPECT_FALSE(coding->providers[0].weight.has_value());
  ASSERT_EQ(coding->providers[0].models.size(), 2u);
  EXPECT_EQ(coding->providers[0].models[0].name, "gemini-2.0-flash");
  EXPECT_EQ(coding->providers[0].models[0].weight, 3);
  ASSERT_NE(coding->providers[0].models[0].raw.if_contains("context_size"), nullptr);

  const RotationConfig* simple = c.find_rotation("simple-openai");
  ASSERT_NE(simple, nullptr);
  ASSERT_EQ(simple->providers.size(), 1u);
  EXPECT_EQ(simple->providers[0].provider_id, "openai");
  EXPECT_EQ(simple->providers[0].weight, 2.0);
  EXPECT_TRUE(simple->providers[0].models.empty());
  EXPECT_EQ(c.find_rotation("nope"), nullptr);

  const AutoselectConfig* autoselect = c.find_autoselect("autoselect");
  ASSERT_NE(autoselect, nullptr);
  EXPECT_EQ(autoselect->model_name, "autoselect");
  EXPECT_EQ(autoselect->fallback, "general");
  EXPECT_EQ(autoselect->description, "Auto-selects the best rotating model based on user prompt analysis");
  EXPECT_EQ(autoselect->candidate_ids(), (Strings{"coding", "general"}));
  EXPECT_EQ(c.find_autoselect("nope"), nullptr);
}

TEST(ConfigSamples, Aisbf0_99_83Values) {
  TempDir tmp;
  LoadResult result = load_config(private_fixture("aisbf-0.99.83-config", tmp));
  ASSERT_TRUE(result.ok());
  const Config& c = *result.config;
  EXPECT_EQ(c.server.host, "127.0.0.1");
  const ProviderConfig* coderai = c.find_provider("coderai");
  ASSERT_NE(coderai, nullptr);
  EXPECT_EQ(coderai->type, "coderai");
  EXPECT_EQ(coderai->endpoint, "http://127.0.0.1:11437");
  EXPECT_TRUE(coderai->models.empty());
  ASSERT_NE(coderai->raw.if_contains("coderai_config"), nullptr);
  ASSERT_NE(c.find_provider("codex")->raw.if_contains("free_tier_limit"), nullptr);
  ASSERT_NE(c.aisbf.if_contains("billing"), nullptr);
  EXPECT_TRUE(c.find_autoselect("autoselect")->candidates.empty());
}

}  // namespace
}  // namespace aisbf
