#include "mcp/access.hpp"

#include "auth/api_tokens.hpp"

namespace aisbf::mcp {

namespace {

// Every token is compared (no early exit), so the time says nothing of
// which list, or which position, matched.
bool in_list(const std::vector<std::string>& tokens, std::string_view token) {
  bool found = false;
  for (const auto& t : tokens) found = auth::constant_time_equal(token, t) || found;
  return found;
}

}  // namespace

const char* level_name(Level level) {
  switch (level) {
    case Level::none: return "none";
    case Level::autoselect: return "autoselect";
    case Level::fullconfig: return "fullconfig";
  }
  return "?";
}

Level token_level(const McpConfig& mcp, std::string_view token) {
  if (token.empty()) return Level::none;
  const bool full = in_list(mcp.fullconfig_tokens, token);
  const bool autoselect = in_list(mcp.autoselect_tokens, token);
  return full ? Level::fullconfig : autoselect ? Level::autoselect : Level::none;
}

Caller caller_of(const Config& config, std::string_view bearer, const auth::Principal& principal) {
  Caller caller;
  if (const Level level = token_level(config.mcp, bearer); level != Level::none) {
    caller.level = level;
    caller.owner = "mcp:" + auth::sha256_hex(bearer);
    caller.mcp_token = true;
    return caller;
  }
  switch (principal.kind) {
    case auth::PrincipalKind::global_token:
      caller.level = Level::fullconfig;
      // The token's hash, not its place in auth.tokens (after an edit of
      // the list another token would hold that place); the place only
      // when it came in another header than Authorization.
      caller.owner = "gateway:" + (bearer.empty() ? principal.token_id : auth::sha256_hex(bearer));
      break;
    case auth::PrincipalKind::user_token:
    case auth::PrincipalKind::session:
      caller.level = principal.role == auth::Role::admin ? Level::fullconfig : Level::autoselect;
      caller.namespace_user = principal.user_id;
      caller.owner = "user:" + principal.user_id;
      break;
    case auth::PrincipalKind::anonymous:
      // Admission let an anonymous caller through only with auth off: the
      // operator on loopback, who has every right.
      caller.level = config.auth.enabled ? Level::none : Level::fullconfig;
      caller.owner = "anonymous";
      break;
  }
  return caller;
}

}  // namespace aisbf::mcp
