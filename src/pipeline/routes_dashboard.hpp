// The dashboard's web app (rows in route_table.cpp, all public: the app
// and its assets need no credential; every API call it makes does):
// GET /dashboard, /dashboard/assets/{file*} and /dashboard/{path*}, served
// from the files embedded at build time (dashboard/assets.hpp). 404 while
// aisbf.json dashboard.enabled is false. Every answer, errors included,
// carries the dashboard's security headers (CSP, X-Frame-Options, …); so
// do admission's refusals of a /dashboard path (App::check_head, App::handle).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/routes.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class App;

namespace dashboard_routes {

boost::asio::awaitable<void> serve(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);

}  // namespace dashboard_routes
}  // namespace aisbf
