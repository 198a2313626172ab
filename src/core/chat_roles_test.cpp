// The role table both ways: every role's name parses back to it.
#include "core/chat_roles.hpp"

#include <gtest/gtest.h>

namespace aisbf {
namespace {

TEST(ChatRoles, EveryNameParsesBackToItsRole) {
  for (Role r : {Role::system, Role::developer, Role::user, Role::assistant, Role::tool}) {
    EXPECT_EQ(parse_role(role_name(r)), r) << role_name(r);
  }
  EXPECT_EQ(role_name(Role::assistant), "assistant");
  EXPECT_EQ(parse_role("function"), Role::tool);
  EXPECT_FALSE(parse_role("Assistant"));
  EXPECT_FALSE(parse_role(""));
  static_assert(role_name(Role::developer) == "developer");
}

}  // namespace
}  // namespace aisbf
