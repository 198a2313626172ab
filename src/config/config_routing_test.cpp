// The sections and fields issue 4 reads: aisbf.json `routing` and
// `adaptive_rate_limiting`, `default_*` limits on providers and rotations,
// rotation model limits, `max_attempts` and `api_key`.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

LoadResult load_with(const char* file, std::string_view content) {
  TempDir dir;
  write_base_files(dir);
  dir.write(file, content);
  return load_config(dir.path());
}

TEST(ConfigRouting, DefaultsWithoutTheSections) {
  LoadResult result = load_with("aisbf.json", R"({"server": {"host": "127.0.0.1"}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const Config& c = *result.config;
  EXPECT_EQ(c.routing.max_attempts, 5);
  EXPECT_EQ(c.routing.max_attempts_per_model, 2);
  EXPECT_EQ(c.routing.failure_threshold, 3);
  EXPECT_EQ(c.routing.default_error_cooldown, 300);
  EXPECT_EQ(c.routing.max_rate_limit_wait, 30);
  EXPECT_FALSE(c.routing.seed);
  EXPECT_TRUE(c.adaptive.enabled);
  EXPECT_EQ(c.adaptive.consecutive_successes_for_recovery, 10);
}

TEST(ConfigRouting, ReadsEveryField) {
  LoadResult result = load_with("aisbf.json", R"({
    "routing": {"max_attempts": 3, "max_attempts_per_model": 1, "failure_threshold": 5,
                "default_error_cooldown": 12.5, "max_rate_limit_wait": 0, "seed": 42},
    "adaptive_rate_limiting": {"enabled": false, "initial_rate_limit": 0.5, "learning_rate": 0.2,
      "headroom_percent": 20, "recovery_rate": 0.1, "max_rate_limit": 30, "min_rate_limit": 0.2,
      "backoff_base": 3, "jitter_factor": 0, "history_window": 60, "consecutive_successes_for_recovery": 4}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const Config& c = *result.config;
  EXPECT_EQ(c.routing.max_attempts, 3);
  EXPECT_EQ(c.routing.max_attempts_per_model, 1);
  EXPECT_EQ(c.routing.failure_threshold, 5);
  EXPECT_EQ(c.routing.default_error_cooldown, 12.5);
  EXPECT_EQ(c.routing.max_rate_limit_wait, 0);
  EXPECT_EQ(c.routing.seed, 42u);
  EXPECT_FALSE(c.adaptive.enabled);
  EXPECT_EQ(c.adaptive.initial_rate_limit, 0.5);
  EXPECT_EQ(c.adaptive.learning_rate, 0.2);
  EXPECT_EQ(c.adaptive.headroom_percent, 20);
  EXPECT_EQ(c.adaptive.recovery_rate, 0.1);
  EXPECT_EQ(c.adaptive.max_rate_limit, 30);
  EXPECT_EQ(c.adaptive.min_rate_limit, 0.2);
  EXPECT_EQ(c.adaptive.backoff_base, 3);
  EXPECT_EQ(c.adaptive.jitter_factor, 0);
  EXPECT_EQ(c.adaptive.history_window, 60);
  EXPECT_EQ(c.adaptive.consecutive_successes_for_recovery, 4);
}

TEST(ConfigRouting, BadValuesNameTheirPath) {
  LoadResult result = load_with("aisbf.json", R"({
    "routing": {"max_attempts": 0, "failure_threshold": "3", "nope": 1},
    "adaptive_rate_limiting": {"learning_rate": 2, "min_rate_limit": 10, "max_rate_limit": 5}})");
  EXPECT_FALSE(result.ok());
  auto text = testing::PrintToString(formatted(result.diagnostics));
  EXPECT_NE(text.find("routing.max_attempts"), std::string::npos) << text;
  EXPECT_NE(text.find("routing.failure_threshold"), std::string::npos) << text;
  EXPECT_NE(text.find("routing.nope"), std::string::npos) << text;  // unknown key: a warning
  EXPECT_NE(text.find("adaptive_rate_limiting.learning_rate"), std::string::npos) << text;
  EXPECT_NE(text.find("adaptive_rate_limiting.min_rate_limit: must not be greater than max_rate_limit"),
            std::string::npos)
      << text;
}

TEST(ConfigRouting, ProviderDefaultsAndModelLimits) {
  LoadResult result = load_with("providers.json", R"({"providers": {"openai": {
      "endpoint": "http://x", "type": "openai", "default_rate_limit": 2, "default_rate_limit_TPM": 1000,
      "default_error_cooldown": 60,
      "models": [{"name": "m", "rate_limit": 0.5, "rate_limit_TPD": 9, "error_cooldown": 7, "context_size": 100}]}}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const ProviderConfig& p = *result.config->find_provider("openai");
  EXPECT_EQ(p.defaults.rate_limit, 2.0);
  EXPECT_EQ(p.defaults.rate_limit_tpm, 1000);
  EXPECT_EQ(p.defaults.error_cooldown, 60.0);
  const ModelConfig& m = *p.find_model("m");
  EXPECT_EQ(m.limits.rate_limit, 0.5);
  EXPECT_EQ(m.limits.rate_limit_tpd, 9);
  EXPECT_EQ(m.limits.error_cooldown, 7.0);
  EXPECT_EQ(m.limits.context_size, 100);
  EXPECT_FALSE(m.limits.rate_limit_tpm);
}

TEST(ConfigRouting, RotationFieldsInBothFormats) {
  LoadResult result = load_with("rotations.json", R"({"notifyerrors": false, "rotations": {
      "r": {"model_name": "r", "max_attempts": 4, "default_rate_limit": 1, "default_error_cooldown": 9,
            "providers": [
              {"provider_id": "openai", "api_key": "sk-rot", "models": [
                 {"name": "gpt-4", "weight": 3, "rate_limit_TPM": 500, "timeouts": {"first_byte": 2},
                  "capabilities": ["vision"]}]},
              {"provider_id": "openai", "weight": 2}]}}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const RotationConfig& r = *result.config->find_rotation("r");
  EXPECT_EQ(r.max_attempts, 4);
  EXPECT_EQ(r.defaults.rate_limit, 1.0);
  EXPECT_EQ(r.defaults.error_cooldown, 9.0);
  ASSERT_EQ(r.providers.size(), 2u);
  EXPECT_EQ(r.providers[0].api_key, "sk-rot");
  const RotationModel& m = r.providers[0].models.at(0);
  EXPECT_EQ(m.weight, 3);
  EXPECT_EQ(m.limits.rate_limit_tpm, 500);
  EXPECT_EQ(m.timeouts.first_byte, 2.0);
  EXPECT_EQ(m.capabilities, std::vector<std::string>{"vision"});
  EXPECT_EQ(r.providers[1].weight, 2.0);
  EXPECT_TRUE(r.providers[1].models.empty());
}

TEST(ConfigRouting, WarnsAboutEntriesWithoutCandidates) {
  TempDir dir;
  write_base_files(dir);
  dir.write("providers.json", R"({"providers": {
      "open": {"endpoint": "http://x", "type": "openai"},
      "listed": {"endpoint": "http://x", "type": "openai", "models": [{"name": "a"}]}}})");
  dir.write("rotations.json", R"({"rotations": {"r": {"model_name": "r", "providers": [
      {"provider_id": "open", "weight": 1},
      {"provider_id": "listed", "models": [{"name": "a"}, {"name": "b"}]},
      {"provider_id": "open", "models": [{"name": "anything"}]}]}}})");
  LoadResult result = load_config(dir.path());
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  std::string text;
  for (const auto& line : formatted(result.diagnostics)) text += line + "\n";
  EXPECT_NE(text.find("rotations.r.providers[0]: no models here and provider \"open\" lists none"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("providers[1]"), std::string::npos) << text;
  EXPECT_EQ(text.find("providers[2]"), std::string::npos) << text;
}

}  // namespace
}  // namespace aisbf::config_test
