// Rotation tables: the settings cascade, both rotation formats, skipped
// entries and direct targets, over Config structs built by hand.
#include <gtest/gtest.h>

#include "routing/rotation.hpp"

namespace aisbf::routing {
namespace {

using limits::Duration;
using std::chrono::milliseconds;
using std::chrono::seconds;

ModelConfig model_named(std::string name) {
  ModelConfig m;
  m.name = std::move(name);
  return m;
}

// openai: provider defaults and a model with its own settings ("own") and
// one without ("bare"); plain: three bare models, no defaults; empty: no
// models listed at all.
std::shared_ptr<Config> base_config() {
  auto config = std::make_shared<Config>();
  config->routing.default_error_cooldown = 300;
  config->routing.max_attempts = 5;
  config->routing.max_attempts_per_model = 2;

  ProviderConfig openai;
  openai.id = "openai";
  openai.api_key = "sk-provider";
  openai.rate_limit = 0.5;
  openai.defaults.rate_limit = 4;
  openai.defaults.rate_limit_tpm = 1000;
  openai.defaults.rate_limit_tpd = 900'000;
  openai.defaults.error_cooldown = 40;
  openai.defaults.context_size = 8000;
  openai.timeouts.connect = 5;
  ModelConfig own = model_named("own");
  own.limits.rate_limit = 3;
  own.limits.rate_limit_tpm = 2000;
  own.limits.rate_limit_tph = 50'000;
  own.limits.error_cooldown = 30;
  own.limits.max_request_tokens = 100;
  own.capabilities = {"vision"};
  own.timeouts.idle = 60;
  openai.models = {own, model_named("bare")};

  ProviderConfig plain;
  plain.id = "plain";
  plain.models = {model_named("a"), model_named("b"), model_named("c")};

  ProviderConfig empty;
  empty.id = "empty";

  config->providers = {openai, plain, empty};
  return config;
}

RotationModel rotation_model(std::string name, double weight) {
  RotationModel m;
  m.name = std::move(name);
  m.weight = weight;
  return m;
}

RotationProvider full_entry(std::string provider_id, std::vector<RotationModel> models) {
  RotationProvider p;
  p.provider_id = std::move(provider_id);
  p.models = std::move(models);
  return p;
}

RotationProvider simple_entry(std::string provider_id, std::optional<double> weight) {
  RotationProvider p;
  p.provider_id = std::move(provider_id);
  p.weight = weight;
  return p;
}

RotationConfig rotation_of(std::string id, std::vector<RotationProvider> providers) {
  RotationConfig r;
  r.id = std::move(id);
  r.providers = std::move(providers);
  return r;
}

TEST(RotationCascade, BuiltInDefaults) {
  auto config = base_config();
  const ProviderConfig& empty = *config->find_provider("empty");
  Candidate c = make_candidate(*config, empty, nullptr, "whatever");
  EXPECT_EQ(c.key, "empty/whatever");
  EXPECT_EQ(c.upstream_model, "whatever");
  EXPECT_EQ(c.model, nullptr);
  EXPECT_EQ(c.weight, 1);
  EXPECT_EQ(c.provider_spacing, Duration::zero());
  EXPECT_EQ(c.model_spacing, Duration::zero());
  EXPECT_FALSE(c.tokens.any());
  EXPECT_FALSE(c.max_request_tokens);
  EXPECT_FALSE(c.context_size);
  EXPECT_EQ(c.model_cooldown, seconds(300));
  EXPECT_EQ(c.provider_cooldown, seconds(300));
  EXPECT_EQ(c.timeouts.connect, Timeouts{}.connect);
  EXPECT_EQ(c.timeouts.total, Timeouts{}.total);
  EXPECT_TRUE(c.capabilities.empty());
  EXPECT_TRUE(c.api_key.empty());
}

TEST(RotationCascade, ProviderDefaults) {
  auto config = base_config();
  const ProviderConfig& openai = *config->find_provider("openai");
  Candidate c = make_candidate(*config, openai, openai.find_model("bare"), "bare");
  EXPECT_EQ(c.provider_spacing, milliseconds(500));
  EXPECT_EQ(c.model_spacing, seconds(4));
  EXPECT_EQ(c.tokens.per_minute, 1000);
  EXPECT_FALSE(c.tokens.per_hour);
  EXPECT_EQ(c.tokens.per_day, 900'000);
  EXPECT_EQ(c.context_size, 8000);
  EXPECT_EQ(c.model_cooldown, seconds(40));
  EXPECT_EQ(c.provider_cooldown, seconds(40));
  EXPECT_EQ(c.timeouts.connect, seconds(5));
  EXPECT_EQ(c.timeouts.idle, Timeouts{}.idle);
  EXPECT_TRUE(c.capabilities.empty());
}

TEST(RotationCascade, ProviderModelOverProviderDefaults) {
  auto config = base_config();
  const ProviderConfig& openai = *config->find_provider("openai");
  Candidate c = make_candidate(*config, openai, openai.find_model("own"), "own");
  EXPECT_EQ(c.model_spacing, seconds(3));
  EXPECT_EQ(c.tokens.per_minute, 2000);
  EXPECT_EQ(c.tokens.per_hour, 50'000);
  EXPECT_EQ(c.tokens.per_day, 900'000);  // not set on the model: the provider's default
  EXPECT_EQ(c.max_request_tokens, 100);
  EXPECT_EQ(c.context_size, 8000);
  EXPECT_EQ(c.model_cooldown, seconds(30));
  EXPECT_EQ(c.provider_cooldown, seconds(40));  // the provider's, never the model's
  EXPECT_EQ(c.timeouts.connect, seconds(5));
  EXPECT_EQ(c.timeouts.idle, seconds(60));
  EXPECT_EQ(c.capabilities, std::vector<std::string>{"vision"});
}

TEST(RotationCascade, RotationDefaultsOverProviderModel) {
  auto config = base_config();
  RotationConfig r = rotation_of("r", {full_entry("openai", {rotation_model("own", 1)})});
  r.defaults.rate_limit = 2;
  r.defaults.rate_limit_tpm = 3000;
  r.defaults.error_cooldown = 20;
  r.defaults.context_size = 4000;
  config->rotations = {r};
  RoutingTable table(config);
  const Candidate& c = table.rotation("r")->candidates.at(0);
  EXPECT_EQ(c.model_spacing, seconds(2));
  EXPECT_EQ(c.tokens.per_minute, 3000);
  EXPECT_EQ(c.tokens.per_hour, 50'000);
  EXPECT_EQ(c.context_size, 4000);
  EXPECT_EQ(c.max_request_tokens, 100);
  EXPECT_EQ(c.model_cooldown, seconds(20));
  EXPECT_EQ(c.provider_cooldown, seconds(40));
  EXPECT_EQ(c.capabilities, std::vector<std::string>{"vision"});
}

TEST(RotationCascade, RotationModelEntryOverEverything) {
  auto config = base_config();
  RotationModel m = rotation_model("own", 1);
  m.limits.rate_limit = 1;
  m.limits.rate_limit_tpm = 4000;
  m.limits.rate_limit_tph = 0;  // 0 lifts the model's hourly limit
  m.limits.error_cooldown = 10;
  m.limits.max_request_tokens = 50;
  m.timeouts.total = 7.5;
  m.capabilities = {"function_calling"};
  RotationConfig r = rotation_of("r", {full_entry("openai", {m})});
  r.defaults.rate_limit = 2;
  r.defaults.rate_limit_tpm = 3000;
  r.defaults.error_cooldown = 20;
  config->rotations = {r};
  RoutingTable table(config);
  const Candidate& c = table.rotation("r")->candidates.at(0);
  EXPECT_EQ(c.model_spacing, seconds(1));
  EXPECT_EQ(c.tokens.per_minute, 4000);
  EXPECT_FALSE(c.tokens.per_hour);
  EXPECT_EQ(c.tokens.per_day, 900'000);
  EXPECT_EQ(c.max_request_tokens, 50);
  EXPECT_EQ(c.model_cooldown, seconds(10));
  EXPECT_EQ(c.provider_cooldown, seconds(40));
  EXPECT_EQ(c.timeouts.connect, seconds(5));                // provider
  EXPECT_EQ(c.timeouts.first_byte, Timeouts{}.first_byte);  // built-in
  EXPECT_EQ(c.timeouts.idle, seconds(60));                  // provider model
  EXPECT_EQ(c.timeouts.total, milliseconds(7500));          // rotation entry
  EXPECT_EQ(c.capabilities, std::vector<std::string>{"function_calling"});
}

TEST(RotationCascade, ErrorCooldownFallsBackToRouting) {
  auto config = base_config();
  config->routing.default_error_cooldown = 77;
  const ProviderConfig& plain = *config->find_provider("plain");
  Candidate c = make_candidate(*config, plain, plain.find_model("a"), "a");
  EXPECT_EQ(c.model_cooldown, seconds(77));
  EXPECT_EQ(c.provider_cooldown, seconds(77));
}

TEST(RotationFormats, FullFormatWeightsPerModel) {
  auto config = base_config();
  RotationProvider entry = full_entry("openai", {rotation_model("own", 3), rotation_model("bare", 0)});
  entry.weight = 10;  // ignored: the models carry the shares
  entry.api_key = "sk-rotation";
  RotationConfig r = rotation_of("r", {entry, full_entry("plain", {rotation_model("b", 2)})});
  r.max_attempts = 7;
  r.notifyerrors = true;
  config->rotations = {r};
  RoutingTable table(config);
  const RotationPlan* plan = table.rotation("r");
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->rotation, &config->rotations[0]);
  EXPECT_EQ(plan->max_attempts, 7);
  EXPECT_EQ(plan->max_attempts_per_model, 2);
  EXPECT_TRUE(plan->notifyerrors);
  ASSERT_EQ(plan->candidates.size(), 3u);
  EXPECT_EQ(plan->candidates[0].key, "openai/own");
  EXPECT_EQ(plan->candidates[0].weight, 3);
  EXPECT_EQ(plan->candidates[0].api_key, "sk-rotation");
  EXPECT_EQ(plan->candidates[0].model, config->providers[0].find_model("own"));
  EXPECT_EQ(plan->candidates[1].key, "openai/bare");
  EXPECT_EQ(plan->candidates[1].weight, 0);
  EXPECT_EQ(plan->candidates[2].key, "plain/b");
  EXPECT_EQ(plan->candidates[2].weight, 2);
  EXPECT_TRUE(plan->candidates[2].api_key.empty());  // the provider's own key applies
  EXPECT_TRUE(table.warnings().empty());
}

TEST(RotationFormats, SimpleFormatSplitsTheEntryWeight) {
  auto config = base_config();
  config->rotations = {rotation_of("r", {simple_entry("plain", 2), simple_entry("openai", std::nullopt)})};
  RoutingTable table(config);
  const RotationPlan* plan = table.rotation("r");
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->max_attempts, 5);  // routing's
  EXPECT_FALSE(plan->notifyerrors);
  ASSERT_EQ(plan->candidates.size(), 5u);
  for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(plan->candidates[i].weight, 2.0 / 3.0);
  EXPECT_EQ(plan->candidates[0].key, "plain/a");
  EXPECT_EQ(plan->candidates[2].key, "plain/c");
  EXPECT_DOUBLE_EQ(plan->candidates[3].weight, 0.5);  // default weight 1 over two models
  EXPECT_EQ(plan->candidates[3].key, "openai/own");
  // Simple entries have no model entry: the provider model's settings apply.
  EXPECT_EQ(plan->candidates[3].model_spacing, seconds(3));
}

TEST(RotationFormats, SkippedEntriesWarn) {
  auto config = base_config();
  config->rotations = {rotation_of("mixed", {simple_entry("plain", 1), simple_entry("nope", 1),
                                             simple_entry("empty", 1), full_entry("ghost", {rotation_model("x", 1)})})};
  RoutingTable table(config);
  ASSERT_EQ(table.rotation("mixed")->candidates.size(), 3u);
  const auto& w = table.warnings();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_NE(w[0].find("rotation 'mixed' providers[1]"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("'nope'"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("no such provider"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("providers[2]"), std::string::npos) << w[1];
  EXPECT_NE(w[1].find("lists none"), std::string::npos) << w[1];
  EXPECT_NE(w[2].find("providers[3]"), std::string::npos) << w[2];
}

TEST(RotationFormats, FullEntryOnProviderWithoutModels) {
  auto config = base_config();
  config->rotations = {rotation_of("r", {full_entry("empty", {rotation_model("anything", 1)})})};
  RoutingTable table(config);
  const RotationPlan* plan = table.rotation("r");
  ASSERT_EQ(plan->candidates.size(), 1u);
  EXPECT_EQ(plan->candidates[0].model, nullptr);
  EXPECT_EQ(plan->candidates[0].upstream_model, "anything");
  EXPECT_EQ(plan->candidates[0].key, "empty/anything");
  EXPECT_TRUE(table.warnings().empty());
}

TEST(RotationTable, UnknownRotation) {
  RoutingTable table(base_config());
  EXPECT_EQ(table.rotation("nope"), nullptr);
}

TEST(RotationTable, DirectListedModelIsPrecomputed) {
  auto config = base_config();
  RoutingTable table(config);
  const ProviderConfig& openai = config->providers[0];
  ProviderTarget target{&openai, openai.find_model("own"), "own"};
  std::optional<Candidate> scratch;
  const Candidate& c = table.direct(target, scratch);
  EXPECT_FALSE(scratch.has_value());
  EXPECT_EQ(&c, &table.direct(target, scratch));
  EXPECT_EQ(c.key, "openai/own");
  EXPECT_EQ(c.model_spacing, seconds(3));
  EXPECT_EQ(c.weight, 1);
}

TEST(RotationTable, DirectUnlistedModelIsBuiltIntoScratch) {
  auto config = base_config();
  RoutingTable table(config);
  ProviderTarget target{&config->providers[2], nullptr, "free-form"};
  std::optional<Candidate> scratch;
  const Candidate& c = table.direct(target, scratch);
  ASSERT_TRUE(scratch.has_value());
  EXPECT_EQ(&c, &*scratch);
  EXPECT_EQ(c.key, "empty/free-form");
  EXPECT_EQ(c.model_cooldown, seconds(300));
}

Candidate with_capabilities(std::vector<std::string> caps) {
  Candidate c;
  c.capabilities = std::move(caps);
  return c;
}

TEST(RotationCapabilities, CanServe) {
  const RequestNeeds nothing{}, tools{true, false}, images{false, true}, both{true, true};
  EXPECT_TRUE(can_serve(with_capabilities({}), both));
  EXPECT_TRUE(can_serve(with_capabilities({"chat"}), nothing));
  EXPECT_FALSE(can_serve(with_capabilities({"chat"}), tools));
  EXPECT_FALSE(can_serve(with_capabilities({"chat"}), images));
  for (const char* t : {"function_calling", "tools", "tool_use"}) EXPECT_TRUE(can_serve(with_capabilities({t}), tools));
  for (const char* i : {"vision", "multimodal", "image_input"}) {
    EXPECT_TRUE(can_serve(with_capabilities({i}), images));
  }
  EXPECT_FALSE(can_serve(with_capabilities({"vision"}), both));
  EXPECT_TRUE(can_serve(with_capabilities({"vision", "tools"}), both));
  EXPECT_TRUE(can_serve(with_capabilities({"Vision"}), images));  // as people write it
}

}  // namespace
}  // namespace aisbf::routing
