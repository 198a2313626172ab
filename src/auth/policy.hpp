// Route policies: what a route asks of its caller, and the verdict for a
// principal. Pure; the route table (pipeline/route_table.hpp) names a policy
// per route.
#pragma once

#include <cstdint>

#include "auth/principal.hpp"

namespace aisbf::auth {

enum class AuthPolicy : std::uint8_t {
  public_route,   // anyone (/health)
  gateway_token,  // any authenticated caller: global token, user token or session
  user,           // a user (user token or session); admins are users too
  admin,          // the operator (global token) or a user whose role is admin
  session_csrf,   // a dashboard session whose CSRF token matches (checked by the route)
  // MCP's routes: a gateway caller as for gateway_token, or one of
  // aisbf.json's mcp tokens (admission checks those first: policy.hpp does
  // not see the config), and only while mcp.enabled.
  mcp,
};

enum class PolicyVerdict : std::uint8_t {
  allow,
  unauthenticated,  // 401: no or wrong credential
  forbidden,        // 403: a valid credential without the right
};

// `auth_enabled`: aisbf.json auth.enabled. With auth off an anonymous caller
// is the operator's loopback use (the Host check and the loopback-only listen
// rule guard that case): every policy admits it but `user`, which needs a
// user (401). A caller that sent credentials is judged by them, auth on or off.
PolicyVerdict check_policy(AuthPolicy policy, const Principal& principal, bool auth_enabled);

const char* policy_name(AuthPolicy policy);

}  // namespace aisbf::auth
