// Effective timeouts, values and defaults of fields, unknown keys kept,
// formatting helpers, robustness on hostile input, and the dashboard section.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

using std::chrono::milliseconds;

LoadResult load_with(const char* file, std::string_view content) {
  TempDir dir;
  write_base_files(dir);
  dir.write(file, content);
  return load_config(dir.path());
}

TEST(ConfigTimeouts, DefaultsWhenUnset) {
  ProviderConfig provider;
  Timeouts t = effective_timeouts(provider, nullptr);
  EXPECT_EQ(t.connect, milliseconds(10'000));
  EXPECT_EQ(t.first_byte, milliseconds(300'000));
  EXPECT_EQ(t.idle, milliseconds(120'000));
  EXPECT_EQ(t.total, milliseconds(900'000));
}

TEST(ConfigTimeouts, ModelOverProviderOverDefault) {
  LoadResult result = load_with("providers.json", R"({"providers": {"openai": {
      "endpoint": "http://x", "type": "openai", "timeouts": {"connect": 5, "idle": 60},
      "models": [{"name": "slow", "timeouts": {"idle": 600, "total": 1.5}}, {"name": "plain"}]}}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const ProviderConfig& p = *result.config->find_provider("openai");
  EXPECT_EQ(p.timeouts.connect, 5.0);
  Timeouts slow = effective_timeouts(p, p.find_model("slow"));
  EXPECT_EQ(slow.connect, milliseconds(5'000));       // provider
  EXPECT_EQ(slow.first_byte, milliseconds(300'000));  // default
  EXPECT_EQ(slow.idle, milliseconds(600'000));        // model
  EXPECT_EQ(slow.total, milliseconds(1'500));         // model, fractional seconds
  Timeouts plain = effective_timeouts(p, p.find_model("plain"));
  EXPECT_EQ(plain.idle, milliseconds(60'000));
  EXPECT_EQ(plain.total, milliseconds(900'000));
  EXPECT_EQ(effective_timeouts(p, nullptr).connect, milliseconds(5'000));
}

TEST(ConfigValues, FieldDefaultsAndNulls) {
  LoadResult result = load_with("providers.json", R"({"providers": {"openai": {
      "endpoint": "http://x", "type": "openai", "api_key": null, "models": null, "cache_ttl": null}}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const ProviderConfig& p = *result.config->find_provider("openai");
  EXPECT_EQ(p.api_key, "");
  EXPECT_EQ(p.name, "openai");  // no name: the id
  EXPECT_FALSE(p.api_key_required);
  EXPECT_EQ(p.rate_limit, 0);
  EXPECT_TRUE(p.models.empty());
}

TEST(ConfigValues, RotationInheritsTopLevelNotifyErrors) {
  LoadResult result = load_with("rotations.json", R"({"notifyerrors": true, "rotations": {
      "general": {"providers": [{"provider_id": "openai"}]},
      "quiet": {"model_name": "Quiet", "notifyerrors": false, "providers": [{"provider_id": "openai"}]}}})");
  ASSERT_TRUE(result.ok());
  const Config& c = *result.config;
  EXPECT_TRUE(c.notifyerrors);
  EXPECT_TRUE(c.find_rotation("general")->notifyerrors);
  EXPECT_EQ(c.find_rotation("general")->model_name, "general");
  EXPECT_FALSE(c.find_rotation("quiet")->notifyerrors);
  EXPECT_EQ(c.find_rotation("quiet")->model_name, "Quiet");
  EXPECT_EQ(c.find_rotation("quiet")->providers[0].models.size(), 0u);
}

TEST(ConfigValues, ServerAdditionsAndAuth) {
  LoadResult result = load_with("aisbf.json", R"({"server": {"host": "::1", "port": 0, "protocol": "http",
      "max_body_bytes": 1048576, "max_sse_event_bytes": 65536, "header_timeout": 2.5, "idle_timeout": 30,
      "shutdown_grace": 0}, "auth": {"enabled": true, "tokens": ["t1", "t2"]}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const ServerConfig& s = result.config->server;
  EXPECT_EQ(s.host, "::1");
  EXPECT_EQ(s.port, 0);
  EXPECT_EQ(s.protocol, "http");
  EXPECT_EQ(s.max_body_bytes, 1048576u);
  EXPECT_EQ(s.max_sse_event_bytes, 65536u);
  EXPECT_EQ(s.header_timeout, milliseconds(2'500));
  EXPECT_EQ(s.idle_timeout, milliseconds(30'000));
  EXPECT_EQ(s.shutdown_grace, milliseconds(0));
  EXPECT_TRUE(result.config->auth.enabled);
  EXPECT_EQ(result.config->auth.tokens, (std::vector<std::string>{"t1", "t2"}));
}

TEST(ConfigValues, ServerDefaultsWhenAbsent) {
  LoadResult result = load_with("aisbf.json", "{}");
  ASSERT_TRUE(result.ok());
  const ServerConfig& s = result.config->server;
  EXPECT_EQ(s.host, "127.0.0.1");
  EXPECT_EQ(s.port, 17765);
  EXPECT_EQ(s.max_body_bytes, 32ull * 1024 * 1024);
  EXPECT_FALSE(result.config->auth.enabled);
}

TEST(ConfigValues, UnknownKeysAreKeptInRaw) {
  TempDir dir;
  write_base_files(dir);
  dir.write("aisbf.json", R"({"plugins": {"a": 1}})");
  dir.write("providers.json", R"({"providers": {"openai": {"endpoint": "http://x", "type": "openai",
      "colour": "blue", "models": [{"name": "m", "shape": 3}]}}})");
  dir.write("rotations.json", R"({"rotations": {"general": {"strategy": "rr",
      "providers": [{"provider_id": "openai", "region": "eu", "models": [{"name": "m", "tint": 1}]}]}}})");
  LoadResult result = load_config(dir.path());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.diagnostics.size(), 6u);
  const Config& c = *result.config;
  EXPECT_NE(c.aisbf.if_contains("plugins"), nullptr);
  const ProviderConfig& p = *c.find_provider("openai");
  EXPECT_EQ(p.raw.at("colour"), "blue");
  EXPECT_EQ(p.models[0].raw.at("shape"), 3);
  const RotationConfig& r = *c.find_rotation("general");
  EXPECT_EQ(r.raw.at("strategy"), "rr");
  EXPECT_EQ(r.providers[0].raw.at("region"), "eu");
  EXPECT_EQ(r.providers[0].models[0].raw.at("tint"), 1);
}

TEST(ConfigFormat, DiagnosticLines) {
  EXPECT_EQ(format_diagnostic({Diagnostic::Severity::error, "providers.json", "providers.x.endpoint",
                               "expected a string, got number"}),
            "error: providers.json: providers.x.endpoint: expected a string, got number");
  EXPECT_EQ(format_diagnostic({Diagnostic::Severity::warning, "aisbf.json", "", "m"}), "warning: aisbf.json: m");
  EXPECT_EQ(format_diagnostic({Diagnostic::Severity::error, "", "", "m"}), "error: m");
}

TEST(ConfigFormat, ReservedRouteWords) {
  for (const char* word : {"models", "v1", "user", "u", "rotations", "autoselect", "proxy", "admin", "audio", "images",
                           "embeddings"}) {
    EXPECT_TRUE(is_reserved_route_word(word)) << word;
  }
  for (const char* word : {"", "openai", "model", "Models", "v2", "api", "users"}) {
    EXPECT_FALSE(is_reserved_route_word(word)) << word;
  }
}

TEST(ConfigRobustness, HostileInputNeverThrows) {
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  const std::string inputs[] = {
      deep,
      "{\"providers\": " + deep + "}",
      "{\"a\": 1e999999}",
      std::string("{\"a\": \"\xff\xfe\"}"),
      std::string("\0\0\0", 3),
      "{\"providers\": {\"openai\": {\"endpoint\": \"x\", \"type\": \"openai\", \"rate_limit\": 1e308, "
      "\"timeouts\": {\"total\": 1e308}, \"models\": [{\"name\": \"m\", \"context_size\": 18446744073709551615}]}}}",
      "{\"server\": {\"port\": 1e30, \"max_body_bytes\": 18446744073709551615, \"idle_timeout\": 1e308}}",
      "null",
      "{\"autoselect\": {\"available_models\": [null, [], {\"model_id\": null}]}}",
  };
  for (const char* file : {"aisbf.json", "providers.json", "rotations.json", "autoselect.json"}) {
    for (const std::string& input : inputs) {
      LoadResult result;
      EXPECT_NO_THROW(result = load_with(file, input)) << file;
      EXPECT_EQ(result.ok(), count_errors(result.diagnostics) == 0);
      for (const Diagnostic& d : result.diagnostics) EXPECT_FALSE(d.message.empty());
    }
  }
}

// aisbf.json `dashboard` (AISBF's: the switch, the first admin's name and
// password) is checked; dashboard::enabled() reads the switch.
TEST(ConfigDashboard, AisbfSectionLoadsWithoutWarnings) {
  LoadResult result = load_with("aisbf.json", R"({"dashboard": {"enabled": false, "username": "admin",
      "password": "8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918"}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  EXPECT_TRUE(result.diagnostics.empty()) << testing::PrintToString(formatted(result.diagnostics));
  EXPECT_FALSE(result.config->aisbf.at("dashboard").at("enabled").as_bool());
}

TEST(ConfigDashboard, EnabledMustBeABoolean) {
  LoadResult result = load_with("aisbf.json", R"({"dashboard": {"enabled": "no"}})");
  EXPECT_FALSE(result.ok());
  bool named = false;
  for (const auto& line : formatted(result.diagnostics)) named |= line.find("dashboard.enabled") != std::string::npos;
  EXPECT_TRUE(named) << testing::PrintToString(formatted(result.diagnostics));
}

}  // namespace
}  // namespace aisbf::config_test
