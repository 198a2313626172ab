#include "pipeline/user_routes.hpp"

#include <fmt/format.h>

#include "api/anthropic/models_json.hpp"
#include "api/models_json.hpp"
#include "api/user_json.hpp"
#include "pipeline/app.hpp"
#include "pipeline/chat_pipeline.hpp"
#include "pipeline/embeddings_route.hpp"
#include "pipeline/respond.hpp"
#include "routing/user_config.hpp"

namespace aisbf::user_routes {

namespace {

using auth::PrincipalKind;

// The operator: a global token, an admin, or anyone when auth is off (the
// operator's own loopback use).
bool is_operator(const Principal& p, bool auth_enabled) {
  return !auth_enabled || p.kind == PrincipalKind::global_token || p.role == auth::Role::admin;
}

bool is_user(const Principal& p) { return p.kind == PrincipalKind::user_token || p.kind == PrincipalKind::session; }

GatewayError forbidden_namespace(std::string_view username) {
  return coded_error(ErrorKind::forbidden,
                     fmt::format("you may not use the namespace of user '{}': only that user, admins and global tokens "
                                 "may",
                                 username),
                     "forbidden");
}

}  // namespace

GatewayError coded_error(ErrorKind kind, std::string message, std::string code, std::string param) {
  auto e = make_error(kind, std::move(message));
  e.code = std::move(code);
  e.param = std::move(param);
  return e;
}

awaitable<std::optional<GatewayError>> enter_namespace(App& app, RequestContext& ctx, const RouteMatch& m,
                                                       bool need_view) {
  const Principal& p = ctx.principal;
  std::string_view username = m.param("username");
  UserViews& views = app.user_views();
  if (username.empty()) {
    if (!is_user(p) || p.user_id.empty()) {
      co_return coded_error(ErrorKind::forbidden,
                            "/api/user/… serves a user's own namespace: call it with a user's token or session "
                            "(the operator uses /api/u/{username}/…)",
                            "forbidden");
    }
    username = p.user_id;
  } else {
    const bool self = is_user(p) && p.user_id == username;
    const bool op = is_operator(p, ctx.config->auth.enabled);
    if (!self && !op) co_return forbidden_namespace(username);
    // Only those allowed any namespace learn whether a name exists.
    if (!self && !views.user_exists(username)) {
      co_return coded_error(ErrorKind::not_found, fmt::format("no user named '{}'", username), "user_not_found");
    }
  }
  ctx.namespace_user = std::string(username);
  ctx.user_view.reset();
  if (!need_view) co_return std::nullopt;
  auto view = co_await views.get(ctx.config, ctx.namespace_user);
  if (!view) co_return view.take_error();
  ctx.user_view = std::move(*view);
  co_return std::nullopt;
}

awaitable<void> models(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  if (auto e = co_await enter_namespace(app, ctx, m, true)) co_return co_await send_error(ex, *e, ctx);
  const auto global = api::models_list_json(*ctx.config, {}, app.catalog().snapshot().get());
  const std::string answer = api::namespace_models_json(global, ctx.user_view.get());
  co_await send_json(ex, 200, answer, ctx.request_id);
}

awaitable<std::string> namespace_models(App& app, const RequestContext& ctx, std::string global_list,
                                        std::optional<store::DocKind> kind) {
  auto view = co_await app.user_views().get(ctx.config, ctx.namespace_user);
  co_return api::namespace_models_json(global_list, view ? view->get() : nullptr, kind);
}

awaitable<void> global_models(App& app, http::Exchange& ex, RequestContext& ctx, std::string global_list,
                              std::optional<store::DocKind> kind) {
  const std::string answer = co_await namespace_models(app, ctx, std::move(global_list), kind);
  co_await send_json(ex, 200, answer, ctx.request_id);
}

awaitable<void> anthropic_models(App& app, http::Exchange& ex, RequestContext& ctx,
                                 std::vector<std::pair<std::string, std::string>> global) {
  auto view = co_await app.user_views().get(ctx.config, ctx.namespace_user);
  if (view) {
    for (auto& named : api::user_model_names(**view)) global.push_back(std::move(named));
  }
  co_await send_json(ex, 200, api::anthropic_models_list_json(global), ctx.request_id);
}

awaitable<Expected<std::string>> model_entry(App& app, const RequestContext& ctx, std::string_view id) {
  std::optional<std::string> entry = api::model_json(*ctx.config, id);
  if (!entry && !ctx.namespace_user.empty() && id.starts_with("user-")) {
    auto view = co_await app.user_views().get(ctx.config, ctx.namespace_user);
    if (!view) co_return view.error();
    entry = api::user_model_json(**view, id);
  }
  if (!entry) co_return coded_error(ErrorKind::not_found, fmt::format("model '{}' does not exist", id), "model_not_found");
  co_return std::move(*entry);
}

awaitable<void> model_get(App& app, http::Exchange& ex, RequestContext& ctx, std::string_view id) {
  auto entry = co_await model_entry(app, ctx, id);
  if (!entry) co_return co_await send_error(ex, entry.error(), ctx);
  std::string body = std::move(*entry);
  if (ctx.format == IngressFormat::anthropic_messages) body = api::anthropic_entry_json(body);
  co_await send_json(ex, 200, body, ctx.request_id);
}

awaitable<void> scope_models(App& app, http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  auto view = co_await app.user_views().get(ctx.config, ctx.namespace_user);
  if (!view) co_return co_await send_error(ex, view.error(), ctx);
  if (const auto* autoselect = (*view)->autoselect(scope)) {
    const std::string list = api::autoselect_candidates_json(*autoselect, scope);
    co_return co_await send_json(ex, 200, list, ctx.request_id);
  }
  if (const auto* rotation = (*view)->rotation(scope)) {
    const std::string list = api::user_rotation_candidates_json(**view, *rotation, scope);
    co_return co_await send_json(ex, 200, list, ctx.request_id);
  }
  if (auto list = api::user_provider_models_json(**view, scope)) co_return co_await send_json(ex, 200, *list, ctx.request_id);
  co_await send_error(
      ex,
      coded_error(ErrorKind::not_found, fmt::format("no provider, rotation or autoselect named '{}'", scope),
                  "model_not_found"),
      ctx);
}

namespace {

awaitable<void> list_docs(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m, store::DocKind k) {
  if (auto e = co_await enter_namespace(app, ctx, m, true)) co_return co_await send_error(ex, *e, ctx);
  const std::string answer = api::user_docs_json(*ctx.user_view, k);
  co_await send_json(ex, 200, answer, ctx.request_id);
}

awaitable<void> list_kind_models(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m,
                                 store::DocKind k) {
  if (auto e = co_await enter_namespace(app, ctx, m, true)) co_return co_await send_error(ex, *e, ctx);
  const std::string answer = api::model_list_json(api::user_model_entries(*ctx.user_view, k));
  co_await send_json(ex, 200, answer, ctx.request_id);
}

awaitable<void> get_doc(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m, store::DocKind k) {
  if (auto e = co_await enter_namespace(app, ctx, m, true)) co_return co_await send_error(ex, *e, ctx);
  const auto id = m.param("id");
  if (const auto* doc = ctx.user_view->doc(k, id)) {
    const std::string answer = api::user_doc_json(*doc);
    co_return co_await send_json(ex, 200, answer, ctx.request_id);
  }
  co_await send_error(
      ex, coded_error(ErrorKind::not_found, fmt::format("you have no {} named '{}'", routing::kind_name(k), id),
                      "not_found"),
      ctx);
}

}  // namespace

// Thin: g++ 12 miscompiles string literals in templated coroutines.
template <store::DocKind K>
awaitable<void> docs_list(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return list_docs(app, ex, ctx, m, K);
}
template <store::DocKind K>
awaitable<void> kind_models(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return list_kind_models(app, ex, ctx, m, K);
}
template <store::DocKind K>
awaitable<void> doc_get(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return get_doc(app, ex, ctx, m, K);
}

// The chat doors: the namespace is checked here; the view is loaded by the
// pipeline only when the model names a user's target.
awaitable<void> chat(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  if (auto e = co_await enter_namespace(app, ctx, m, false)) co_return co_await send_error(ex, *e, ctx);
  co_await serve_chat(ex, ctx, {});
}

awaitable<void> messages(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  ctx.format = IngressFormat::anthropic_messages;
  if (auto e = co_await enter_namespace(app, ctx, m, false)) co_return co_await send_error(ex, *e, ctx);
  co_await serve_messages(ex, ctx, {});
}

awaitable<void> completions(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  ctx.format = IngressFormat::openai_completions;
  if (auto e = co_await enter_namespace(app, ctx, m, false)) co_return co_await send_error(ex, *e, ctx);
  co_await serve_completions(ex, ctx, {});
}

awaitable<void> responses(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  ctx.format = IngressFormat::openai_responses;
  if (auto e = co_await enter_namespace(app, ctx, m, false)) co_return co_await send_error(ex, *e, ctx);
  co_await serve_responses(ex, ctx, {});
}

awaitable<void> embeddings(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  if (auto e = co_await enter_namespace(app, ctx, m, false)) co_return co_await send_error(ex, *e, ctx);
  co_await serve_embeddings(ex, ctx, {});
}

#define AISBF_USER_READS(K)                                                                                  \
  template awaitable<void> docs_list<K>(App&, http::Exchange&, RequestContext&, const RouteMatch&);       \
  template awaitable<void> kind_models<K>(App&, http::Exchange&, RequestContext&, const RouteMatch&);     \
  template awaitable<void> doc_get<K>(App&, http::Exchange&, RequestContext&, const RouteMatch&);
AISBF_USER_READS(store::DocKind::provider)
AISBF_USER_READS(store::DocKind::rotation)
AISBF_USER_READS(store::DocKind::autoselect)
#undef AISBF_USER_READS

}  // namespace aisbf::user_routes
