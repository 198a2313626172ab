// autoselect.json's full shape, aisbf.json's autoselect defaults and
// classification switches, the effective settings, the cross-checks and the
// --show-effective block (issue 11).
#include <gtest/gtest.h>

#include <sstream>

#include "config/autoselect.hpp"
#include "config/check_config.hpp"
#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

using Strings = std::vector<std::string>;
const std::string kS = "error: autoselect.json: ";
const std::string kSw = "warning: autoselect.json: ";
const std::string kA = "error: aisbf.json: ";

// The base directory with autoselect.json (and optionally aisbf.json) replaced.
LoadResult load_with(std::string_view autoselect, std::string_view aisbf = kBaseAisbf) {
  TempDir dir;
  write_base_files(dir);
  dir.write("autoselect.json", autoselect);
  dir.write("aisbf.json", aisbf);
  return load_config(dir.path());
}

TEST(ConfigAutoselect, Aisbf0_99_83SampleValues) {
  TempDir tmp;
  LoadResult result = load_config(private_fixture("aisbf-0.99.83-config", tmp));
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const Config& c = *result.config;
  const AutoselectConfig* a = c.find_autoselect("autoselect");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->model_name, "autoselect");
  EXPECT_EQ(a->selection_model, "general");
  EXPECT_EQ(a->fallback, "general");
  EXPECT_TRUE(a->candidates.empty());
  EXPECT_EQ(a->capabilities, (Strings{"t2t", "reasoning", "multimodal"}));
  EXPECT_FALSE(a->nsfw);
  EXPECT_FALSE(a->privacy);
  EXPECT_EQ(a->classify_nsfw, std::optional<bool>(false));
  EXPECT_EQ(a->classify_privacy, std::optional<bool>(false));
  EXPECT_EQ(a->classify_semantic, std::optional<bool>(false));
  EXPECT_FALSE(a->classify_window.has_value());
  EXPECT_FALSE(a->selection_timeout.has_value());
  EXPECT_FALSE(a->cache_ttl.has_value());
  // aisbf.json: AISBF's switches, all off; no `autoselect` section: our defaults.
  const AutoselectDefaults& d = c.autoselect_defaults;
  EXPECT_FALSE(d.classify_nsfw);
  EXPECT_FALSE(d.classify_privacy);
  EXPECT_FALSE(d.classify_semantic);
  EXPECT_EQ(d.classify_window, 0);
  EXPECT_EQ(d.selection_timeout, 10);
  EXPECT_EQ(d.cache_ttl, 600);
  EXPECT_EQ(d.cache_max_entries, 10'000u);
  EXPECT_EQ(d.history_messages, 10);
  EXPECT_EQ(d.history_tokens, 8'000);
}

TEST(ConfigAutoselect, Aisbf0_9_4SampleCandidates) {
  TempDir tmp;
  LoadResult result = load_config(private_fixture("aisbf-0.9.4-config", tmp));
  ASSERT_TRUE(result.ok());
  const AutoselectConfig* a = result.config->find_autoselect("autoselect");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->selection_model, "general");  // not written: AISBF's default
  EXPECT_EQ(a->candidate_ids(), (Strings{"coding", "general"}));
  ASSERT_EQ(a->candidates.size(), 2u);
  EXPECT_EQ(a->candidates[0].description.rfind("Best for programming", 0), 0u);
  EXPECT_FALSE(a->candidates[0].nsfw);
  EXPECT_FALSE(a->candidates[0].privacy);
  EXPECT_EQ(a->classify_nsfw, std::optional<bool>(false));  // written in the sample, so the global does not decide
}

TEST(ConfigAutoselect, EveryFieldTyped) {
  LoadResult result = load_with(R"({"auto": {"model_name": "smart", "description": "d",
      "selection_model": "openai/gpt-4", "fallback": "general", "capabilities": ["t2t", "vision"],
      "nsfw": true, "privacy": true,
      "available_models": [{"model_id": "general", "description": "g", "nsfw": true},
                           {"model_id": "openai/gpt-4", "description": "big", "privacy": true},
                           {"model_id": "openai", "description": "first model"}],
      "classify_nsfw": true, "classify_privacy": false, "classify_semantic": false, "classify_window": 4,
      "classify_nsfw_model": "general", "selection_timeout": 2.5, "cache_ttl": 0,
      "semantic": {"embeddings_model": "openai/text-embedding-3-small", "weight": 0.25, "margin": 0.2,
                   "selection_model": "general"}}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  EXPECT_EQ(formatted(result.diagnostics), Strings{});
  const AutoselectConfig& a = *result.config->find_autoselect("auto");
  EXPECT_EQ(a.model_name, "smart");
  EXPECT_EQ(a.selection_model, "openai/gpt-4");
  EXPECT_EQ(a.capabilities, (Strings{"t2t", "vision"}));
  EXPECT_TRUE(a.nsfw);
  EXPECT_TRUE(a.privacy);
  ASSERT_EQ(a.candidates.size(), 3u);
  EXPECT_TRUE(a.candidates[0].nsfw);
  EXPECT_FALSE(a.candidates[0].privacy);
  EXPECT_EQ(a.candidates[1].model_id, "openai/gpt-4");
  EXPECT_EQ(a.candidates[1].description, "big");
  EXPECT_TRUE(a.candidates[1].privacy);
  EXPECT_EQ(a.classify_nsfw, std::optional<bool>(true));
  EXPECT_EQ(a.classify_privacy, std::optional<bool>(false));
  EXPECT_EQ(a.classify_window, std::optional<int>(4));
  EXPECT_EQ(a.classify_nsfw_model, "general");
  EXPECT_EQ(a.selection_timeout, std::optional<double>(2.5));
  EXPECT_EQ(a.cache_ttl, std::optional<double>(0));
  EXPECT_EQ(a.semantic.embeddings_model, "openai/text-embedding-3-small");
  EXPECT_EQ(a.semantic.weight, 0.25);
  EXPECT_EQ(a.semantic.margin, 0.2);
  EXPECT_EQ(a.semantic.selection_model, "general");
}

TEST(ConfigAutoselect, NullsReadAsUnset) {
  LoadResult result = load_with(R"({"auto": {"fallback": "general", "available_models": [{"model_id": "general",
      "description": "g"}], "classify_window": null, "selection_timeout": null, "cache_ttl": null,
      "classify_nsfw_model": null, "semantic": null}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const AutoselectConfig& a = *result.config->find_autoselect("auto");
  EXPECT_FALSE(a.classify_window.has_value());
  EXPECT_FALSE(a.selection_timeout.has_value());
  EXPECT_FALSE(a.cache_ttl.has_value());
  EXPECT_EQ(a.classify_nsfw_model, "");
  EXPECT_EQ(a.semantic.embeddings_model, "");
  EXPECT_EQ(a.semantic.weight, 0.5);
  EXPECT_EQ(a.semantic.margin, 0.1);
}

TEST(ConfigAutoselect, AisbfJsonDefaultsSection) {
  LoadResult result = load_with(kBaseAutoselect, R"({"classify_nsfw": true, "classify_privacy": true,
      "classify_semantic": true, "classify_window": 6, "autoselect": {"selection_timeout": 3, "cache_ttl": 60,
      "cache_max_entries": 50, "history_messages": 4, "history_tokens": 2000, "nsfw_words": ["a", "b c"]}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const AutoselectDefaults& d = result.config->autoselect_defaults;
  EXPECT_TRUE(d.classify_nsfw);
  EXPECT_TRUE(d.classify_privacy);
  EXPECT_TRUE(d.classify_semantic);
  EXPECT_EQ(d.classify_window, 6);
  EXPECT_EQ(d.selection_timeout, 3);
  EXPECT_EQ(d.cache_ttl, 60);
  EXPECT_EQ(d.cache_max_entries, 50u);
  EXPECT_EQ(d.history_messages, 4);
  EXPECT_EQ(d.history_tokens, 2000);
  EXPECT_EQ(d.nsfw_words, (std::vector<std::string>{"a", "b c"}));
}

// The generated aisbf.json writes our section with the built-in values, so
// the file a user edits shows what applies.
TEST(ConfigAutoselect, GeneratedAisbfJsonHoldsTheDefaults) {
  TempDir dir;
  LoadResult result = load_config(dir.path());
  ASSERT_TRUE(result.ok());
  const boost::json::object& aisbf = result.config->aisbf;
  ASSERT_NE(aisbf.if_contains("autoselect"), nullptr);
  const boost::json::object& section = aisbf.at("autoselect").as_object();
  const AutoselectDefaults built_in;
  EXPECT_EQ(section.at("selection_timeout").to_number<double>(), built_in.selection_timeout);
  EXPECT_EQ(section.at("cache_ttl").to_number<double>(), built_in.cache_ttl);
  EXPECT_EQ(section.at("cache_max_entries").to_number<std::size_t>(), built_in.cache_max_entries);
  EXPECT_EQ(section.at("history_messages").to_number<int>(), built_in.history_messages);
  EXPECT_EQ(section.at("history_tokens").to_number<std::int64_t>(), built_in.history_tokens);
  EXPECT_EQ(aisbf.at("classify_window").to_number<int>(), built_in.classify_window);
  EXPECT_EQ(aisbf.at("classify_nsfw").as_bool(), built_in.classify_nsfw);
}

TEST(ConfigAutoselect, EffectiveSettingsInheritThenOverride) {
  AutoselectDefaults d;
  d.classify_nsfw = true;
  d.classify_window = 3;
  d.selection_timeout = 7;
  d.cache_ttl = 0;
  AutoselectConfig a;
  a.selection_model = "general";
  a.fallback = "fb";
  EffectiveAutoselect e = effective_autoselect(a, d);
  EXPECT_EQ(e.mode, SelectionMode::model);
  EXPECT_EQ(e.selection_model, "general");
  EXPECT_EQ(e.selection_timeout, std::chrono::milliseconds(7000));
  EXPECT_EQ(e.cache_ttl, std::chrono::milliseconds(0));
  EXPECT_TRUE(e.classify_nsfw);
  EXPECT_FALSE(e.classify_privacy);
  EXPECT_EQ(e.classify_window, 3);
  EXPECT_EQ(e.history_messages, 10);
  EXPECT_EQ(e.history_tokens, 8000);

  a.classify_nsfw = false;
  a.classify_privacy = true;
  a.classify_window = 0;
  a.selection_timeout = 1.5;
  a.cache_ttl = 30;
  e = effective_autoselect(a, d);
  EXPECT_FALSE(e.classify_nsfw);
  EXPECT_TRUE(e.classify_privacy);
  EXPECT_EQ(e.classify_window, 0);
  EXPECT_EQ(e.selection_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(e.cache_ttl, std::chrono::milliseconds(30'000));
}

TEST(ConfigAutoselect, SemanticModeFromFlagOrSelectionModel) {
  AutoselectDefaults d;
  AutoselectConfig a;
  a.fallback = "fb";
  a.selection_model = std::string(kSemanticSelection);
  EffectiveAutoselect e = effective_autoselect(a, d);
  EXPECT_EQ(e.mode, SelectionMode::semantic);
  EXPECT_EQ(e.selection_model, "");  // below the margin, no model to ask: the fallback serves
  a.selection_model = "general";
  d.classify_semantic = true;  // the global switch
  a.semantic.selection_model = "judge";
  e = effective_autoselect(a, d);
  EXPECT_EQ(e.mode, SelectionMode::semantic);
  EXPECT_EQ(e.selection_model, "judge");
  a.classify_semantic = false;  // the entry wins over the global
  e = effective_autoselect(a, d);
  EXPECT_EQ(e.mode, SelectionMode::model);
  EXPECT_EQ(e.selection_model, "general");
  EXPECT_STREQ(selection_mode_name(SelectionMode::semantic), "semantic");
}

TEST(ConfigAutoselect, ShowEffectiveBlock) {
  LoadResult result = load_with(R"({
      "auto": {"fallback": "general", "classify_privacy": true, "classify_window": 5,
        "available_models": [{"model_id": "general", "description": "g", "nsfw": true, "privacy": true},
                             {"model_id": "openai/gpt-4", "description": "x"}]},
      "sem": {"model_name": "Semantic", "selection_model": "semantic", "fallback": "general", "cache_ttl": 0,
        "classify_nsfw": true, "classify_nsfw_model": "openai/gpt-4",
        "semantic": {"embeddings_model": "openai/emb", "weight": 0.3, "margin": 0.05, "selection_model": "openai"},
        "available_models": [{"model_id": "general", "description": "g"}]},
      "bm": {"classify_semantic": true, "available_models": [{"model_id": "general", "description": "g"}]}})",
                                R"({"autoselect": {"selection_timeout": 4, "history_messages": 6,
                                    "history_tokens": 3000, "cache_max_entries": 99}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  std::ostringstream out;
  print_autoselect_settings(*result.config, out);
  EXPECT_EQ(out.str(),
            "autoselect \"auto\" (model_name \"auto\")\n"
            "  selection by model \"general\" (timeout 4 s, the last 6 messages within 3000 tokens), fallback "
            "\"general\"\n"
            "  decisions cached for 600 s (at most 99 entries)\n"
            "  classify nsfw off, privacy on; scans the last 5 messages\n"
            "  candidates: general (nsfw, privacy), openai/gpt-4\n"
            "autoselect \"sem\" (model_name \"Semantic\")\n"
            "  selection semantic: BM25 + embeddings \"openai/emb\" (weight 0.3), margin 0.05, below it model "
            "\"openai\" (timeout 4 s); fallback \"general\"\n"
            "  decisions cached never (at most 99 entries)\n"
            "  classify nsfw on (word list, model \"openai/gpt-4\"), privacy off; scans every message\n"
            "  candidates: general\n"
            "autoselect \"bm\" (model_name \"bm\")\n"
            "  selection semantic: BM25, margin 0.1, below it the fallback; fallback none\n"
            "  decisions cached for 600 s (at most 99 entries)\n"
            "  classify nsfw off, privacy off; scans every message\n"
            "  candidates: general\n");
}

// References that name nothing are warnings (the entry still loads), in the
// style of the fallback's; shapes that cannot work are errors.
const BadCase kAutoselectShapeCases[] = {
    {"AutoselectNoCandidatesWarns",
     "autoselect.json",
     R"({"auto": {"fallback": "general"}})",
     {kSw + "auto.available_models: no candidates: this autoselect cannot choose a model (add entries to "
            "available_models)"}},
    {"AutoselectEmptyCandidatesWarns",
     "autoselect.json",
     R"({"auto": {"fallback": "general",
        "available_models": []}})",
     {kSw + "auto.available_models: no candidates: this autoselect cannot choose a model (add entries to "
            "available_models)"}},
    {"AutoselectNoFallbackWarns",
     "autoselect.json",
     R"({"auto": {"available_models": [{"model_id": "general", "description": "g"}]}})",
     {kSw + "auto.fallback: missing: a selection that fails (timeout, error, an answer not in the list) goes to "
            "the first candidate left"}},
    {"AutoselectCandidateWithoutDescriptionWarns",
     "autoselect.json",
     R"({"auto": {"fallback": "general", "available_models": [{"model_id": "general"}]}})",
     {kSw + "auto.available_models[0].description: missing: the selection model and the semantic selection have "
            "nothing to match this candidate on"}},
    {"AutoselectDuplicateCandidateWarns",
     "autoselect.json",
     R"({"auto": {"fallback": "general", "available_models": [{"model_id": "general", "description": "g"},
        {"model_id": "general", "description": "h"}]}})",
     {kSw + "auto.available_models[1].model_id: \"general\" is listed twice; the first entry is used"}},
    {"AutoselectFieldsWrongTypes",
     "autoselect.json",
     R"({"auto": {"fallback": "general", "available_models": [{"model_id": "general", "description": "g",
        "nsfw": "yes"}], "selection_model": 5, "classify_privacy": "on", "classify_window": 1.5,
        "selection_timeout": "10", "cache_ttl": [], "classify_nsfw_model": 3, "semantic": "bm25"}})",
     {kS + "auto.selection_model: expected a string, got number",
      kS + "auto.classify_privacy: expected a boolean, got string",
      kS + "auto.classify_window: expected an integer or null, got number",
      kS + "auto.selection_timeout: expected a number or null, got string",
      kS + "auto.cache_ttl: expected a number or null, got array",
      kS + "auto.classify_nsfw_model: expected a string or null, got number",
      kS + "auto.semantic: expected an object or null, got string",
      kS + "auto.available_models[0].nsfw: expected a boolean, got string"}},
    {"AutoselectRangesChecked",
     "autoselect.json",
     R"({"auto": {"fallback": "general", "available_models": [{"model_id": "general", "description": "g"}],
        "classify_window": -1, "selection_timeout": 0, "cache_ttl": -5}})",
     {kS + "auto.classify_window: must be between 0 and 100000", kS + "auto.selection_timeout: must be > 0 and <= 3600",
      kS + "auto.cache_ttl: must be between 0 and 2592000"}},
    {"AutoselectSemanticChecked",
     "autoselect.json",
     R"({"auto": {"fallback": "general", "available_models": [{"model_id": "general", "description": "g"}],
        "semantic": {"embeddings_model": "text-embedding-3-small", "weight": 1.5, "margin": -0.1,
                     "selection_model": "semantic", "k": 3}}})",
     {kSw + "auto.semantic.k: unknown key, kept but not used",
      kS + "auto.semantic.embeddings_model: \"text-embedding-3-small\": expected \"provider/model\" (an embeddings "
           "model of providers.json)",
      kS + "auto.semantic.weight: must be between 0 and 1", kS + "auto.semantic.margin: must be between 0 and 1",
      kS + "auto.semantic.selection_model: \"semantic\" cannot be its own fallback: name a rotation, a provider or "
           "\"provider/model\""}},
    {"AutoselectReferencesChecked",
     "autoselect.json",
     R"({"auto": {"selection_model": "judge", "fallback": "nope/x", "classify_nsfw_model": "missing",
        "semantic": {"embeddings_model": "ghost/emb", "selection_model": "openai/gpt-4"},
        "available_models": [{"model_id": "general", "description": "g"}, {"model_id": "openai/gpt-9",
        "description": "unlisted model: sent as named"}, {"model_id": "openai", "description": "provider"},
        {"model_id": "other", "description": "nests"}, {"model_id": "coding", "description": "c"}]},
        "other": {"fallback": "general", "available_models": [{"model_id": "general", "description": "g"}]}})",
     {kSw + "auto.fallback: unknown provider \"nope\" in \"nope/x\"",
      kSw + "auto.selection_model: unknown rotation, provider or \"provider/model\" \"judge\"",
      kSw + "auto.classify_nsfw_model: unknown rotation, provider or \"provider/model\" \"missing\"",
      kSw + "auto.semantic.embeddings_model: unknown provider \"ghost\" in \"ghost/emb\"",
      kSw + "auto.available_models[3].model_id: \"other\" is an autoselect, and autoselects do not nest: name a "
            "rotation, a provider or \"provider/model\"",
      kSw + "auto.available_models[4].model_id: unknown rotation, provider or \"provider/model\" \"coding\""}},
    {"AutoselectDefaultSelectionModelUnknown",
     "rotations.json",
     R"({"rotations": {"coding": {"providers": [{"provider_id": "openai"}]}}})",
     {kSw + "auto.fallback: unknown rotation, provider or \"provider/model\" \"general\"",
      kSw + "auto.selection_model: unknown rotation, provider or \"provider/model\" \"general\" (AISBF's default "
            "when selection_model is not set)",
      kSw + "auto.available_models[0].model_id: unknown rotation, provider or \"provider/model\" \"general\""}},
    {"AutoselectSemanticModeSkipsSelectionModel",
     "autoselect.json",
     R"({"auto": {"selection_model": "semantic", "fallback": "general",
        "available_models": [{"model_id": "general", "description": "g"}]}})",
     {}},
};

const BadCase kAisbfAutoselectCases[] = {
    {"AisbfAutoselectSectionChecked",
     "aisbf.json",
     R"({"classify_window": -2, "autoselect": {"selection_timeout": 0, "cache_ttl": "long", "cache_max_entries": 0,
        "history_messages": 0, "history_tokens": 0, "parallel": true, "nsfw_words": ["ok", 3]}})",
     {kA + "classify_window: must be between 0 and 100000", kA + "autoselect.cache_ttl: expected a number, got string",
      "warning: aisbf.json: autoselect.parallel: unknown key, kept but not used",
      kA + "autoselect.selection_timeout: must be > 0 and <= 3600",
      kA + "autoselect.cache_max_entries: must be between 1 and 10000000",
      kA + "autoselect.history_messages: must be between 1 and 1000",
      kA + "autoselect.history_tokens: must be between 1 and 10000000",
      kA + "autoselect.nsfw_words[1]: expected a string"}},
    {"AisbfClassifyFlagsTyped",
     "aisbf.json",
     R"({"classify_privacy": 1, "autoselect": []})",
     {kA + "classify_privacy: expected a boolean, got number",
      kA + "autoselect: expected an object or null, got array"}},
};

INSTANTIATE_TEST_SUITE_P(AutoselectShape, ConfigBadInput, testing::ValuesIn(kAutoselectShapeCases), case_name);
INSTANTIATE_TEST_SUITE_P(AisbfAutoselect, ConfigBadInput, testing::ValuesIn(kAisbfAutoselectCases), case_name);

}  // namespace
}  // namespace aisbf::config_test
