#include "auth/policy.hpp"

namespace aisbf::auth {

namespace {

bool is_user(const Principal& p) { return p.kind == PrincipalKind::user_token || p.kind == PrincipalKind::session; }

}  // namespace

PolicyVerdict check_policy(AuthPolicy policy, const Principal& principal, bool auth_enabled) {
  if (policy == AuthPolicy::public_route) return PolicyVerdict::allow;
  if (!principal.authenticated()) {
    // Auth off: the anonymous caller is the operator on loopback, with every
    // right but a user's own routes, which need to know the user.
    if (!auth_enabled && policy != AuthPolicy::user) return PolicyVerdict::allow;
    return PolicyVerdict::unauthenticated;
  }
  switch (policy) {
    case AuthPolicy::public_route:
    case AuthPolicy::gateway_token:
    case AuthPolicy::mcp:
      return PolicyVerdict::allow;
    case AuthPolicy::user:
      return is_user(principal) ? PolicyVerdict::allow : PolicyVerdict::forbidden;
    case AuthPolicy::admin:
      return principal.kind == PrincipalKind::global_token || principal.role == Role::admin ? PolicyVerdict::allow
                                                                                             : PolicyVerdict::forbidden;
    case AuthPolicy::session_csrf:
      // Only a session can carry a CSRF token; the route checks the token itself.
      return principal.kind == PrincipalKind::session ? PolicyVerdict::allow : PolicyVerdict::forbidden;
  }
  return PolicyVerdict::forbidden;
}

const char* policy_name(AuthPolicy policy) {
  switch (policy) {
    case AuthPolicy::public_route: return "public";
    case AuthPolicy::gateway_token: return "gateway_token";
    case AuthPolicy::user: return "user";
    case AuthPolicy::admin: return "admin";
    case AuthPolicy::session_csrf: return "session_csrf";
    case AuthPolicy::mcp: return "mcp";
  }
  return "?";
}

}  // namespace aisbf::auth
