// Handlers of the admin config API (rows in route_table.cpp): the global
// providers, rotations and autoselects one entry at a time, aisbf.json's
// settings, the condensation settings, the prompt files, and the OpenAPI
// document. An edit reads the files, changes one, runs the loaders over the
// result (400 with every diagnostic, nothing written), writes it atomically
// and swaps the snapshot, all under the reload mutex (App::run_exclusive).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "api/routes.hpp"
#include "config/config_edit.hpp"
#include "core/gateway_error.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class App;

namespace admin_config {

using boost::asio::awaitable;
using api::RouteMatch;

// What the admin API answers, without HTTP (the routes send it; MCP's
// config tools read it): a JSON body and its status, or an error.
struct Answer {
  int status = 500;
  std::string body;
  std::optional<GatewayError> error;
};

// GET /api/admin/{kind}s/{id} (secrets masked).
Answer read_entry(const Config& config, EntryKind kind, std::string_view id);
// PUT: the body as the entry (its `id`, when sent, must be `id`), validated
// as a reload would, written atomically, the snapshot swapped.
awaitable<Answer> write_entry(App& app, EntryKind kind, std::string id, boost::json::object body);
// DELETE: 204 with no body.
awaitable<Answer> remove_entry(App& app, EntryKind kind, std::string id);
// GET /api/admin/settings's body (secrets masked), with `restart_required`:
// the start-only settings written since the server started.
std::string settings_body(const App& app, const Config& config);
// PUT /api/admin/settings.
awaitable<Answer> write_settings(App& app, boost::json::object body);

template <EntryKind K>
awaitable<void> list_entries(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
template <EntryKind K>
awaitable<void> get_entry(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
template <EntryKind K>
awaitable<void> put_entry(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
template <EntryKind K>
awaitable<void> delete_entry(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);

awaitable<void> get_settings(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> put_settings(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> get_condensation(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> put_condensation(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> get_prompt(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> put_prompt(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);

// GET /api/openapi.json (public): the document embedded at build time.
awaitable<void> openapi(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);

}  // namespace admin_config
}  // namespace aisbf
