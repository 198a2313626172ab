// aisbf.json `response_cache` and the enable_response_cache cascade.
#include <gtest/gtest.h>

#include "cache/cache_policy.hpp"
#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

struct Files {
  std::string_view aisbf = kBaseAisbf;
  std::string_view providers = kBaseProviders;
  std::string_view rotations = kBaseRotations;
  std::string_view autoselect = kBaseAutoselect;
};

LoadResult load(const Files& files) {
  TempDir dir;
  dir.write("aisbf.json", files.aisbf);
  dir.write("providers.json", files.providers);
  dir.write("rotations.json", files.rotations);
  dir.write("autoselect.json", files.autoselect);
  return load_config(dir.path());
}

TEST(ConfigResponseCache, AbsentSectionIsOff) {
  LoadResult result = load({});
  ASSERT_TRUE(result.ok());
  const ResponseCacheConfig& rc = result.config->response_cache;
  EXPECT_FALSE(rc.enabled);
  EXPECT_FALSE(rc.used);
  EXPECT_EQ(rc.backend, "memory");
  EXPECT_EQ(rc.ttl, 600);
  EXPECT_EQ(rc.max_entries, 1000u);
  EXPECT_FALSE(rc.cache_nondeterministic);
}

TEST(ConfigResponseCache, SectionReadWithOurFields) {
  LoadResult result = load({.aisbf = R"({"response_cache": {"backend": "sqlite", "ttl": 2.5, "max_size": 7,
      "max_memory_bytes": 4096, "cache_nondeterministic": true, "sqlite_path": "/tmp/x.db", "redis_port": 6380,
      "redis_password": null, "file_dir": "/tmp/cache"}})"});
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  EXPECT_TRUE(result.diagnostics.empty()) << testing::PrintToString(formatted(result.diagnostics));
  const ResponseCacheConfig& rc = result.config->response_cache;
  EXPECT_TRUE(rc.enabled);  // a section without `enabled`: on, as in AISBF
  EXPECT_TRUE(rc.used);
  EXPECT_EQ(rc.backend, "sqlite");
  EXPECT_EQ(rc.ttl, 2.5);
  EXPECT_EQ(rc.max_entries, 7u);
  EXPECT_EQ(rc.max_memory_bytes, 4096u);
  EXPECT_TRUE(rc.cache_nondeterministic);
  EXPECT_EQ(rc.sqlite_path, "/tmp/x.db");
  EXPECT_EQ(rc.redis_port, 6380);
  EXPECT_EQ(rc.redis_password, "");
  EXPECT_EQ(rc.file_dir, "/tmp/cache");
}

TEST(ConfigResponseCache, AisbfMaxMemoryCacheWinsAndFeatureControlDisables) {
  LoadResult result = load({.aisbf = R"({"response_cache": {"enabled": true, "max_memory_cache": 3, "max_size": 9},
      "feature_controls": {"response_cache": {"mode": "disabled"}}})"});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config->response_cache.max_entries, 3u);
  EXPECT_FALSE(result.config->response_cache.enabled);
}

TEST(ConfigResponseCache, BackendNamesInAnyCaseAndMariadbAreKnown) {
  for (const char* name : {"MariaDB", "mariadb", "Redis", "SQLITE", "File", "memory"}) {
    LoadResult result = load({.aisbf = std::string(R"({"response_cache": {"backend": ")") + name + R"("}})"});
    ASSERT_TRUE(result.ok()) << name << testing::PrintToString(formatted(result.diagnostics));
    EXPECT_EQ(result.config->response_cache.backend, name);
  }
}

TEST(ConfigResponseCache, BadValuesAreErrors) {
  LoadResult result = load({.aisbf = R"({"response_cache": {"backend": "memcached", "ttl": 0}})"});
  EXPECT_FALSE(result.ok());
  const auto lines = formatted(result.diagnostics);
  EXPECT_EQ(count_errors(result.diagnostics), 2u) << testing::PrintToString(lines);
}

TEST(ConfigResponseCache, AisbfSampleConfigsLoad) {
  for (const char* name : {"aisbf-0.9.4-config", "aisbf-0.99.83-config"}) {
    TempDir into;
    LoadResult result = load_config(private_fixture(name, into));
    ASSERT_TRUE(result.ok()) << name << testing::PrintToString(formatted(result.diagnostics));
    EXPECT_TRUE(result.config->response_cache.enabled) << name;
    EXPECT_EQ(result.config->response_cache.max_entries, 1000u) << name;
  }
}

TEST(ConfigResponseCache, CascadeMostSpecificWins) {
  LoadResult result = load({.aisbf = R"({"response_cache": {"enabled": false}})",
                            .providers = R"({"providers": {
        "a": {"id": "a", "name": "A", "endpoint": "http://127.0.0.1:1", "type": "openai", "enable_response_cache": true,
              "models": [{"name": "m", "enable_response_cache": false}, {"name": "n"}]},
        "b": {"id": "b", "name": "B", "endpoint": "http://127.0.0.1:1", "type": "openai", "models": [{"name": "x"}]}}})",
                            .rotations = R"({"rotations": {"r": {"model_name": "r", "enable_response_cache": true,
        "providers": [{"provider_id": "b", "models": [{"name": "x", "enable_response_cache": false}]}]}}})",
                            .autoselect = R"({"auto": {"model_name": "auto", "description": "d", "fallback": "r",
        "enable_response_cache": true, "available_models": [{"model_id": "r", "description": "g"}]}})"});
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const Config& c = *result.config;
  EXPECT_TRUE(c.response_cache.used);  // some target turns it on
  const ProviderConfig* a = c.find_provider("a");
  const ProviderConfig* b = c.find_provider("b");
  using cache::CacheScope, cache::response_cache_enabled;
  EXPECT_FALSE(response_cache_enabled(c, CacheScope{a, "m"}));                            // model over provider
  EXPECT_TRUE(response_cache_enabled(c, CacheScope{a, "n"}));                             // provider over global
  EXPECT_FALSE(response_cache_enabled(c, CacheScope{b, "x"}));                            // nothing set: global
  EXPECT_TRUE(response_cache_enabled(c, CacheScope{nullptr, {}, c.find_rotation("r")}));  // rotation
  // The rotation's own entry for the model, over the rotation.
  EXPECT_FALSE(response_cache_enabled(c, CacheScope{b, "x", c.find_rotation("r")}));
  EXPECT_TRUE(response_cache_enabled(c, CacheScope{b, "x", nullptr, c.find_autoselect("auto")}));  // autoselect
}

}  // namespace
}  // namespace aisbf::config_test
