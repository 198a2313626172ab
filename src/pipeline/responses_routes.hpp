// The OpenAI Responses routes (issue 14; docs/responses-api.md): the POST
// door, which continues a stored conversation (previous_response_id) by
// rewriting the request body before the pipeline decodes or forwards it,
// and keeps the answer the client got (unless `store: false`); and GET,
// DELETE and GET …/input_items of a kept response. Every route works in the
// caller's namespace (a user token's user; the global one for global
// tokens); the /api/user/… and /api/u/{username}/… rows enter the route's
// namespace first. Another namespace's id is a 404, never a 403.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/routes.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class App;

namespace responses_routes {

using boost::asio::awaitable;
using api::RouteMatch;

// GET /v1/responses/{id} (and /api/v1/…): the response object as it was answered.
awaitable<void> get(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
// DELETE: 200 {"id", "object": "response", "deleted": true}, or 404.
awaitable<void> remove(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
// GET …/{id}/input_items: the conversation it answered, a page at a time.
awaitable<void> input_items(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
// The same in /api/user/… and /api/u/{username}/… (the namespace checked first).
awaitable<void> user_get(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> user_remove(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> user_input_items(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);

}  // namespace responses_routes
}  // namespace aisbf
