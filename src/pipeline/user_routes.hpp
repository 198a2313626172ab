// Handlers of the user routes: /api/user/… (the token's own user) and
// /api/u/{username}/… (an explicit namespace: that user, admins and global
// tokens; anyone else 403, and a user that does not exist is a 404 only to
// admins and global tokens, so names cannot be probed). The rows are in
// route_table.cpp; the handlers and their helpers live here and in
// user_doc_writes.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "api/routes.hpp"
#include "core/expected.hpp"
#include "core/gateway_error.hpp"
#include "http/exchange.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/request_context.hpp"
#include "store/store.hpp"

namespace aisbf {

class App;

namespace user_routes {

using boost::asio::awaitable;
using api::RouteMatch;

// Sets ctx.namespace_user from the route ({username}, else the caller's own)
// after checking the caller may use it; with `need_view`, loads the view
// into ctx.user_view. The error to answer otherwise.
awaitable<std::optional<GatewayError>> enter_namespace(App& app, RequestContext& ctx, const RouteMatch& m,
                                                       bool need_view);

awaitable<void> models(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
template <store::DocKind K>
awaitable<void> docs_list(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
template <store::DocKind K>
awaitable<void> kind_models(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
template <store::DocKind K>
awaitable<void> doc_get(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
template <store::DocKind K>
awaitable<void> doc_put(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
template <store::DocKind K>
awaitable<void> doc_delete(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);

// /api/v1/models for a user: `global_list` and the user's own ids (the
// global ones alone when the store cannot give the user's); of one kind
// when `kind` is set (/api/rotations/models: the user's rotations).
awaitable<void> global_models(App& app, http::Exchange& ex, RequestContext& ctx, std::string global_list,
                              std::optional<store::DocKind> kind = std::nullopt);
// The same list as text (the lists' JSON), for callers other than HTTP (MCP).
awaitable<std::string> namespace_models(App& app, const RequestContext& ctx, std::string global_list,
                                        std::optional<store::DocKind> kind = std::nullopt);
// The Anthropic shape of the same: `global` (id, display name) pairs and the user's.
awaitable<void> anthropic_models(App& app, http::Exchange& ex, RequestContext& ctx,
                                 std::vector<std::pair<std::string, std::string>> global);
// GET /api/v1/models/{id} and the other single-model routes: a global id,
// or a `user-…` id in the caller's namespace, as the lists show it (in
// Anthropic's shape to an Anthropic client); 404 for any other id, another
// user's included.
awaitable<void> model_get(App& app, http::Exchange& ex, RequestContext& ctx, std::string_view id);
// The entry model_get answers (OpenAI's shape), or the 404 / 503 it would.
awaitable<Expected<std::string>> model_entry(App& app, const RequestContext& ctx, std::string_view id);
// GET /api/{scope}/models where `scope` names no global provider: the
// caller's own provider's models, else 404 as for any unknown provider.
awaitable<void> scope_models(App& app, http::Exchange& ex, RequestContext& ctx, std::string_view scope);

awaitable<void> chat(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> messages(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> completions(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> responses(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);
awaitable<void> embeddings(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m);

// A user's own document written (PUT /api/…/{kinds}/{id}, MCP's set_user_*),
// in ctx.namespace_user: checked by the loader (the JSON path of the first
// error), a provider's endpoint against the private-address rule (its name
// resolved through `pool`), a key sent back masked keeps the stored one,
// keys sealed, the store written on the DB pool. The document as answered
// (keys masked) and whether it is new.
struct SavedDoc {
  bool created = false;
  std::string json;
};
awaitable<Expected<SavedDoc>> save_doc(App& app, http::UpstreamPool& pool, const RequestContext& ctx,
                                       store::DocKind kind, std::string id, boost::json::object value);
// Removes one (404 when there is none; 409 naming the document of theirs
// that depends on it).
awaitable<std::optional<GatewayError>> remove_doc(App& app, const RequestContext& ctx, store::DocKind kind,
                                                  std::string id);

GatewayError coded_error(ErrorKind kind, std::string message, std::string code, std::string param = {});

}  // namespace user_routes
}  // namespace aisbf
