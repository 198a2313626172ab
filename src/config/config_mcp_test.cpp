// aisbf.json `mcp` (AISBF's switch and token lists, our session bounds)
// and `server.cors_origins`, which the MCP routes' Origin check reads.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

bool mentions(const LoadResult& r, std::string_view part) {
  for (const auto& line : formatted(r.diagnostics)) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(ConfigMcp, OffWithNoTokensByDefault) {
  LoadResult result = load_with_aisbf("{}");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const McpConfig& m = result.config->mcp;
  EXPECT_FALSE(m.enabled);
  EXPECT_TRUE(m.autoselect_tokens.empty());
  EXPECT_TRUE(m.fullconfig_tokens.empty());
  EXPECT_EQ(m.session_idle_timeout, std::chrono::milliseconds(3'600'000));
  EXPECT_EQ(m.max_sessions, 1'000u);
  EXPECT_TRUE(result.config->server.cors_origins.empty());
}

TEST(ConfigMcp, ReadsAisbfKeysAndOurs) {
  LoadResult result = load_with_aisbf(R"({"mcp": {"enabled": true, "autoselect_tokens": ["a1", "a2"],
      "fullconfig_tokens": ["f1"], "session_idle_timeout": 2.5, "max_sessions": 7},
      "server": {"cors_origins": ["HTTPS://App.Example", "http://localhost:3000"]}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const McpConfig& m = result.config->mcp;
  EXPECT_TRUE(m.enabled);
  EXPECT_EQ(m.autoselect_tokens, (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(m.fullconfig_tokens, (std::vector<std::string>{"f1"}));
  EXPECT_EQ(m.session_idle_timeout, std::chrono::milliseconds(2'500));
  EXPECT_EQ(m.max_sessions, 7u);
  EXPECT_EQ(result.config->server.cors_origins,
            (std::vector<std::string>{"https://app.example", "http://localhost:3000"}));
}

TEST(ConfigMcp, BadValuesAreErrorsNamingThePath) {
  EXPECT_TRUE(mentions(load_with_aisbf(R"({"mcp": {"autoselect_tokens": [""]}})"),
                       "mcp.autoselect_tokens[0]: must not be empty"));
  EXPECT_TRUE(mentions(load_with_aisbf(R"({"mcp": {"fullconfig_tokens": ["tok\n"]}})"), "mcp.fullconfig_tokens[0]"));
  EXPECT_TRUE(mentions(load_with_aisbf(R"({"mcp": {"max_sessions": 0}})"), "mcp.max_sessions"));
  EXPECT_TRUE(mentions(load_with_aisbf(R"({"mcp": {"session_idle_timeout": 0}})"), "mcp.session_idle_timeout"));
  EXPECT_TRUE(mentions(load_with_aisbf(R"({"mcp": {"tokens": []}})"), "mcp.tokens"));
  EXPECT_TRUE(mentions(load_with_aisbf(R"({"server": {"cors_origins": ["app.example"]}})"), "server.cors_origins[0]"));
  EXPECT_TRUE(mentions(load_with_aisbf(R"({"server": {"cors_origins": ["https://a.example/path"]}})"),
                       "server.cors_origins[0]"));
  EXPECT_FALSE(load_with_aisbf(R"({"mcp": {"autoselect_tokens": [""]}})").ok());
}

}  // namespace
}  // namespace aisbf::config_test
