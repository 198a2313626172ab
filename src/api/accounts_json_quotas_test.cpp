// The quota fields through the user PATCH body: a field the ledger would not
// understand is a 400 naming it, never stored.
#include <gtest/gtest.h>

#include "api/accounts_json.hpp"

namespace aisbf::api {
namespace {

TEST(AccountsJsonQuotas, PatchRefusesUnknownAndMistypedFields) {
  auto ok = parse_user_patch(R"({"quotas":{"requests_per_day":10,"cost_per_month":1.5}})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->quotas_json, R"({"requests_per_day":10,"cost_per_month":1.5E0})");
  auto unknown = parse_user_patch(R"({"quotas":{"rpm":5}})");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().status, 400);
  EXPECT_EQ(unknown.error().param, "quotas.rpm");
  auto mistyped = parse_user_patch(R"({"quotas":{"tokens_per_day":"lots"}})");
  ASSERT_FALSE(mistyped);
  EXPECT_EQ(mistyped.error().param, "quotas.tokens_per_day");
}

}  // namespace
}  // namespace aisbf::api
