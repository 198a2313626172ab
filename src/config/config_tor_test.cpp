// aisbf.json `tor` and providers.json `proxy` (config/load_tor.cpp).
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

LoadResult load_with(std::string_view aisbf, std::string_view providers) {
  TempDir dir;
  write_base_files(dir);
  dir.write("aisbf.json", std::string(aisbf));
  dir.write("providers.json", std::string(providers));
  return load_config(dir.path());
}

std::string provider_with_proxy(std::string_view proxy) {
  return std::string(
             R"({"providers": {"openai": {"id": "openai", "name": "OpenAI", "endpoint": "https://api.openai.com/v1",
    "type": "openai", "api_key": "k", "proxy": )") +
         std::string(proxy) + R"(, "models": [{"name": "gpt-4"}]}}})";
}

TEST(ConfigTor, AisbfsDefaultsWhenAbsent) {
  LoadResult result = load_with_aisbf("{}");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const TorConfig& tor = result.config->tor;
  EXPECT_FALSE(tor.enabled);
  EXPECT_EQ(tor.control_host, "127.0.0.1");
  EXPECT_EQ(tor.control_port, 9051);
  EXPECT_EQ(tor.hidden_service_port, 80);
  EXPECT_EQ(tor.socks_port, 9050);
  EXPECT_FALSE(result.config->providers.front().proxy.has_value());
}

// tor's connections come from loopback: the loopback default of
// metrics_allow would let any TOR client read /metrics.
TEST(ConfigTor, AnOnionServiceEmptiesTheDefaultMetricsAllowList) {
  LoadResult with_tor = load_with_aisbf(R"({"tor": {"enabled": true}})");
  ASSERT_TRUE(with_tor.ok()) << testing::PrintToString(formatted(with_tor.diagnostics));
  EXPECT_TRUE(with_tor.config->server.metrics_allow.empty());

  LoadResult without_tor = load_with_aisbf(R"({"tor": {"enabled": false}})");
  ASSERT_TRUE(without_tor.ok());
  EXPECT_TRUE(in_any_range(without_tor.config->server.metrics_allow, "127.0.0.1"));

  // A list of the operator's own stays (the onion service then refuses to
  // publish while it covers tor's address: pipeline/app.cpp).
  LoadResult own_list = load_with_aisbf(R"({"server": {"metrics_allow": ["10.0.0.0/8"]}, "tor": {"enabled": true}})");
  ASSERT_TRUE(own_list.ok());
  EXPECT_TRUE(in_any_range(own_list.config->server.metrics_allow, "10.1.2.3"));
}

TEST(ConfigTor, TheSampleSectionLoads) {
  LoadResult result = load_with_aisbf(R"({"tor": {"enabled": true, "control_port": 9151, "control_host": "127.0.0.1",
    "control_password": "pw \"quoted\"", "hidden_service_dir": "~/.aisbf/tor", "hidden_service_port": 8080,
    "socks_port": 9150, "socks_host": "127.0.0.2"}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const TorConfig& tor = result.config->tor;
  EXPECT_TRUE(tor.enabled);
  EXPECT_EQ(tor.control_port, 9151);
  EXPECT_EQ(tor.control_password, "pw \"quoted\"");
  EXPECT_EQ(tor.hidden_service_dir, "~/.aisbf/tor");
  EXPECT_EQ(tor.hidden_service_port, 8080);
  EXPECT_EQ(tor.socks_host, "127.0.0.2");
  EXPECT_EQ(tor.socks_port, 9150);
}

TEST(ConfigTor, BadValuesAreErrorsNamingTheField) {
  for (const char* text : {R"({"tor": {"control_port": 0}})", R"({"tor": {"hidden_service_port": 70000}})",
                           R"({"tor": {"control_host": ""}})", R"({"tor": {"control_password": "a\nb"}})",
                           R"({"tor": {"socks_port": "9050"}})", R"({"tor": {"socks_host": "tor.example"}})"}) {
    LoadResult result = load_with_aisbf(text);
    EXPECT_FALSE(result.ok()) << text;
    bool named = false;
    for (const auto& d : result.diagnostics) named = named || d.json_path.starts_with("tor.");
    EXPECT_TRUE(named) << text << testing::PrintToString(formatted(result.diagnostics));
  }
}

TEST(ConfigTor, ProxyTorTakesTorsSocksPort) {
  LoadResult result =
      load_with(R"({"tor": {"socks_host": "127.0.0.3", "socks_port": 9999}})", provider_with_proxy(R"("tor")"));
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const auto& proxy = result.config->providers.front().proxy;
  ASSERT_TRUE(proxy.has_value());
  EXPECT_EQ(proxy->host, "127.0.0.3");
  EXPECT_EQ(proxy->port, 9999);
  EXPECT_TRUE(proxy->tor);
}

TEST(ConfigTor, ProxySocksUrls) {
  for (auto [text, host, port] : {std::tuple{R"("socks5://127.0.0.1:1080")", "127.0.0.1", 1080},
                                  std::tuple{R"("socks5h://[::1]:9050/")", "::1", 9050},
                                  std::tuple{R"("socks5://localhost:9150")", "localhost", 9150}}) {
    LoadResult result = load_with("{}", provider_with_proxy(text));
    ASSERT_TRUE(result.ok()) << text << testing::PrintToString(formatted(result.diagnostics));
    const auto& proxy = result.config->providers.front().proxy;
    ASSERT_TRUE(proxy.has_value());
    EXPECT_EQ(proxy->host, host);
    EXPECT_EQ(proxy->port, port);
    EXPECT_FALSE(proxy->tor);
  }
  EXPECT_FALSE(load_with("{}", provider_with_proxy(R"("")")).config->providers.front().proxy.has_value());
}

TEST(ConfigTor, BadProxiesAreErrors) {
  for (const char* text :
       {R"("http://127.0.0.1:8080")", R"("socks5://127.0.0.1")", R"("socks5://h:0")", R"("socks5://user@h:1")",
        R"("TOR")", R"(12)", R"("socks5://proxy.example:1080")", R"("socks5://10.0.0.0/8:1")"}) {
    LoadResult result = load_with("{}", provider_with_proxy(text));
    EXPECT_FALSE(result.ok()) << text;
    bool named = false;
    for (const auto& d : result.diagnostics) named = named || d.json_path == "providers.openai.proxy";
    EXPECT_TRUE(named) << text << testing::PrintToString(formatted(result.diagnostics));
  }
}

}  // namespace
}  // namespace aisbf::config_test
