#include "auth/token_auth.hpp"

#include <gtest/gtest.h>

#include "auth/policy.hpp"

namespace aisbf::auth {
namespace {

AuthConfig tokens_on() { return AuthConfig{true, {"t0", "t1"}}; }

TEST(Authenticate, AuthOffMeansAnonymous) {
  auto a = authenticate(AuthConfig{false, {"t0"}}, {"Bearer t0", ""});
  EXPECT_EQ(a.principal.kind, PrincipalKind::anonymous);
  EXPECT_EQ(a.credential, Credential::absent);
}

TEST(Authenticate, GlobalTokens) {
  auto a = authenticate(tokens_on(), {"Bearer t1", ""});
  EXPECT_EQ(a.credential, Credential::accepted);
  EXPECT_EQ(a.principal.kind, PrincipalKind::global_token);
  EXPECT_EQ(a.principal.role, Role::admin);
  EXPECT_EQ(a.principal.token_id, "auth.tokens[1]");
  EXPECT_TRUE(a.principal.config_namespace().empty());
  EXPECT_EQ(authenticate(tokens_on(), {"bearer  t0 ", ""}).principal.token_id, "auth.tokens[0]");
  EXPECT_EQ(authenticate(tokens_on(), {"", "t0"}).credential, Credential::accepted);  // x-api-key
  EXPECT_EQ(authenticate(tokens_on(), {"Bearer t1", "nope"}).credential, Credential::accepted);
  EXPECT_EQ(authenticate(tokens_on(), {"Bearer t1x", ""}).credential, Credential::rejected);
  EXPECT_EQ(authenticate(tokens_on(), {"t1", ""}).credential, Credential::absent);  // not a Bearer
  EXPECT_EQ(authenticate(tokens_on(), {"", ""}).credential, Credential::absent);
  EXPECT_EQ(authenticate(AuthConfig{true, {""}}, {"Bearer ", ""}).credential, Credential::absent);
}

TEST(Policy, AuthOffAdmitsTheAnonymousOperatorButNotOnUserRoutes) {
  const Principal anon;
  for (auto p : {AuthPolicy::public_route, AuthPolicy::gateway_token, AuthPolicy::admin, AuthPolicy::session_csrf})
    EXPECT_EQ(check_policy(p, anon, false), PolicyVerdict::allow) << policy_name(p);
  EXPECT_EQ(check_policy(AuthPolicy::user, anon, false), PolicyVerdict::unauthenticated);
  // Credentials sent are judged by what they are, auth on or off.
  Principal user{PrincipalKind::user_token, Role::user, "u1", "tok"};
  EXPECT_EQ(check_policy(AuthPolicy::user, user, false), PolicyVerdict::allow);
  EXPECT_EQ(check_policy(AuthPolicy::admin, user, false), PolicyVerdict::forbidden);
}

TEST(Policy, AuthOn) {
  const Principal anon;
  Principal global{PrincipalKind::global_token, Role::admin, "", "auth.tokens[0]"};
  Principal user{PrincipalKind::user_token, Role::user, "u1", "tok"};
  Principal admin_user{PrincipalKind::session, Role::admin, "u2", "sess"};
  EXPECT_EQ(check_policy(AuthPolicy::public_route, anon, true), PolicyVerdict::allow);
  EXPECT_EQ(check_policy(AuthPolicy::gateway_token, anon, true), PolicyVerdict::unauthenticated);
  EXPECT_EQ(check_policy(AuthPolicy::admin, anon, true), PolicyVerdict::unauthenticated);
  EXPECT_EQ(check_policy(AuthPolicy::gateway_token, global, true), PolicyVerdict::allow);
  EXPECT_EQ(check_policy(AuthPolicy::admin, global, true), PolicyVerdict::allow);
  EXPECT_EQ(check_policy(AuthPolicy::user, global, true), PolicyVerdict::forbidden);
  EXPECT_EQ(check_policy(AuthPolicy::user, user, true), PolicyVerdict::allow);
  EXPECT_EQ(check_policy(AuthPolicy::admin, user, true), PolicyVerdict::forbidden);
  EXPECT_EQ(check_policy(AuthPolicy::admin, admin_user, true), PolicyVerdict::allow);
  EXPECT_EQ(check_policy(AuthPolicy::session_csrf, user, true), PolicyVerdict::forbidden);
  EXPECT_EQ(check_policy(AuthPolicy::session_csrf, admin_user, true), PolicyVerdict::allow);
  EXPECT_EQ(user.config_namespace(), "u1");
}

}  // namespace
}  // namespace aisbf::auth
