// Native caching settings: read from providers.json on a provider and its
// model entries, the model's fields winning (issue 12).
#include <gtest/gtest.h>

#include "config/config_test_util.hpp"
#include "pipeline/upstream_target.hpp"

namespace aisbf::config_test {
namespace {

LoadResult load_providers(std::string_view content) {
  TempDir dir;
  write_base_files(dir);
  dir.write("providers.json", content);
  return load_config(dir.path());
}

TEST(NativeCacheConfig, ModelFieldsWinOverTheProvider) {
  LoadResult result = load_providers(R"({"providers": {"openai": {
      "endpoint": "http://x", "type": "anthropic", "enable_native_caching": true, "cache_ttl": 3600,
      "min_cacheable_tokens": 2048, "prompt_cache_key": "team",
      "models": [{"name": "own", "enable_native_caching": false, "min_cacheable_tokens": 100,
                  "prompt_cache_key": "auto"}, {"name": "plain"}]}}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const ProviderConfig& p = *result.config->find_provider("openai");
  const NativeCache own = native_cache_of(p, p.find_model("own"));
  EXPECT_FALSE(own.enabled);
  EXPECT_EQ(own.min_tokens, 100);
  EXPECT_EQ(own.ttl_seconds, 3600);  // the provider's
  EXPECT_EQ(own.prompt_cache_key, "auto");
  const NativeCache plain = native_cache_of(p, p.find_model("plain"));
  EXPECT_TRUE(plain.enabled);
  EXPECT_EQ(plain.min_tokens, 2048);
  EXPECT_EQ(plain.prompt_cache_key, "team");
  // A model the provider does not list: the provider's settings.
  EXPECT_TRUE(native_cache_of(p, nullptr).enabled);
  EXPECT_EQ(upstream_target(p, p.find_model("own"), "own").native_cache.prompt_cache_key, "auto");
}

TEST(NativeCacheConfig, DefaultsAndAisbfNulls) {
  LoadResult result = load_providers(R"({"providers": {"openai": {
      "endpoint": "http://x", "type": "anthropic", "enable_native_caching": false, "cache_ttl": null,
      "min_cacheable_tokens": null, "prompt_cache_key": ""}}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const NativeCache c = native_cache_of(*result.config->find_provider("openai"), nullptr);
  EXPECT_FALSE(c.enabled);
  EXPECT_EQ(c.min_tokens, 1024);
  EXPECT_EQ(c.ttl_seconds, 300);
  EXPECT_EQ(c.prompt_cache_key, "");
}

TEST(NativeCacheConfig, BadValuesAreErrors) {
  LoadResult result = load_providers(R"({"providers": {"a": {
      "endpoint": "http://x", "type": "anthropic", "cache_ttl": 0, "min_cacheable_tokens": -1,
      "models": [{"name": "m", "enable_native_caching": "yes", "cache_ttl": 100000}]}}})");
  EXPECT_FALSE(result.ok());
  const std::string all = testing::PrintToString(formatted(result.diagnostics));
  EXPECT_NE(all.find("providers.a.cache_ttl"), std::string::npos) << all;
  EXPECT_NE(all.find("providers.a.min_cacheable_tokens"), std::string::npos) << all;
  EXPECT_NE(all.find("enable_native_caching"), std::string::npos) << all;
  EXPECT_NE(all.find("models[0].cache_ttl"), std::string::npos) << all;
}

TEST(NativeCacheConfig, IgnoredInARotationWithAWarning) {
  TempDir dir;
  write_base_files(dir);
  dir.write("providers.json", R"({"providers": {"a": {"endpoint": "http://x", "type": "anthropic",
      "models": [{"name": "m"}]}}})");
  dir.write("rotations.json", R"({"rotations": {"r": {"model_name": "r", "providers": [{"provider_id": "a",
      "models": [{"name": "m", "weight": 1, "enable_native_caching": true}]}]}}})");
  LoadResult result = load_config(dir.path());
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const std::string all = testing::PrintToString(formatted(result.diagnostics));
  EXPECT_NE(all.find("enable_native_caching: ignored in a rotation"), std::string::npos) << all;
}

}  // namespace
}  // namespace aisbf::config_test
