// aisbf.json `media` (ours): the content proxy's switch and bounds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_test_util.hpp"

namespace aisbf::config_test {
namespace {

// Every diagnostic of loading `aisbf`, one per line.
std::string diagnostics_of(std::string_view aisbf) {
  std::string all;
  for (const auto& line : formatted(load_with_aisbf(aisbf).diagnostics)) (all += line) += '\n';
  return all;
}

TEST(ConfigMedia, OffByDefault) {
  const LoadResult result = load_with_aisbf(R"({"media": {}})");
  ASSERT_TRUE(result.ok());
  EXPECT_THAT(diagnostics_of(R"({"media": {}})"), testing::Not(testing::HasSubstr("media")));
  const MediaConfig& m = result.config->media;
  EXPECT_FALSE(m.proxy_urls);
  EXPECT_EQ(m.proxy_ttl, std::chrono::milliseconds(3'600'000));
  EXPECT_EQ(m.proxy_max_bytes, 50u * 1024 * 1024);
  EXPECT_EQ(m.proxy_max_entries, 10'000u);
}

TEST(ConfigMedia, ReadsItsKeys) {
  LoadResult result = load_with_aisbf(
      R"({"media": {"proxy_urls": true, "proxy_ttl": 1.5, "proxy_max_bytes": 1000, "proxy_max_entries": 7}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const MediaConfig& m = result.config->media;
  EXPECT_TRUE(m.proxy_urls);
  EXPECT_EQ(m.proxy_ttl, std::chrono::milliseconds(1'500));
  EXPECT_EQ(m.proxy_max_bytes, 1000u);
  EXPECT_EQ(m.proxy_max_entries, 7u);
}

TEST(ConfigMedia, RefusesBadValues) {
  using testing::HasSubstr;
  EXPECT_THAT(diagnostics_of(R"({"media": {"proxy_ttl": 0}})"), HasSubstr("media.proxy_ttl"));
  EXPECT_THAT(diagnostics_of(R"({"media": {"proxy_max_bytes": 0}})"), HasSubstr("media.proxy_max_bytes"));
  EXPECT_THAT(diagnostics_of(R"({"media": {"proxy_max_entries": 0}})"), HasSubstr("media.proxy_max_entries"));
  EXPECT_THAT(diagnostics_of(R"({"media": {"proxy_urls": "yes"}})"), HasSubstr("media.proxy_urls"));
  EXPECT_THAT(diagnostics_of(R"({"media": {"urls": true}})"), HasSubstr("media.urls"));
  EXPECT_FALSE(load_with_aisbf(R"({"media": {"proxy_ttl": -1}})").ok());
}

}  // namespace
}  // namespace aisbf::config_test
