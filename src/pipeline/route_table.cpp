#include "pipeline/route_table.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "api/admin_json.hpp"
#include "api/anthropic/models_json.hpp"
#include "api/models_json.hpp"
#include "pipeline/app.hpp"
#include "pipeline/audio_routes.hpp"
#include "pipeline/autoselect_try.hpp"
#include "pipeline/chat_pipeline.hpp"
#include "pipeline/content_proxy.hpp"
#include "pipeline/embeddings_route.hpp"
#include "pipeline/images_route.hpp"
#include "pipeline/mcp_routes.hpp"
#include "pipeline/request_metrics.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/responses_routes.hpp"
#include "pipeline/routes_admin_config.hpp"
#include "pipeline/routes_cache.hpp"
#include "pipeline/routes_dashboard.hpp"
#include "pipeline/routes_providers.hpp"
#include "pipeline/user_routes.hpp"
#include "pipeline/routes_accounts.hpp"
#include "pipeline/tokenize_route.hpp"
#include "pipeline/usage_routes.hpp"

namespace aisbf {

namespace {

using api::RouteMatch;
using boost::asio::awaitable;
using auth::AuthPolicy;
using Format = api::ClientFormat;
using Body = api::BodyRule;

std::vector<std::pair<std::string, std::string>> anthropic_model_names(const Config& config,
                                                                       const FetchedModels& fetched) {
  std::vector<std::pair<std::string, std::string>> models;
  for (const auto& provider : config.providers) {
    for (const auto& model : provider.models) models.emplace_back(provider.id + "/" + model.name, model.name);
    auto it = fetched.find(provider.id);
    if (it == fetched.end()) continue;
    for (const auto& model : it->second) {
      if (provider.find_model(model.id) == nullptr) models.emplace_back(provider.id + "/" + model.id, model.display_name);
    }
  }
  // The rotations and autoselects, as the OpenAI shape lists them: they work on /v1/messages too.
  for (const auto& rotation : config.rotations) models.emplace_back("rotation/" + rotation.id, rotation.model_name);
  for (const auto& autoselect : config.autoselects) {
    models.emplace_back("autoselect/" + autoselect.id, autoselect.model_name);
  }
  return models;
}

awaitable<void> health(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  return send_json(ex, 200, R"({"status":"ok"})", ctx.request_id);
}

// RFC 8555 §8.3: the key authorization of a challenge in flight, as plain
// text; any other token is 404 (the CA asks over plain HTTP, unauthenticated).
awaitable<void> acme_challenge(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  HeaderList extra{{"x-request-id", ctx.request_id}};
  if (auto answer = app.acme_challenges().find(m.param("token"))) {
    co_await ex.send(200, "text/plain", *answer, extra);
  } else {
    co_await ex.send(404, "text/plain", "no such challenge\n", extra);
  }
}

awaitable<void> status(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  co_await send_json(ex, 200, api::status_json(*ctx.config), ctx.request_id);
}

awaitable<void> models_list(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  // Anthropic's SDK lists models on the same path; it sends anthropic-version.
  if (!ex.request()["anthropic-version"].empty()) {
    auto names = anthropic_model_names(*ctx.config, *app.catalog().snapshot());
    if (!ctx.namespace_user.empty()) co_return co_await user_routes::anthropic_models(app, ex, ctx, std::move(names));
    co_return co_await send_json(ex, 200, api::anthropic_models_list_json(names), ctx.request_id);
  }
  auto list = api::models_list_json(*ctx.config, {}, app.catalog().snapshot().get());
  // A user's own ids too; with the store down, the global ones still list.
  if (!ctx.namespace_user.empty()) co_return co_await user_routes::global_models(app, ex, ctx, std::move(list));
  co_await send_json(ex, 200, list, ctx.request_id);
}

awaitable<void> model_get(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return user_routes::model_get(app, ex, ctx, m.param("model_id"));
}

// /api/{scope}/models, in AISBF's order: an autoselect's candidates, a
// rotation's models, a provider's models, else the caller's own.
awaitable<void> scoped_models(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  const auto scope = m.param("scope");
  if (const auto* autoselect = ctx.config->find_autoselect(scope)) {
    const std::string list = api::autoselect_candidates_json(*autoselect, scope);
    co_return co_await send_json(ex, 200, list, ctx.request_id);
  }
  if (const auto* rotation = ctx.config->find_rotation(scope)) {
    const std::string list = api::rotation_candidates_json(*ctx.config, *rotation, scope);
    co_return co_await send_json(ex, 200, list, ctx.request_id);
  }
  if (ctx.config->find_provider(scope) != nullptr)
    co_return co_await send_json(ex, 200, api::models_list_json(*ctx.config, scope, app.catalog().snapshot().get()),
                                 ctx.request_id);
  if (!ctx.namespace_user.empty()) co_return co_await user_routes::scope_models(app, ex, ctx, scope);
  co_await send_error(
      ex,
      make_error(ErrorKind::not_found, fmt::format("no provider, rotation or autoselect named '{}'", scope),
                 "model_not_found"),
      ctx);
}

// The chat routes hand over the pipeline's awaitable: no frame of their own.
awaitable<void> chat(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return serve_chat(ex, ctx, m.param("scope"));
}
awaitable<void> rotations_chat(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  return serve_chat(ex, ctx, "rotations");
}
awaitable<void> autoselect_chat(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  return serve_chat(ex, ctx, "autoselect");
}
awaitable<void> messages(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return serve_messages(ex, ctx, m.param("scope"));
}
awaitable<void> count_tokens(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  return serve_count_tokens(ex, ctx);
}
awaitable<void> tokenize(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  return serve_tokenize(ex, ctx);
}
awaitable<void> completions(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return serve_completions(ex, ctx, m.param("scope"));
}
awaitable<void> responses(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return serve_responses(ex, ctx, m.param("scope"));
}

awaitable<void> image_generations(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return serve_image_generations(ex, ctx, m.param("scope"));
}
awaitable<void> content_proxy(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return serve_content_proxy(ex, ctx, m.param("content_id"));
}
awaitable<void> embeddings(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  return serve_embeddings(ex, ctx, m.param("scope"));
}

awaitable<void> rotations_list(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  co_await send_json(ex, 200, api::rotations_list_json(*ctx.routes), ctx.request_id);
}

awaitable<void> rotations_models(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  auto list = api::rotation_models_json(*ctx.config);
  if (!ctx.namespace_user.empty()) co_return co_await user_routes::global_models(app, ex, ctx, list, store::DocKind::rotation);
  co_await send_json(ex, 200, list, ctx.request_id);
}

// As /api/rotations: the global entries (a user's own are at /api/user/autoselects).
awaitable<void> autoselects_list(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  co_await send_json(ex, 200, api::autoselects_list_json(*ctx.config), ctx.request_id);
}

// As /api/rotations/models: for a user, their own autoselects too.
awaitable<void> autoselect_models(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  auto list = api::autoselect_models_json(*ctx.config);
  if (!ctx.namespace_user.empty())
    co_return co_await user_routes::global_models(app, ex, ctx, list, store::DocKind::autoselect);
  co_await send_json(ex, 200, list, ctx.request_id);
}

awaitable<void> admin_health(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  co_await send_json(ex, 200, health_report_json(app), ctx.request_id);
}

awaitable<void> admin_tor(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  co_await send_json(ex, 200, boost::json::serialize(api::tor_status(ctx.config->tor, app.tor_state())),
                     ctx.request_id);
}

// POST /api/admin/health/reset: {"key": "provider/model"} or no body (every key).
std::optional<std::string> reset_key(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::string{};
  boost::system::error_code ec;
  auto parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const auto* key = parsed.as_object().if_contains("key");
  if (key == nullptr || key->is_null()) return std::string{};
  if (!key->is_string()) return std::nullopt;
  return std::string(key->as_string());
}

awaitable<void> admin_health_reset(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  auto key = reset_key(ex.request().body());
  if (!key) {
    co_return co_await send_error(
        ex, make_error(ErrorKind::invalid_request, R"(expected no body or {"key": "provider/model"})", "invalid_body"),
        ctx);
  }
  auto& state = app.state();
  bool cleared = state.health->reset(*key);
  state.adaptive->reset(*key);
  state.spacing->reset(*key);
  state.tokens->reset(*key);
  co_await send_json(ex, 200, cleared ? R"({"reset":true})" : R"({"reset":false})", ctx.request_id);
}

// POST /api/admin/reload: the four files again; on errors the old snapshot stays.
awaitable<void> admin_reload(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  auto outcome = co_await app.reload_in_background();
  co_await send_json(ex, outcome.ok ? 200 : 400, reload_json(outcome), ctx.request_id);
}

constexpr auto kGet = api::kGet;
constexpr auto kPost = api::kPost;
constexpr auto kToken = AuthPolicy::gateway_token;
constexpr auto kAdmin = AuthPolicy::admin;
constexpr auto kEitherFormat = api::ClientFormat::openai_or_anthropic;
constexpr auto kPut = api::kMethodPut;
using admin_config::list_entries, admin_config::get_entry, admin_config::put_entry, admin_config::delete_entry;
constexpr auto kProvider = EntryKind::provider;
constexpr auto kRotation = EntryKind::rotation;
constexpr auto kAutoselect = EntryKind::autoselect;
constexpr auto kUser = AuthPolicy::user;
using store::DocKind;
constexpr auto kPatch = api::kMethodPatch;
constexpr auto kDelete = api::kMethodDelete;
constexpr auto kMcp = AuthPolicy::mcp;
constexpr auto kOptions = api::kMethodOptions;

// Order matters only among patterns with parameters (see api::RouteMatcher):
// the model ids, whose last parameter takes '/', come before /api/{scope}/….
const Route kRoutes[] = {
    {{"health", kGet, "/health", AuthPolicy::public_route}, &health},
    {{"acme_challenge", kGet, "/.well-known/acme-challenge/{token}", AuthPolicy::public_route}, &acme_challenge},
    // Public to admission; serve_metrics admits server.metrics_token or server.metrics_allow.
    {{"metrics", kGet, "/metrics", AuthPolicy::public_route}, &serve_metrics},
    {{"status", kGet, "/", kToken}, &status},
    {{"models_list", kGet, "/api/models", kToken, kEitherFormat}, &models_list},
    {{"models_list", kGet, "/api/v1/models", kToken, kEitherFormat}, &models_list},
    {{"models_list", kGet, "/v1/models", kToken, kEitherFormat}, &models_list},
    {{"models_list", kGet, "/models", kToken, kEitherFormat}, &models_list},
    {{"models_list", kGet, "/v1/chat/models", kToken, kEitherFormat}, &models_list},  // AISBF's alias
    {{"chat", kPost, "/api/v1/chat/completions", kToken, Format::openai_chat, Body::json}, &chat},
    {{"chat", kPost, "/v1/chat/completions", kToken, Format::openai_chat, Body::json}, &chat},
    {{"messages", kPost, "/v1/messages", kToken, Format::anthropic_messages, Body::json}, &messages},
    {{"messages", kPost, "/api/v1/messages", kToken, Format::anthropic_messages, Body::json}, &messages},
    {{"count_tokens", kPost, "/v1/messages/count_tokens", kToken, Format::anthropic_messages, Body::json},
     &count_tokens},
    {{"count_tokens", kPost, "/api/v1/messages/count_tokens", kToken, Format::anthropic_messages, Body::json},
     &count_tokens},
    {{"tokenize", kPost, "/api/v1/tokenize", kToken, Format::openai_chat, Body::json}, &tokenize},
    {{"completions", kPost, "/api/v1/completions", kToken, Format::openai_completions, Body::json}, &completions},
    {{"completions", kPost, "/v1/completions", kToken, Format::openai_completions, Body::json}, &completions},
    {{"responses", kPost, "/api/v1/responses", kToken, Format::openai_responses, Body::json}, &responses},
    {{"responses", kPost, "/v1/responses", kToken, Format::openai_responses, Body::json}, &responses},
    // Audio and image uploads (audio_routes.hpp): multipart bodies streamed to the upstream as they arrive.
    // State-changing (the Origin check): a page on another site may POST a
    // multipart form without a preflight, and would spend the provider's credits.
    {{"audio_transcriptions", kPost, "/api/v1/audio/transcriptions", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::transcriptions},
    {{"audio_transcriptions", kPost, "/v1/audio/transcriptions", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::transcriptions},
    {{"audio_transcriptions", kPost, "/api/audio/transcriptions", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::transcriptions},
    {{"audio_transcriptions", kPost, "/api/{scope}/audio/transcriptions", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::transcriptions},
    {{"audio_translations", kPost, "/api/v1/audio/translations", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::translations},
    {{"audio_translations", kPost, "/v1/audio/translations", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::translations},
    {{"audio_translations", kPost, "/api/audio/translations", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::translations},
    {{"audio_translations", kPost, "/api/{scope}/audio/translations", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::translations},
    {{"audio_speech", kPost, "/api/v1/audio/speech", kToken, Format::openai_chat, Body::json}, &audio_routes::speech},
    {{"audio_speech", kPost, "/v1/audio/speech", kToken, Format::openai_chat, Body::json}, &audio_routes::speech},
    {{"audio_speech", kPost, "/api/audio/speech", kToken, Format::openai_chat, Body::json}, &audio_routes::speech},
    {{"audio_speech", kPost, "/api/{scope}/audio/speech", kToken, Format::openai_chat, Body::json}, &audio_routes::speech},
    {{"images_edits", kPost, "/api/v1/images/edits", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::image_edits},
    {{"images_edits", kPost, "/v1/images/edits", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::image_edits},
    {{"images_edits", kPost, "/api/images/edits", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::image_edits},
    {{"images_edits", kPost, "/api/{scope}/images/edits", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::image_edits},
    {{"images_variations", kPost, "/api/v1/images/variations", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::image_variations},
    {{"images_variations", kPost, "/v1/images/variations", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::image_variations},
    {{"images_variations", kPost, "/api/images/variations", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::image_variations},
    {{"images_variations", kPost, "/api/{scope}/images/variations", kToken, Format::openai_chat, Body::multipart, true}, &audio_routes::image_variations},
    // Kept Responses answers (responses_routes.hpp), in the caller's namespace.
    {{"response_get", kGet, "/v1/responses/{id}", kToken}, &responses_routes::get},
    {{"response_get", kGet, "/api/v1/responses/{id}", kToken}, &responses_routes::get},
    {{"response_delete", kDelete, "/v1/responses/{id}", kToken, Format::openai_chat, Body::json_if_sent, true},
     &responses_routes::remove},
    {{"response_delete", kDelete, "/api/v1/responses/{id}", kToken, Format::openai_chat, Body::json_if_sent, true},
     &responses_routes::remove},
    {{"response_input_items", kGet, "/v1/responses/{id}/input_items", kToken}, &responses_routes::input_items},
    {{"response_input_items", kGet, "/api/v1/responses/{id}/input_items", kToken}, &responses_routes::input_items},
    {{"rotations_chat", kPost, "/api/rotations/chat/completions", kToken, Format::openai_chat, Body::json},
     &rotations_chat},
    {{"autoselect_chat", kPost, "/api/autoselect/chat/completions", kToken, Format::openai_chat, Body::json},
     &autoselect_chat},
    {{"rotations_list", kGet, "/api/rotations", kToken}, &rotations_list},
    {{"rotations_models", kGet, "/api/rotations/models", kToken}, &rotations_models},
    {{"autoselects_list", kGet, "/api/autoselect", kToken}, &autoselects_list},
    {{"autoselect_models", kGet, "/api/autoselect/models", kToken}, &autoselect_models},
    {{"autoselect_models", kGet, "/api/autoselections/models", kToken}, &autoselect_models},  // AISBF's alias
    {{"admin_health", kGet, "/api/admin/health", kAdmin}, &admin_health},
    {{"admin_tor", kGet, "/api/admin/tor", kAdmin}, &admin_tor},
    {{"admin_health_reset", kPost, "/api/admin/health/reset", kAdmin, Format::openai_chat, Body::json_if_sent, true},
     &admin_health_reset},
    {{"admin_reload", kPost, "/api/admin/reload", kAdmin, Format::openai_chat, Body::json_if_sent, true},
     &admin_reload},
    // The response cache (routes_cache.hpp), also at AISBF's dashboard paths.
    {{"admin_cache_stats", kGet, "/api/admin/cache/stats", kAdmin}, &cache_routes::stats},
    {{"admin_cache_clear", kPost, "/api/admin/cache/clear", kAdmin, Format::openai_chat, Body::json_if_sent, true},
     &cache_routes::clear},
    {{"dashboard_cache_stats", kGet, "/dashboard/response-cache/stats", kAdmin}, &cache_routes::stats},
    {{"dashboard_cache_clear", kPost, "/dashboard/response-cache/clear", kAdmin, Format::openai_chat,
      Body::json_if_sent, true},
     &cache_routes::clear},
    {{"openapi", kGet, "/api/openapi.json", AuthPolicy::public_route}, &admin_config::openapi},
    // MCP (mcp_routes.hpp): Streamable HTTP on /mcp and AISBF's two
    // conveniences. Policy `mcp`: 404 while mcp.enabled is off, the Origin
    // checked, and aisbf.json's mcp tokens admitted besides gateway callers.
    {{"mcp_post", kPost, "/mcp", kMcp, Format::openai_chat, Body::json}, &mcp_routes::post},
    {{"mcp_stream", kGet, "/mcp", kMcp}, &mcp_routes::stream},
    {{"mcp_session_delete", kDelete, "/mcp", kMcp, Format::openai_chat, Body::json_if_sent},
     &mcp_routes::end_session},
    {{"mcp_tools", kGet, "/mcp/tools", kMcp}, &mcp_routes::tools},
    {{"mcp_tools_call", kPost, "/mcp/tools/call", kMcp, Format::openai_chat, Body::json}, &mcp_routes::tools_call},
    {{"mcp_legacy_stream", kGet, "/mcp/sse", kMcp}, &mcp_routes::legacy_stream},
    {{"mcp_legacy_post", kPost, "/mcp/messages", kMcp, Format::openai_chat, Body::json}, &mcp_routes::legacy_post},
    // CORS preflights of the MCP routes: browsers send them without credentials.
    {{"mcp_preflight", kOptions, "/mcp", AuthPolicy::public_route}, &mcp_routes::preflight},
    {{"mcp_preflight", kOptions, "/mcp/tools", AuthPolicy::public_route}, &mcp_routes::preflight},
    {{"mcp_preflight", kOptions, "/mcp/tools/call", AuthPolicy::public_route}, &mcp_routes::preflight},
    {{"mcp_preflight", kOptions, "/mcp/sse", AuthPolicy::public_route}, &mcp_routes::preflight},
    {{"mcp_preflight", kOptions, "/mcp/messages", AuthPolicy::public_route}, &mcp_routes::preflight},
    // The admin config API (routes_admin_config.hpp): edits are state-changing.
    {{"admin_providers", kGet, "/api/admin/providers", kAdmin}, &list_entries<kProvider>},
    {{"admin_rotations", kGet, "/api/admin/rotations", kAdmin}, &list_entries<kRotation>},
    {{"admin_autoselects", kGet, "/api/admin/autoselects", kAdmin}, &list_entries<kAutoselect>},
    {{"admin_settings_get", kGet, "/api/admin/settings", kAdmin}, &admin_config::get_settings},
    {{"admin_settings_put", kPut, "/api/admin/settings", kAdmin, Format::openai_chat, Body::json, true},
     &admin_config::put_settings},
    {{"admin_condensation_get", kGet, "/api/admin/condensation", kAdmin}, &admin_config::get_condensation},
    {{"admin_condensation_put", kPut, "/api/admin/condensation", kAdmin, Format::openai_chat, Body::json, true},
     &admin_config::put_condensation},
    // The provider form's templates (routes_providers.hpp): under /api/admin, yet
    // any caller may read them, since users create providers of their own.
    {{"provider_presets", kGet, "/api/admin/provider-presets", kToken}, &provider_routes::presets},

    // --- accounts: dashboard login and sessions, users, API tokens (routes_accounts.hpp)
    {{"auth_login", kPost, "/api/auth/login", AuthPolicy::public_route, Format::openai_chat, Body::json, true},
     &auth_login},
    {{"auth_logout", kPost, "/api/auth/logout", AuthPolicy::session_csrf, Format::openai_chat, Body::json_if_sent,
      true},
     &auth_logout},
    {{"auth_me", kGet, "/api/auth/me", kToken}, &auth_me},
    {{"admin_users_list", kGet, "/api/admin/users", kAdmin}, &admin_users_list},
    {{"admin_users_create", kPost, "/api/admin/users", kAdmin, Format::openai_chat, Body::json, true},
     &admin_users_create},
    {{"admin_user_get", kGet, "/api/admin/users/{username}", kAdmin}, &admin_user_get},
    {{"admin_user_patch", kPatch, "/api/admin/users/{username}", kAdmin, Format::openai_chat, Body::json, true},
     &admin_user_patch},
    {{"admin_user_delete", kDelete, "/api/admin/users/{username}", kAdmin, Format::openai_chat, Body::json_if_sent, true},
     &admin_user_delete},
    {{"admin_user_tokens_list", kGet, "/api/admin/users/{username}/tokens", kAdmin}, &admin_user_tokens_list},
    {{"admin_user_tokens_create", kPost, "/api/admin/users/{username}/tokens", kAdmin, Format::openai_chat,
      Body::json_if_sent, true},
     &admin_user_tokens_create},
    {{"admin_user_token_delete", kDelete, "/api/admin/users/{username}/tokens/{id}", kAdmin, Format::openai_chat,
      Body::json_if_sent, true},
     &admin_user_token_delete},
    {{"user_tokens_list", kGet, "/api/user/tokens", kUser}, &user_tokens_list},
    {{"user_tokens_create", kPost, "/api/user/tokens", kUser, Format::openai_chat, Body::json_if_sent, true},
     &user_tokens_create},
    {{"user_token_delete", kDelete, "/api/user/tokens/{id}", kUser, Format::openai_chat, Body::json_if_sent, true},
     &user_token_delete},
    {{"user_password", kPatch, "/api/user/password", kUser, Format::openai_chat, Body::json, true}, &user_password},
    // --- end of accounts
    {{"admin_usage", kGet, "/api/admin/usage", kAdmin}, &admin_usage},
    {{"admin_usage_flush", kPost, "/api/admin/usage/flush", kAdmin, Format::openai_chat, Body::json_if_sent, true},
     &admin_usage_flush},
    {{"user_usage", kGet, "/api/user/usage", AuthPolicy::user}, &user_usage},
    {{"model_get", kGet, "/api/v1/models/{model_id*}", kToken, kEitherFormat}, &model_get},
    {{"model_get", kGet, "/v1/models/{model_id*}", kToken, kEitherFormat}, &model_get},
    {{"model_get", kGet, "/api/models/{model_id*}", kToken, kEitherFormat}, &model_get},
    {{"model_get", kGet, "/models/{model_id*}", kToken, kEitherFormat}, &model_get},
    // A user's namespace (pipeline/user_routes.hpp): /api/user/… for the
    // caller's own, /api/u/{username}/… for an explicit one (checked by the
    // handler: that user, admins, global tokens). Before /api/{scope}/….
    {{"user_models", kGet, "/api/user/models", kUser}, &user_routes::models},
    {{"user_providers", kGet, "/api/user/providers", kUser}, &user_routes::docs_list<DocKind::provider>},
    {{"user_rotations", kGet, "/api/user/rotations", kUser}, &user_routes::docs_list<DocKind::rotation>},
    {{"user_autoselects", kGet, "/api/user/autoselects", kUser}, &user_routes::docs_list<DocKind::autoselect>},
    {{"user_provider_models", kGet, "/api/user/providers/models", kUser},
     &user_routes::kind_models<DocKind::provider>},
    {{"user_rotation_models", kGet, "/api/user/rotations/models", kUser},
     &user_routes::kind_models<DocKind::rotation>},
    {{"user_autoselect_models", kGet, "/api/user/autoselects/models", kUser},
     &user_routes::kind_models<DocKind::autoselect>},
    {{"user_chat", kPost, "/api/user/chat/completions", kUser, Format::openai_chat, Body::json}, &user_routes::chat},
    {{"user_messages", kPost, "/api/user/v1/messages", kUser, Format::anthropic_messages, Body::json},
     &user_routes::messages},
    {{"user_completions", kPost, "/api/user/completions", kUser, Format::openai_completions, Body::json},
     &user_routes::completions},
    {{"user_responses", kPost, "/api/user/v1/responses", kUser, Format::openai_responses, Body::json},
     &user_routes::responses},
    {{"user_response_get", kGet, "/api/user/v1/responses/{id}", kUser}, &responses_routes::user_get},
    {{"user_response_delete", kDelete, "/api/user/v1/responses/{id}", kUser, Format::openai_chat,
      Body::json_if_sent, true},
     &responses_routes::user_remove},
    {{"user_response_input_items", kGet, "/api/user/v1/responses/{id}/input_items", kUser},
     &responses_routes::user_input_items},
    {{"user_provider", kGet, "/api/user/providers/{id}", kUser}, &user_routes::doc_get<DocKind::provider>},
    {{"user_provider", kPut, "/api/user/providers/{id}", kUser, Format::openai_chat, Body::json, true},
     &user_routes::doc_put<DocKind::provider>},
    {{"user_provider", kDelete, "/api/user/providers/{id}", kUser, Format::openai_chat, Body::json_if_sent, true},
     &user_routes::doc_delete<DocKind::provider>},
    // Test connection and fetch models (routes_providers.hpp); a POST may carry an unsaved draft.
    {{"user_provider_test", kPost, "/api/user/providers/{id}/test", kUser, Format::openai_chat, Body::json_if_sent,
      true},
     &provider_routes::user_test},
    {{"user_provider_upstream_models", kGet, "/api/user/providers/{id}/upstream-models", kUser},
     &provider_routes::user_upstream_models},
    {{"user_provider_upstream_models", kPost, "/api/user/providers/{id}/upstream-models", kUser, Format::openai_chat,
      Body::json_if_sent, true},
     &provider_routes::user_upstream_models},
    {{"user_rotation", kGet, "/api/user/rotations/{id}", kUser}, &user_routes::doc_get<DocKind::rotation>},
    {{"user_rotation", kPut, "/api/user/rotations/{id}", kUser, Format::openai_chat, Body::json, true},
     &user_routes::doc_put<DocKind::rotation>},
    {{"user_rotation", kDelete, "/api/user/rotations/{id}", kUser, Format::openai_chat, Body::json_if_sent, true},
     &user_routes::doc_delete<DocKind::rotation>},
    {{"user_autoselect", kGet, "/api/user/autoselects/{id}", kUser}, &user_routes::doc_get<DocKind::autoselect>},
    {{"user_autoselect", kPut, "/api/user/autoselects/{id}", kUser, Format::openai_chat, Body::json, true},
     &user_routes::doc_put<DocKind::autoselect>},
    {{"user_autoselect", kDelete, "/api/user/autoselects/{id}", kUser, Format::openai_chat, Body::json_if_sent, true},
     &user_routes::doc_delete<DocKind::autoselect>},
    // An autoselect's choice for a prompt, without the chat (autoselect_try.hpp).
    {{"user_autoselect_try", kPost, "/api/user/autoselects/{id}/try", kUser, Format::openai_chat, Body::json, true},
     &autoselect_try::user},
    {{"u_models", kGet, "/api/u/{username}/models", kToken}, &user_routes::models},
    {{"u_providers", kGet, "/api/u/{username}/providers", kToken}, &user_routes::docs_list<DocKind::provider>},
    {{"u_rotations", kGet, "/api/u/{username}/rotations", kToken}, &user_routes::docs_list<DocKind::rotation>},
    {{"u_autoselects", kGet, "/api/u/{username}/autoselects", kToken}, &user_routes::docs_list<DocKind::autoselect>},
    {{"u_provider_models", kGet, "/api/u/{username}/providers/models", kToken},
     &user_routes::kind_models<DocKind::provider>},
    {{"u_rotation_models", kGet, "/api/u/{username}/rotations/models", kToken},
     &user_routes::kind_models<DocKind::rotation>},
    {{"u_autoselect_models", kGet, "/api/u/{username}/autoselects/models", kToken},
     &user_routes::kind_models<DocKind::autoselect>},
    {{"u_autoselect_models", kGet, "/api/u/{username}/autoselections/models", kToken},  // AISBF's alias
     &user_routes::kind_models<DocKind::autoselect>},
    {{"u_chat", kPost, "/api/u/{username}/chat/completions", kToken, Format::openai_chat, Body::json},
     &user_routes::chat},
    {{"u_messages", kPost, "/api/u/{username}/v1/messages", kToken, Format::anthropic_messages, Body::json},
     &user_routes::messages},
    {{"u_completions", kPost, "/api/u/{username}/completions", kToken, Format::openai_completions, Body::json},
     &user_routes::completions},
    {{"u_responses", kPost, "/api/u/{username}/v1/responses", kToken, Format::openai_responses, Body::json},
     &user_routes::responses},
    {{"u_response_get", kGet, "/api/u/{username}/v1/responses/{id}", kToken}, &responses_routes::user_get},
    {{"u_response_delete", kDelete, "/api/u/{username}/v1/responses/{id}", kToken, Format::openai_chat,
      Body::json_if_sent, true},
     &responses_routes::user_remove},
    {{"u_response_input_items", kGet, "/api/u/{username}/v1/responses/{id}/input_items", kToken},
     &responses_routes::user_input_items},
    // Image generation (images_route.hpp) and the content proxy that serves
    // the image URLs it rewrites (content_proxy.hpp): the gateway's callers.
    {{"images_generations", kPost, "/api/v1/images/generations", kToken, Format::openai_chat, Body::json},
     &image_generations},
    {{"images_generations", kPost, "/v1/images/generations", kToken, Format::openai_chat, Body::json},
     &image_generations},
    {{"images_generations", kPost, "/api/images/generations", kToken, Format::openai_chat, Body::json},
     &image_generations},
    {{"scoped_images_generations", kPost, "/api/{scope}/images/generations", kToken, Format::openai_chat,
      Body::json},
     &image_generations},
    {{"content_proxy", kGet, "/api/proxy/{content_id}", kToken}, &content_proxy},
    // Embeddings (embeddings_route.hpp): OpenAI's shape on every door, the
    // model resolved as a chat's; /api/{scope}/… names a provider or rotation.
    {{"embeddings", kPost, "/api/v1/embeddings", kToken, Format::openai_chat, Body::json}, &embeddings},
    {{"embeddings", kPost, "/v1/embeddings", kToken, Format::openai_chat, Body::json}, &embeddings},
    {{"embeddings", kPost, "/api/embeddings", kToken, Format::openai_chat, Body::json}, &embeddings},
    {{"user_embeddings", kPost, "/api/user/embeddings", kUser, Format::openai_chat, Body::json},
     &user_routes::embeddings},
    {{"u_embeddings", kPost, "/api/u/{username}/embeddings", kToken, Format::openai_chat, Body::json},
     &user_routes::embeddings},
    {{"scoped_embeddings", kPost, "/api/{scope}/embeddings", kToken, Format::openai_chat, Body::json}, &embeddings},
    {{"scoped_embeddings", kPost, "/api/{scope}/v1/embeddings", kToken, Format::openai_chat, Body::json}, &embeddings},
    {{"scoped_models", kGet, "/api/{scope}/models", kToken}, &scoped_models},
    {{"scoped_chat", kPost, "/api/{scope}/chat/completions", kToken, Format::openai_chat, Body::json}, &chat},
    {{"scoped_chat", kPost, "/api/{scope}/v1/chat/completions", kToken, Format::openai_chat, Body::json}, &chat},
    {{"scoped_messages", kPost, "/api/{scope}/v1/messages", kToken, Format::anthropic_messages, Body::json},
     &messages},
    {{"scoped_messages", kPost, "/api/{scope}/messages", kToken, Format::anthropic_messages, Body::json}, &messages},
    {{"scoped_completions", kPost, "/api/{scope}/completions", kToken, Format::openai_completions, Body::json},
     &completions},
    {{"scoped_completions", kPost, "/api/{scope}/v1/completions", kToken, Format::openai_completions, Body::json},
     &completions},
    {{"scoped_responses", kPost, "/api/{scope}/v1/responses", kToken, Format::openai_responses, Body::json},
     &responses},
    // Last: the admin config API's parameterised rows (no earlier pattern
    // matches their paths), so the scoped chat routes try no extra pattern.
    {{"admin_provider_get", kGet, "/api/admin/providers/{id}", kAdmin}, &get_entry<kProvider>},
    {{"admin_provider_put", kPut, "/api/admin/providers/{id}", kAdmin, Format::openai_chat, Body::json, true},
     &put_entry<kProvider>},
    {{"admin_provider_delete", kDelete, "/api/admin/providers/{id}", kAdmin, Format::openai_chat, Body::json_if_sent,
      true},
     &delete_entry<kProvider>},
    {{"admin_provider_test", kPost, "/api/admin/providers/{id}/test", kAdmin, Format::openai_chat, Body::json_if_sent,
      true},
     &provider_routes::admin_test},
    {{"admin_provider_upstream_models", kGet, "/api/admin/providers/{id}/upstream-models", kAdmin},
     &provider_routes::admin_upstream_models},
    {{"admin_provider_upstream_models", kPost, "/api/admin/providers/{id}/upstream-models", kAdmin,
      Format::openai_chat, Body::json_if_sent, true},
     &provider_routes::admin_upstream_models},
    {{"admin_rotation_get", kGet, "/api/admin/rotations/{id}", kAdmin}, &get_entry<kRotation>},
    {{"admin_rotation_put", kPut, "/api/admin/rotations/{id}", kAdmin, Format::openai_chat, Body::json, true},
     &put_entry<kRotation>},
    {{"admin_rotation_delete", kDelete, "/api/admin/rotations/{id}", kAdmin, Format::openai_chat, Body::json_if_sent,
      true},
     &delete_entry<kRotation>},
    {{"admin_autoselect_get", kGet, "/api/admin/autoselects/{id}", kAdmin}, &get_entry<kAutoselect>},
    {{"admin_autoselect_put", kPut, "/api/admin/autoselects/{id}", kAdmin, Format::openai_chat, Body::json, true},
     &put_entry<kAutoselect>},
    {{"admin_autoselect_delete", kDelete, "/api/admin/autoselects/{id}", kAdmin, Format::openai_chat,
      Body::json_if_sent, true},
     &delete_entry<kAutoselect>},
    {{"admin_autoselect_try", kPost, "/api/admin/autoselects/{id}/try", kAdmin, Format::openai_chat, Body::json, true},
     &autoselect_try::admin},
    {{"admin_prompt_get", kGet, "/api/admin/prompts/{name}", kAdmin}, &admin_config::get_prompt},
    {{"admin_prompt_put", kPut, "/api/admin/prompts/{name}", kAdmin, Format::openai_chat, Body::json, true},
     &admin_config::put_prompt},
    // The dashboard's web app (routes_dashboard.hpp): public, its API calls
    // are not. /dashboard also matches "/dashboard/" (the handler redirects
    // only the bare path); the literal /dashboard/response-cache/… API
    // routes above win over these patterns; assets before the catch-all.
    {{"dashboard_app", kGet, "/dashboard", AuthPolicy::public_route}, &dashboard_routes::serve},
    {{"dashboard_asset", kGet, "/dashboard/assets/{file*}", AuthPolicy::public_route}, &dashboard_routes::serve},
    {{"dashboard_app", kGet, "/dashboard/{path*}", AuthPolicy::public_route}, &dashboard_routes::serve},
};

std::vector<api::RouteSpec> specs_of(std::span<const Route> routes) {
  std::vector<api::RouteSpec> specs;
  for (const auto& r : routes) specs.push_back(r.spec);
  return specs;
}

}  // namespace

std::string health_report_json(App& app) {
  auto& state = app.state();
  api::HealthViews views{*state.health, *state.adaptive, *state.spacing, *state.tokens};
  api::AccountCounters accounts;
  if (account_counters(app, accounts)) views.accounts = &accounts;
  return api::health_json(views, std::chrono::steady_clock::now());
}

// Every row has its own metrics slot below the unmatched requests' one.
static_assert(std::size(kRoutes) <= kUnmatchedRoute, "the route table outgrew ops::kMaxRoutes: raise it");

std::span<const Route> route_table() { return kRoutes; }

const api::RouteMatcher& route_matcher() {
  static const std::vector<api::RouteSpec> specs = specs_of(kRoutes);
  static const api::RouteMatcher matcher(specs);
  return matcher;
}

std::vector<std::string_view> reserved_route_words() {
  // AISBF's routes under /api/ that aisbf does not serve yet.
  constexpr std::string_view kToCome[] = {"user", "u", "audio", "images"};
  auto words = route_matcher().api_words();
  for (auto w : kToCome) {
    if (std::find(words.begin(), words.end(), w) == words.end()) words.push_back(w);
  }
  return words;
}

IngressFormat ingress_format(api::ClientFormat format) {
  switch (format) {
    case api::ClientFormat::openai_chat: return IngressFormat::openai_chat;
    case api::ClientFormat::openai_or_anthropic: return IngressFormat::openai_chat;  // route_format() in admission
    case api::ClientFormat::openai_completions: return IngressFormat::openai_completions;
    case api::ClientFormat::openai_responses: return IngressFormat::openai_responses;
    case api::ClientFormat::anthropic_messages: return IngressFormat::anthropic_messages;
  }
  return IngressFormat::openai_chat;
}

}  // namespace aisbf
