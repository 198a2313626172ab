// The dashboard's provider tools (rows in route_table.cpp):
//   GET  /api/admin/provider-presets                  any signed-in caller: the templates
//   POST /api/admin/providers/{id}/test               admin: a global provider
//   GET  /api/admin/providers/{id}/upstream-models
//   POST /api/admin/providers/{id}/upstream-models    (a draft in the body)
//   POST /api/user/providers/{id}/test                a user: one of their own
//   GET  /api/user/providers/{id}/upstream-models
//   POST /api/user/providers/{id}/upstream-models
// A POST without a body probes the saved provider; with {"provider": {…}} it
// probes that unsaved draft under the id (validated by the loader a save
// uses: a 400 names the field; a masked key sent back is the saved one's,
// only while the draft goes where the saved entry goes: provider_key_guard.hpp).
// A GET with a body is refused (a draft is a POST's, which admission holds
// to the Origin, CSRF and JSON checks). Two probes run at once per namespace
// (a user's; the gateway's for the admin routes); a third is 429
// `probes_busy` with Retry-After.
// A user's provider keeps the private-address rule at connect time. The test
// answers 200 with the report whatever the upstream did (errors are values);
// the model list answers the upstream's failure as an error.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/routes.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class App;

namespace provider_routes {

using api::RouteMatch;
using boost::asio::awaitable;

awaitable<void> presets(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> admin_test(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> admin_upstream_models(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> user_test(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> user_upstream_models(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);

}  // namespace provider_routes
}  // namespace aisbf
