// The route table: every route the gateway serves, as data (api::RouteSpec:
// methods, path pattern, auth policy, client format, body rule) with its
// handler. Adding a route is adding a row in route_table.cpp. The router,
// check-config's reserved words and the OpenAPI document to come read it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "api/routes.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class App;

// Plain functions (not coroutines where they only hand over another's
// awaitable, so no extra frame on the chat path). `match` holds the decoded
// path parameters; it outlives the awaitable.
using RouteHandler = boost::asio::awaitable<void> (*)(App& app, http::Exchange& ex, RequestContext& ctx,
                                                      const api::RouteMatch& match);

struct Route {
  api::RouteSpec spec;
  RouteHandler handler = nullptr;
};

std::span<const Route> route_table();
// The matcher compiled from route_table() (once); match.route indexes route_table().
const api::RouteMatcher& route_matcher();

// Ids a provider, rotation or autoselect cannot take, because /api/{id}/…
// would collide with a route: the words of route_table() after "/api/",
// and those of AISBF's routes not served yet (so a config written today
// keeps working when they come).
std::vector<std::string_view> reserved_route_words();

IngressFormat ingress_format(api::ClientFormat format);

// GET /api/admin/health's body (health, cooldowns, learned limits, spacing,
// token windows, accounts), also MCP's get_provider_health.
std::string health_report_json(App& app);

}  // namespace aisbf
