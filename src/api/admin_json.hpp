// JSON views for the admin routes: the rotations with their resolved
// candidates, and the health and limits state every worker shares.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/json/object.hpp>

#include "config/config.hpp"
#include "limits/adaptive.hpp"
#include "limits/spacing.hpp"
#include "limits/token_windows.hpp"
#include "ops/tor_state.hpp"
#include "routing/health.hpp"
#include "routing/rotation.hpp"

namespace aisbf::api {

// GET /api/rotations: {"object":"list","data":[{"id","object":"rotation",
// "model_name","notifyerrors","candidates":[{"provider","model","weight"}]}]}
std::string rotations_list_json(const routing::RoutingTable& table);

// What the account index did: store lookups of user tokens it did not
// know, its full refreshes, and the unknown tokens it remembers (bounded).
struct AccountCounters {
  std::uint64_t token_store_lookups = 0, index_loads = 0;
  std::size_t unknown_tokens = 0, max_unknown_tokens = 0;
};

struct HealthViews {
  const routing::HealthStore& health;
  const limits::AdaptiveLimits& adaptive;
  const limits::RequestSpacing& spacing;
  const limits::TokenWindows& tokens;
  const AccountCounters* accounts = nullptr;  // none without a user store
};
// GET /api/admin/health: {"health":[…],"rate_limits":[…],"spacing":[…],"tokens":[…],
// "tracked":{"health"|"rate_limits"|"spacing"|"tokens":{"keys","max_keys","evicted","refused"}},
// "accounts"?:{"token_store_lookups","index_loads","unknown_tokens","max_unknown_tokens"}}
// (durations in seconds).
std::string health_json(const HealthViews& views, limits::TimePoint now);

// GET /api/admin/tor and the MCP tool get_tor_status (one object):
// {"enabled": the service was started, "configured": the snapshot's
// tor.enabled, "state": disabled|starting|running|error, "hidden_service":
// "<id>.onion" or null, "port", "target", "persistent", "control",
// "tor_version", "connects", "last_error", "message"}. No secret: the control
// password and the onion key never appear.
boost::json::object tor_status(const TorConfig& config, const ops::TorState& state);

}  // namespace aisbf::api
