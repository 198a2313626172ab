// aisbf.json `server.trusted_proxies`: the reverse proxies whose
// X-Forwarded-Prefix the dashboard believes.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

TEST(ConfigTrustedProxies, NoneByDefault) {
  LoadResult result = load_with_aisbf("{}");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  EXPECT_TRUE(result.config->server.trusted_proxies.empty());
}

TEST(ConfigTrustedProxies, AddressesAndRanges) {
  LoadResult result = load_with_aisbf(R"({"server": {"trusted_proxies": ["127.0.0.1", "10.0.0.0/8", "::1"]}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const auto& list = result.config->server.trusted_proxies;
  ASSERT_EQ(list.size(), 3u);
  EXPECT_TRUE(in_any_range(list, "10.2.3.4"));
  EXPECT_TRUE(in_any_range(list, "::1"));
  EXPECT_FALSE(in_any_range(list, "192.168.1.1"));
}

TEST(ConfigTrustedProxies, ABadEntryIsAnErrorNamingIt) {
  for (const char* text : {R"({"server": {"trusted_proxies": ["proxy.example"]}})",
                           R"({"server": {"trusted_proxies": ["127.0.0.1", "10.0.0.1/8"]}})",
                           R"({"server": {"trusted_proxies": [12]}})"}) {
    LoadResult result = load_with_aisbf(text);
    EXPECT_FALSE(result.ok()) << text;
    bool named = false;
    for (const auto& line : formatted(result.diagnostics))
      named = named || line.find("server.trusted_proxies") != std::string::npos;
    EXPECT_TRUE(named) << text << ": " << testing::PrintToString(formatted(result.diagnostics));
  }
}

}  // namespace
}  // namespace aisbf::config_test
