// The response cache's admin routes (rows in route_table.cpp): its stats,
// and a clear of every entry or of those of a namespace, provider or model.
// Served at /api/admin/cache/… and at AISBF's /dashboard/response-cache/….
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "api/routes.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class App;

namespace cache_routes {

// The stats as an object (also MCP's get_cache_stats).
boost::asio::awaitable<boost::json::object> stats_json(App& app, const RequestContext& ctx);
// GET: {"backend","hits","misses","hit_rate","evictions","bytes","entries","coalesced"}.
boost::asio::awaitable<void> stats(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);
// POST, optional body {"namespace","provider","model"}: {"cleared": n}.
boost::asio::awaitable<void> clear(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);

}  // namespace cache_routes
}  // namespace aisbf
