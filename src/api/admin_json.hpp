// JSON views for the admin routes: the rotations with their resolved
// candidates, and the health and limits state every worker shares.
#pragma once

#include <string>

#include "limits/adaptive.hpp"
#include "limits/spacing.hpp"
#include "limits/token_windows.hpp"
#include "routing/health.hpp"
#include "routing/rotation.hpp"

namespace aisbf::api {

// GET /api/rotations: {"object":"list","data":[{"id","object":"rotation",
// "model_name","notifyerrors","candidates":[{"provider","model","weight"}]}]}
std::string rotations_list_json(const routing::RoutingTable& table);

struct HealthViews {
  const routing::HealthStore& health;
  const limits::AdaptiveLimits& adaptive;
  const limits::RequestSpacing& spacing;
  const limits::TokenWindows& tokens;
};
// GET /api/admin/health: {"health":[…],"rate_limits":[…],"spacing":[…],"tokens":[…],
// "tracked":{"health"|"rate_limits"|"spacing"|"tokens":{"keys","max_keys","evicted","refused"}}}
// (durations in seconds).
std::string health_json(const HealthViews& views, limits::TimePoint now);

}  // namespace aisbf::api
