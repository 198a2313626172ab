// Who may do what over MCP, in AISBF's levels: `mcp.autoselect_tokens` may
// list and use models, `mcp.fullconfig_tokens` may also read the gateway's
// state (and, with later tools, change its configuration). These tokens
// work on /mcp alone, gateway tokens or not. A global gateway token counts
// as full config; a user's token or session is confined to the user's
// namespace (full config for an admin). Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/principal.hpp"
#include "config/config.hpp"

namespace aisbf::mcp {

enum class Level : std::uint8_t { none, autoselect, fullconfig };

const char* level_name(Level level);

// The level a bearer token has by `mcp`'s own lists (none when in neither).
// Constant time per configured token.
Level token_level(const McpConfig& mcp, std::string_view token);

struct Caller {
  Level level = Level::none;
  // The namespace model ids resolve in: a user's own (user token or
  // session), empty for the global one.
  std::string namespace_user;
  bool is_user() const { return !namespace_user.empty(); }
  // Whom a session belongs to: a session id is only good for the caller
  // that opened it. Never the credential itself.
  std::string owner;
  // One of mcp's own tokens: it opens /mcp only, so it may not change who
  // may call the gateway (set_server_config refuses auth, mcp, dashboard).
  bool mcp_token = false;
};

// `bearer`: the request's bearer token (empty when none); `principal`: who
// the gateway's own auth found. With auth off an anonymous caller is the
// operator on loopback: full config.
Caller caller_of(const Config& config, std::string_view bearer, const auth::Principal& principal);

}  // namespace aisbf::mcp
