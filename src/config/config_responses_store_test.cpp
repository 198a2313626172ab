// aisbf.json `responses` (stored OpenAI Responses): defaults, the values
// read from the snapshot, and what a load refuses.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_test_util.hpp"
#include "config/responses_store.hpp"

namespace aisbf::config_test {
namespace {

const std::string kA = "error: aisbf.json: ";

TEST(ConfigResponsesStore, DefaultsAreOpenAIs) {
  LoadResult result = load_with_aisbf("{}");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  const auto settings = responses_store_config(*result.config);
  EXPECT_EQ(settings.ttl, std::chrono::hours(24 * 30));
  EXPECT_EQ(settings.max_stored, 100'000u);
}

TEST(ConfigResponsesStore, ReadsBothKeys) {
  LoadResult result = load_with_aisbf(R"({"responses": {"store_ttl_seconds": 2, "max_stored": 7}})");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(formatted(result.diagnostics));
  EXPECT_TRUE(result.diagnostics.empty()) << testing::PrintToString(formatted(result.diagnostics));
  const auto settings = responses_store_config(*result.config);
  EXPECT_EQ(settings.ttl, std::chrono::seconds(2));
  EXPECT_EQ(settings.max_stored, 7u);
}

TEST(ConfigResponsesStore, RefusesWhatCannotBeKept) {
  LoadResult result = load_with_aisbf(R"({"responses": {"store_ttl_seconds": 0, "max_stored": "many"}})");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(formatted(result.diagnostics),
            (std::vector<std::string>{kA + "responses.max_stored: expected an integer, got string",
                                      kA + "responses.store_ttl_seconds: must be between 1 and 315360000"}));
}

}  // namespace
}  // namespace aisbf::config_test
