// AccountIndex::remove_sessions_of: a password, role or active change ends
// the user's other sessions in memory at once. (Apart from
// account_index_test.cpp, whose token lookup changes independently.)
#include <gtest/gtest.h>

#include "auth/account_index.hpp"
#include "auth/api_tokens.hpp"

namespace aisbf::auth {
namespace {

constexpr store::UnixMs kNow = 1'700'000'000'000;

store::Session session(const std::string& cookie, std::string owner) {
  return store::Session{sha256_hex(cookie), std::move(owner), "csrf", kNow, kNow + 60'000};
}

TEST(AccountIndexSessions, RemovesAUsersSessionsButTheOneKept) {
  AccountIndex index;
  for (const char* name : {"alice", "bob"}) {
    store::User u;
    u.username = name;
    index.put_user(u);
  }
  for (const char* c : {"a1", "a2", "a3"}) index.put_session(session(c, "alice"));
  index.put_session(session("b1", "bob"));

  index.remove_sessions_of("alice", sha256_hex("a2"));
  EXPECT_EQ(index.find_session("a1", kNow).first, Lookup::unknown);
  EXPECT_EQ(index.find_session("a2", kNow).first, Lookup::found);
  EXPECT_EQ(index.find_session("a3", kNow).first, Lookup::unknown);
  EXPECT_EQ(index.find_session("b1", kNow).first, Lookup::found);

  index.remove_sessions_of("alice", "");
  EXPECT_EQ(index.find_session("a2", kNow).first, Lookup::unknown);
  EXPECT_EQ(index.find_session("b1", kNow).first, Lookup::found);
}

}  // namespace
}  // namespace aisbf::auth
