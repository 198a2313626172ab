#include "auth/request_auth.hpp"

#include <gtest/gtest.h>

#include "auth/account_index.hpp"
#include "auth/api_tokens.hpp"

namespace aisbf::auth {
namespace {

TEST(RequestAuth, CookieValue) {
  EXPECT_EQ(cookie_value("aisbf_session=abc", "aisbf_session"), "abc");
  EXPECT_EQ(cookie_value("a=1; aisbf_session=abc; b=2", "aisbf_session"), "abc");
  EXPECT_EQ(cookie_value("a=1;aisbf_session=\"abc\"", "aisbf_session"), "abc");
  EXPECT_EQ(cookie_value("xaisbf_session=abc; aisbf_sessionx=d", "aisbf_session"), "");
  EXPECT_EQ(cookie_value("aisbf_session", "aisbf_session"), "");
  EXPECT_EQ(cookie_value("", "aisbf_session"), "");
}

TEST(RequestAuth, ShapesAndMethods) {
  EXPECT_TRUE(looks_like_session_cookie(std::string(64, 'a')));
  EXPECT_FALSE(looks_like_session_cookie(std::string(64, 'A')));
  EXPECT_FALSE(looks_like_session_cookie(std::string(63, 'a')));
  for (auto m : {"POST", "PUT", "PATCH", "DELETE"}) EXPECT_TRUE(is_state_changing_method(m)) << m;
  for (auto m : {"GET", "HEAD", "OPTIONS"}) EXPECT_FALSE(is_state_changing_method(m)) << m;
  EXPECT_TRUE(csrf_matches("abc", "abc"));
  EXPECT_FALSE(csrf_matches("abc", "abd"));
  EXPECT_FALSE(csrf_matches("abc", "ab"));
  EXPECT_FALSE(csrf_matches("", ""));  // a session without a CSRF token never passes
}

struct Fixture : ::testing::Test {
  AccountIndex index;
  std::string token = generate_api_token().token;
  std::string cookie = random_hex(32);
  const store::UnixMs now = 1'000'000;

  void SetUp() override {
    store::User alice{"alice", store::UserRole::user, true, false, "", "{}", 1, 0};
    store::ApiToken t{"tok_1", "alice", sha256_hex(token), "", "{}", 1, 0, 0, true};
    store::Session s{sha256_hex(cookie), "alice", "csrf-1", 1, now + 1000};
    index.load(std::vector{alice}, std::vector{t}, std::vector{s});
  }
};

TEST_F(Fixture, UserTokensAndSessionsAreReadEvenWithAuthOff) {
  const AuthConfig off{false, {}};
  const std::string header = "Bearer " + token;
  RequestAuth a;
  authenticate_bearer(off, {header, ""}, &index, now, a);
  EXPECT_EQ(a.credential, Credential::accepted);
  EXPECT_EQ(a.principal.kind, PrincipalKind::user_token);
  EXPECT_EQ(a.principal.user_id, "alice");
  RequestAuth s;
  authenticate_cookie("aisbf_session=" + cookie, &index, now, s);
  EXPECT_EQ(s.principal.kind, PrincipalKind::session);
  EXPECT_EQ(s.csrf_token, "csrf-1");
}

TEST_F(Fixture, GlobalTokensFirstThenUnknownIsPendingAndRevokedIsRejected) {
  const AuthConfig on{true, {"g0"}};
  RequestAuth g;
  authenticate_bearer(on, {"Bearer g0", ""}, &index, now, g);
  EXPECT_EQ(g.principal.kind, PrincipalKind::global_token);
  EXPECT_EQ(g.token_index, 0);
  RequestAuth unknown;
  const std::string other = "Bearer " + generate_api_token().token;
  authenticate_bearer(on, {other, ""}, &index, now, unknown);
  EXPECT_EQ(unknown.pending, Pending::user_token);
  EXPECT_FALSE(unknown.principal.authenticated());
  index.put_user(store::User{"alice", store::UserRole::user, false, false, "", "{}", 1, 0});  // deactivated
  RequestAuth revoked;
  const std::string header = "Bearer " + token;
  authenticate_bearer(on, {header, ""}, &index, now, revoked);
  EXPECT_EQ(revoked.credential, Credential::rejected);
  RequestAuth bad_cookie;
  authenticate_cookie("aisbf_session=nothex", &index, now, bad_cookie);
  EXPECT_EQ(bad_cookie.credential, Credential::rejected);
  RequestAuth new_cookie;
  authenticate_cookie("aisbf_session=" + random_hex(32), &index, now, new_cookie);
  EXPECT_EQ(new_cookie.pending, Pending::session);
}

// A user token's prefix and length with a digit no token has: never asked
// of the store (not pending); judged as any other unknown token.
TEST_F(Fixture, AMalformedUserTokenIsNotPending) {
  const std::string malformed = "Bearer aisbf_" + std::string(42, 'A') + "-";
  RequestAuth on;
  authenticate_bearer({true, {"g0"}}, {malformed, ""}, &index, now, on);
  EXPECT_EQ(on.pending, Pending::none);
  EXPECT_EQ(on.credential, Credential::rejected);
  RequestAuth off;
  authenticate_bearer({false, {}}, {malformed, ""}, &index, now, off);
  EXPECT_EQ(off.pending, Pending::none);
  EXPECT_FALSE(off.principal.authenticated());
  // The known token's digits are not checked again: found from the index.
  RequestAuth known;
  const std::string header = "Bearer " + token;
  authenticate_bearer({true, {"g0"}}, {header, ""}, &index, now, known);
  EXPECT_EQ(known.credential, Credential::accepted);
  EXPECT_EQ(known.principal.token_id, "tok_1");
}

}  // namespace
}  // namespace aisbf::auth
