#include "pipeline/app.hpp"

#include <random>

#include <boost/asio/co_spawn.hpp>
#include <spdlog/spdlog.h>

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "api/admin_json.hpp"
#include "api/anthropic/models_json.hpp"
#include "api/models_json.hpp"
#include "api/routes.hpp"
#include "auth/token_auth.hpp"
#include "pipeline/chat_pipeline.hpp"
#include "pipeline/respond.hpp"

namespace aisbf {

namespace bhttp = boost::beast::http;

namespace {

bool is_loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.substr(0, 4) == "127.";
}

// Host header without its port: "localhost:17765" → "localhost", "[::1]:1" → "::1".
std::string_view host_name(std::string_view host_header) {
  if (!host_header.empty() && host_header.front() == '[') {
    auto end = host_header.find(']');
    return end == std::string_view::npos ? host_header : host_header.substr(1, end - 1);
  }
  return host_header.substr(0, host_header.find(':'));
}

bool is_json_content_type(std::string_view ct) {
  auto semi = ct.find(';');
  auto type = ct.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  if (type.size() != 16) return false;
  for (std::size_t i = 0; i < type.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(type[i])) != "application/json"[i]) return false;
  }
  return true;
}

GatewayError coded(ErrorKind kind, std::string message, std::string code) {
  auto e = make_error(kind, std::move(message));
  e.code = std::move(code);
  return e;
}

std::string request_id_prefix() {
  std::random_device rd;
  return fmt::format("req_{:08x}", rd());
}

std::string anthropic_models_json(const Config& config, const FetchedModels& fetched) {
  std::vector<std::pair<std::string, std::string>> models;
  for (const auto& provider : config.providers) {
    for (const auto& model : provider.models) models.emplace_back(provider.id + "/" + model.name, model.name);
    auto it = fetched.find(provider.id);
    if (it == fetched.end()) continue;
    for (const auto& model : it->second) {
      if (provider.find_model(model.id) == nullptr) models.emplace_back(provider.id + "/" + model.id, model.display_name);
    }
  }
  return api::anthropic_models_list_json(models);
}

boost::asio::awaitable<void> serve_post(http::Exchange& ex, RequestContext& ctx, const api::Route& route) {
  switch (route.kind) {
    case api::RouteKind::rotations_chat: co_return co_await serve_chat(ex, ctx, "rotations");
    case api::RouteKind::autoselect_chat: co_return co_await serve_chat(ex, ctx, "autoselect");
    case api::RouteKind::messages:
    case api::RouteKind::scoped_messages: co_return co_await serve_messages(ex, ctx, route.scope);
    case api::RouteKind::count_tokens: co_return co_await serve_count_tokens(ex, ctx);
    case api::RouteKind::completions:
    case api::RouteKind::scoped_completions: co_return co_await serve_completions(ex, ctx, route.scope);
    default: co_return co_await serve_chat(ex, ctx, route.scope);
  }
}

std::shared_ptr<const routing::RoutingTable> build_routes(std::shared_ptr<const Config> config) {
  auto table = std::make_shared<const routing::RoutingTable>(std::move(config));
  for (const auto& warning : table->warnings()) spdlog::warn("rotations.json: {}", warning);
  return table;
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

std::string reset_state(GatewayState& state, std::string_view key) {
  bool cleared = state.health->reset(key);
  state.adaptive->reset(key);
  state.spacing->reset(key);
  state.tokens->reset(key);
  return cleared ? R"({"reset":true})" : R"({"reset":false})";
}

}  // namespace

App::App(std::shared_ptr<const Config> config)
    : routes_(build_routes(std::move(config))),
      state_(GatewayState::in_process(std::random_device{}(),
                                      static_cast<std::size_t>(routes_.load()->config().routing.max_tracked_keys))),
      loopback_only_(is_loopback_host(routes_.load()->config().server.host)) {}

void App::replace_config(std::shared_ptr<const Config> next) {
  routes_.store(build_routes(std::move(next)), std::memory_order_release);
}

void App::start_background(boost::asio::io_context& io, http::UpstreamPool& pool) {
  auto catalog = catalog_;
  boost::asio::co_spawn(io, catalog->run(pool, [this] { return config(); }),
                        [catalog](std::exception_ptr e) {
                          if (e) spdlog::error("model list refresh stopped by an exception");
                        });
}

void App::stop_background() { catalog_->stop(); }

boost::asio::awaitable<void> App::handle(http::Exchange& ex) {
  static const std::string prefix = request_id_prefix();
  RequestContext ctx;
  ctx.routes = routes();
  ctx.config = ctx.routes->config_ptr();
  ctx.state = state_.get();
  ctx.started = std::chrono::steady_clock::now();
  ctx.request_id = fmt::format("{}{:x}", prefix, next_request_.fetch_add(1, std::memory_order_relaxed));
  const auto& req = ex.request();
  const auto route = api::match_route(std::string_view(req.method_string()), std::string_view(req.target()));
  const bool anthropic = api::is_anthropic_route(route.kind);
  if (anthropic) ctx.format = IngressFormat::anthropic_messages;
  if (route.kind == api::RouteKind::completions || route.kind == api::RouteKind::scoped_completions)
    ctx.format = IngressFormat::openai_completions;

  // DNS rebinding: a page on another origin must not reach a loopback gateway.
  if (loopback_only_) {
    auto host = req[bhttp::field::host];
    if (!host.empty() && !is_loopback_host(host_name(std::string_view(host)))) {
      co_return co_await send_error(
          ex, coded(ErrorKind::forbidden, "Host header does not name a loopback address", "invalid_host"),
          ctx);
    }
  }
  if (route.kind != api::RouteKind::health && ctx.config->auth.enabled) {
    auto token = auth::bearer_token(std::string_view(req[bhttp::field::authorization]));
    // Anthropic clients send their key as x-api-key.
    if (token.empty() && anthropic) token = std::string_view(req["x-api-key"]);
    if (!auth::token_is_valid(ctx.config->auth, token)) {
      auto e = coded(ErrorKind::unauthorized,
                     token.empty() ? "missing gateway token: send 'Authorization: Bearer <token>'"
                                   : "invalid gateway token",
                     "invalid_api_key");
      co_return co_await send_error(ex, e, ctx);
    }
    ctx.principal.authenticated = true;
  }
  if (route.bad_escape) {
    co_return co_await send_error(ex, coded(ErrorKind::invalid_request, "invalid percent-escape in the path", "invalid_path"),
                                  ctx);
  }

  const Config& config = *ctx.config;
  switch (route.kind) {
    case api::RouteKind::health:
      co_return co_await send_json(ex, 200, R"({"status":"ok"})", ctx.request_id);
    case api::RouteKind::status:
      co_return co_await send_json(ex, 200, api::status_json(config), ctx.request_id);
    case api::RouteKind::models_list:
      // Anthropic's SDK lists models on the same path; it sends anthropic-version.
      if (!req["anthropic-version"].empty())
        co_return co_await send_json(ex, 200, anthropic_models_json(config, *catalog_->snapshot()), ctx.request_id);
      co_return co_await send_json(ex, 200, api::models_list_json(config, {}, catalog_->snapshot().get()),
                                   ctx.request_id);
    case api::RouteKind::model_get: {
      if (auto model = api::model_json(config, route.model_id)) co_return co_await send_json(ex, 200, *model, ctx.request_id);
      co_return co_await send_error(
          ex, coded(ErrorKind::not_found, fmt::format("model '{}' does not exist", route.model_id), "model_not_found"),
          ctx);
    }
    case api::RouteKind::scoped_models: {
      if (config.find_provider(route.scope) != nullptr)
        co_return co_await send_json(ex, 200, api::models_list_json(config, route.scope, catalog_->snapshot().get()),
                                     ctx.request_id);
      co_return co_await send_error(
          ex, coded(ErrorKind::not_found, fmt::format("no provider named '{}'", route.scope), "model_not_found"),
          ctx);
    }
    case api::RouteKind::chat:
    case api::RouteKind::scoped_chat:
    case api::RouteKind::rotations_chat:
    case api::RouteKind::autoselect_chat:
    case api::RouteKind::messages:
    case api::RouteKind::scoped_messages:
    case api::RouteKind::count_tokens:
    case api::RouteKind::completions:
    case api::RouteKind::scoped_completions: {
      if (!is_json_content_type(std::string_view(req[bhttp::field::content_type]))) {
        co_return co_await send_error(
            ex, coded(ErrorKind::unsupported_media, "request body must be sent as Content-Type: application/json",
                      "unsupported_media_type"),
            ctx);
      }
      co_return co_await serve_post(ex, ctx, route);
    }
    case api::RouteKind::rotations_list:
      co_return co_await send_json(ex, 200, api::rotations_list_json(*ctx.routes), ctx.request_id);
    case api::RouteKind::rotations_models:
      co_return co_await send_json(ex, 200, api::rotation_models_json(config), ctx.request_id);
    case api::RouteKind::admin_health: {
      const api::HealthViews views{*state_->health, *state_->adaptive, *state_->spacing, *state_->tokens};
      co_return co_await send_json(ex, 200, api::health_json(views, std::chrono::steady_clock::now()),
                                   ctx.request_id);
    }
    case api::RouteKind::admin_health_reset: {
      auto key = reset_key(req.body());
      if (!key) {
        co_return co_await send_error(
            ex, coded(ErrorKind::invalid_request, R"(expected no body or {"key": "provider/model"})", "invalid_body"),
            ctx);
      }
      co_return co_await send_json(ex, 200, reset_state(*state_, *key), ctx.request_id);
    }
    case api::RouteKind::method_not_allowed: {
      auto e = coded(ErrorKind::invalid_request, "method not allowed on this route", "method_not_allowed");
      e.status = 405;
      co_return co_await send_error(ex, e, ctx);
    }
    case api::RouteKind::not_found:
      break;
  }
  co_return co_await send_error(
      ex, coded(ErrorKind::not_found, fmt::format("no route for {} {}", std::string_view(req.method_string()),
                                                  std::string_view(req.target())),
                "not_found"),
      ctx);
}

}  // namespace aisbf
