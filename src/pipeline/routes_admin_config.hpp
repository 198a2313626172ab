// Handlers of the admin config API (rows in route_table.cpp): the global
// providers, rotations and autoselects one entry at a time, aisbf.json's
// settings, the condensation settings, the prompt files, and the OpenAPI
// document. An edit reads the files, changes one, runs the loaders over the
// result (400 with every diagnostic, nothing written), writes it atomically
// and swaps the snapshot, all under the reload mutex (App::run_exclusive).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/routes.hpp"
#include "config/config_edit.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class App;

namespace admin_config {

using boost::asio::awaitable;
using api::RouteMatch;

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
