// The condensation settings as loaded: condense_context / condense_method at
// every level that may carry them, providers.json `condensation` with its
// references resolved, and aisbf.json's feature switch.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "config/condensation.hpp"
#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

namespace json = boost::json;
using Strings = std::vector<std::string>;

const char* const kProviders = R"({"providers": {"p": {"endpoint": "http://127.0.0.1:9/v1", "type": "openai",
  "default_condense_context": 90, "default_condense_method": "sliding_window",
  "models": [{"name": "m", "condense_context": 70, "condense_method": ["hierarchical", "semantic"]},
             {"name": "bare"}]}}})";
const char* const kRotations = R"({"rotations": {"r": {"model_name": "r",
  "default_condense_context": 60, "default_condense_method": ["code_aware"],
  "providers": [{"provider_id": "p", "models": [{"name": "m", "condense_context": 50, "condense_method": "entity_aware"}]}]}}})";

ConfigValues values(const char* aisbf, const char* providers, const char* rotations = kRotations) {
  ConfigValues v;
  v.aisbf = json::parse(aisbf);
  v.providers = json::parse(providers);
  v.rotations = json::parse(rotations);
  v.autoselect = json::object{};
  return v;
}

LoadResult load(const char* providers, const char* rotations = kRotations, const char* aisbf = "{}") {
  return load_config_values(values(aisbf, providers, rotations));
}

TEST(ConfigCondensation, KeepsTheSettingsOfEveryLevel) {
  LoadResult r = load(kProviders);
  ASSERT_TRUE(r.ok()) << testing::PrintToString(formatted(r.diagnostics));
  const ProviderConfig& p = *r.config->find_provider("p");
  EXPECT_EQ(p.defaults.condense_context, 90);
  EXPECT_EQ(p.defaults.condense_method, Strings{"sliding_window"});
  EXPECT_EQ(p.models[0].limits.condense_context, 70);
  EXPECT_EQ(p.models[0].limits.condense_method, (Strings{"hierarchical", "semantic"}));
  EXPECT_FALSE(p.models[1].limits.condense_context);
  EXPECT_FALSE(p.models[1].limits.condense_method);
  const RotationConfig& rot = *r.config->find_rotation("r");
  EXPECT_EQ(rot.defaults.condense_context, 60);
  EXPECT_EQ(rot.defaults.condense_method, Strings{"code_aware"});
  EXPECT_EQ(rot.providers[0].models[0].limits.condense_context, 50);
  EXPECT_EQ(rot.providers[0].models[0].limits.condense_method, Strings{"entity_aware"});
}

TEST(ConfigCondensation, UnknownMethodIsAnErrorNamingThePathAndTheMethods) {
  const char* providers = R"({"providers": {"p": {"endpoint": "http://127.0.0.1:9/v1", "type": "openai",
    "default_condense_method": "summarize",
    "models": [{"name": "m", "condense_method": ["hierarchical", "magic"]}]}}})";
  LoadResult r = load(providers, R"({"rotations": {}})");
  EXPECT_FALSE(r.ok());
  const std::string methods =
      "the methods are hierarchical, conversational, semantic, algorithmic, sliding_window, importance_based, "
      "entity_aware, code_aware";
  EXPECT_EQ(formatted(r.diagnostics),
            (Strings{"error: providers.json: providers.p.default_condense_method: unknown condensation method "
                     "\"summarize\"; " +
                         methods,
                     "error: providers.json: providers.p.models[0].condense_method[1]: unknown condensation method "
                     "\"magic\"; " +
                         methods}));
}

TEST(ConfigCondensation, PercentOutOfRangeIsAnErrorAndZeroTurnsItOff) {
  const char* providers = R"({"providers": {"p": {"endpoint": "http://127.0.0.1:9/v1", "type": "openai",
    "models": [{"name": "a", "condense_context": 101}, {"name": "b", "condense_context": -1},
               {"name": "c", "condense_context": 0}, {"name": "d", "condense_context": "80"}]}}})";
  LoadResult r = load(providers, R"({"rotations": {}})");
  const std::string range = "must be between 0 and 100: a percent of context_size (0 turns condensation off)";
  EXPECT_EQ(formatted(r.diagnostics),
            (Strings{"error: providers.json: providers.p.models[0].condense_context: " + range,
                     "error: providers.json: providers.p.models[1].condense_context: " + range,
                     "error: providers.json: providers.p.models[3].condense_context: expected an integer or null, "
                     "got string"}));
}

TEST(ConfigCondensation, BlockWithAProviderModel) {
  LoadResult r = load(R"({"condensation": {"provider_id": "p", "model": "bare", "max_context": 8000},
    "providers": {"p": {"endpoint": "http://127.0.0.1:9/v1", "type": "openai", "models": [{"name": "bare"}]}}})",
                      R"({"rotations": {}})");
  ASSERT_TRUE(r.ok()) << testing::PrintToString(formatted(r.diagnostics));
  const CondensationConfig& c = r.config->condensation;
  EXPECT_TRUE(c.enabled);  // AISBF's default for a written block
  EXPECT_EQ(c.provider_id, "p");
  EXPECT_EQ(c.model, "bare");
  EXPECT_EQ(c.max_context, 8000);
  EXPECT_TRUE(has_condensation_target(c));
  EXPECT_EQ(condensation_mode(*r.config), CondensationMode::inherit);
}

TEST(ConfigCondensation, NoBlockMeansNoDedicatedModel) {
  LoadResult r = load(kProviders);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.config->condensation.enabled);
  EXPECT_FALSE(has_condensation_target(r.config->condensation));
}

TEST(ConfigCondensation, ModelNamingARotationIsThatRotation) {
  LoadResult r = load(R"({"condensation": {"model": "r"}, "providers": {"p": {"endpoint": "http://127.0.0.1:9/v1",
    "type": "openai", "models": [{"name": "m"}]}}})");
  ASSERT_TRUE(r.ok()) << testing::PrintToString(formatted(r.diagnostics));
  EXPECT_EQ(r.config->condensation.rotation_id, "r");
  EXPECT_EQ(r.config->condensation.model, "");
  EXPECT_TRUE(has_condensation_target(r.config->condensation));
}

TEST(ConfigCondensation, DanglingReferencesAreErrorsWhileEnabledWarningsOtherwise) {
  const char* tail = R"(, "providers": {"p": {"endpoint": "http://127.0.0.1:9/v1", "type": "openai"}}})";
  auto diags = [&](const std::string& block) {
    return formatted(load((R"({"condensation": )" + block + tail).c_str(), R"({"rotations": {}})").diagnostics);
  };
  EXPECT_EQ(diags(R"({"provider_id": "nope", "model": "x"})"),
            Strings{"error: providers.json: condensation.provider_id: unknown provider \"nope\""});
  EXPECT_EQ(diags(R"({"rotation_id": "nope", "enabled": true})"),
            Strings{"error: providers.json: condensation.rotation_id: unknown rotation \"nope\""});
  EXPECT_EQ(diags(R"({"model": "x"})"),
            Strings{"error: providers.json: condensation.provider_id: missing: the model \"x\" names no rotation, "
                    "so it needs a provider"});
  EXPECT_EQ(diags(R"({"provider_id": "p"})"),
            Strings{"error: providers.json: condensation.model: missing: the model of provider \"p\" to ask"});
  EXPECT_EQ(diags(R"({"provider_id": "nope", "model": "x", "enabled": false})"),
            Strings{"warning: providers.json: condensation.provider_id: unknown provider \"nope\" (unused while "
                    "\"enabled\" is false)"});
}

// A model its provider does not list is asked anyway (as an unlisted
// model): worth one warning at load, none when the provider lists no models
// (it takes any name) or the block is not used.
TEST(ConfigCondensation, AModelTheProviderDoesNotListIsAWarning) {
  auto diags = [&](const std::string& block, const std::string& models) {
    const std::string providers = R"({"condensation": )" + block +
                                  R"(, "providers": {"p": {"endpoint": "http://127.0.0.1:9/v1", "type": "openai", )" +
                                  models + "}}}";
    LoadResult r = load(providers.c_str(), R"({"rotations": {}})");
    EXPECT_TRUE(r.ok());
    return formatted(r.diagnostics);
  };
  const std::string listed = R"("models": [{"name": "m"}])";
  EXPECT_EQ(diags(R"({"provider_id": "p", "model": "gone"})", listed),
            Strings{"warning: providers.json: condensation.model: provider \"p\" lists no model \"gone\": the "
                    "condensation calls ask it as an unlisted model, with the provider's defaults (none of a listed "
                    "model's context_size, limits or prices); if the upstream does not serve it, every call fails "
                    "and the next method runs"});
  EXPECT_EQ(diags(R"({"provider_id": "p", "model": "m"})", listed), Strings{});
  EXPECT_EQ(diags(R"({"provider_id": "p", "model": "gone", "enabled": false})", listed), Strings{});
  EXPECT_EQ(diags(R"({"provider_id": "p", "model": "gone"})", R"("models": [])"), Strings{});
}

TEST(ConfigCondensation, InternalResolvesThroughAisbfJson) {
  const char* providers = R"({"condensation": {"provider_id": "", "model": "internal"},
    "providers": {"p": {"endpoint": "http://127.0.0.1:9/v1", "type": "openai"}}})";
  LoadResult remote =
      load(providers, R"({"rotations": {}})", R"({"internal_model": {"condensation_model_id": "p/small-model"}})");
  ASSERT_TRUE(remote.ok()) << testing::PrintToString(formatted(remote.diagnostics));
  EXPECT_EQ(remote.config->condensation.provider_id, "p");
  EXPECT_EQ(remote.config->condensation.model, "small-model");

  LoadResult local = load(providers, R"({"rotations": {}})",
                          R"({"internal_model": {"condensation_model_id": "huihui-ai/Qwen2.5-0.5B"}})");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(formatted(local.diagnostics),
            Strings{"warning: providers.json: condensation.model: \"internal\" means aisbf.json "
                    "internal_model.condensation_model_id (\"huihui-ai/Qwen2.5-0.5B\"), which names no provider of "
                    "providers.json (\"<provider>/<model>\"); aisbf runs no local model, so conversational and "
                    "semantic ask the request's own model"});
  EXPECT_FALSE(has_condensation_target(local.config->condensation));
}

TEST(ConfigCondensation, FeatureSwitchOfAisbfJson) {
  auto mode_of = [](const char* aisbf) {
    LoadResult r = load(kProviders, kRotations, aisbf);
    EXPECT_TRUE(r.ok());
    return r.ok() ? condensation_mode(*r.config) : CondensationMode::inherit;
  };
  EXPECT_EQ(mode_of(R"({"feature_controls": {"context_condensation": {"mode": "disabled"}}})"),
            CondensationMode::disabled);
  EXPECT_EQ(mode_of(R"({"feature_controls": {"context_condensation": {"mode": "enabled"}}})"),
            CondensationMode::enabled);
  EXPECT_EQ(mode_of(R"({"feature_controls": {"context_condensation": {"mode": "inherit"}}})"),
            CondensationMode::inherit);
  EXPECT_EQ(mode_of(R"({"feature_controls": {}})"), CondensationMode::inherit);

  LoadResult odd =
      load(kProviders, kRotations, R"({"feature_controls": {"context_condensation": {"mode": "tiered"}}})");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(formatted(odd.diagnostics),
            Strings{"warning: aisbf.json: feature_controls.context_condensation.mode: expected \"enabled\", "
                    "\"disabled\" or \"inherit\", got \"tiered\"; treated as \"inherit\""});
}

TEST(ConfigCondensation, DisabledSwitchWarnsAboutTheSettingsItOverrides) {
  LoadResult r =
      load(kProviders, kRotations, R"({"feature_controls": {"context_condensation": {"mode": "disabled"}}})");
  ASSERT_TRUE(r.ok());
  // p's defaults, p.m, r's defaults, r's entry for m ("bare" sets nothing).
  EXPECT_EQ(formatted(r.diagnostics),
            Strings{"warning: providers.json: 4 entries set condense_context or condense_method, but aisbf.json "
                    "feature_controls.context_condensation.mode is \"disabled\": no request is condensed"});
  LoadResult quiet =
      load(R"({"providers": {"p": {"endpoint": "http://127.0.0.1:9/v1", "type": "openai"}}})", R"({"rotations": {}})",
           R"({"feature_controls": {"context_condensation": {"mode": "disabled"}}})");
  EXPECT_TRUE(quiet.diagnostics.empty()) << testing::PrintToString(formatted(quiet.diagnostics));
}

TEST(ConfigCondensation, AisbfSampleKeepsItsModelSettings) {
  TempDir tmp;
  LoadResult r = load_config(private_fixture("aisbf-0.9.4-config", tmp));
  ASSERT_TRUE(r.ok()) << testing::PrintToString(formatted(r.diagnostics));
  const ProviderConfig& gemini = *r.config->find_provider("gemini");
  EXPECT_EQ(gemini.models[0].limits.condense_context, 80);
  EXPECT_EQ(gemini.models[0].limits.condense_method, (Strings{"hierarchical", "semantic"}));
  EXPECT_EQ(gemini.models[1].limits.condense_method, Strings{"conversational"});
  EXPECT_EQ(r.config->condensation.provider_id, "gemini");
  EXPECT_EQ(r.config->condensation.model, "gemini-1.5-flash");
  EXPECT_EQ(r.config->condensation.max_context, 8000);
}

}  // namespace
}  // namespace aisbf::config_test

namespace aisbf::config_test {
namespace {

TEST(ConfigRequestSplitting, DefaultsAndWrittenValues) {
  const char* providers = R"({"providers": {"p": {"endpoint": "http://127.0.0.1:9/v1", "type": "openai"}}})";
  LoadResult plain = load(providers, R"({"rotations": {}})");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain.config->request_splitting.overlap_tokens, 100);
  EXPECT_EQ(plain.config->request_splitting.max_chunks, 16u);

  LoadResult set = load(providers, R"({"rotations": {}})",
                        R"({"feature_controls": {"request_splitting": {"overlap_tokens": 0, "max_chunks": 3}}})");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set.config->request_splitting.overlap_tokens, 0);
  EXPECT_EQ(set.config->request_splitting.max_chunks, 3u);

  LoadResult bad = load(providers, R"({"rotations": {}})",
                        R"({"feature_controls": {"request_splitting": {"max_chunks": 0, "overlap": 5}}})");
  EXPECT_FALSE(bad.ok());
  const auto lines = formatted(bad.diagnostics);
  ASSERT_EQ(lines.size(), 2u) << testing::PrintToString(lines);
  EXPECT_NE(lines[0].find("feature_controls.request_splitting"), std::string::npos);
  EXPECT_NE(lines[1].find("feature_controls.request_splitting.max_chunks"), std::string::npos);
}

}  // namespace
}  // namespace aisbf::config_test
