#include "pipeline/routes_providers.hpp"

#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>

#include "api/admin_config_json.hpp"
#include "api/provider_presets_json.hpp"
#include "core/log_text.hpp"
#include "http/endpoint.hpp"
#include "pipeline/app.hpp"
#include "pipeline/provider_key_guard.hpp"
#include "pipeline/provider_probe.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/route_table.hpp"
#include "pipeline/upstream_target.hpp"
#include "pipeline/user_routes.hpp"
#include "pipeline/user_views.hpp"
#include "routing/user_config.hpp"

namespace aisbf::provider_routes {

namespace {

namespace json = boost::json;
using store::DocKind;

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxModelBytes = 256;

GatewayError invalid(std::string message, std::string code, std::string param = {}) {
  return make_error(ErrorKind::invalid_request, std::move(message), std::move(code), std::move(param));
}

// What the body asks: nothing (the saved provider, its first model), a
// draft to probe instead, a model for the chat.
struct Ask {
  std::optional<json::object> draft;
  std::string model;
};

// A GET reads the saved provider only: a draft is a POST's (which admission
// holds to the Origin, CSRF and JSON checks of a write), so a GET's body is
// refused rather than probed.
Expected<Ask> read_ask(const http::Exchange& ex) {
  Ask ask;
  const auto& body = ex.request().body();
  if (body.empty()) return ask;
  if (ex.request().method() != boost::beast::http::verb::post) {
    return invalid("a GET carries no body: send a draft with POST", "invalid_body");
  }
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return invalid(R"(expected no body or {"provider": {…}, "model": "…"})", "invalid_body");
  for (auto& [key, value] : v.get_object()) {
    if (key == "provider" && value.is_object()) {
      ask.draft = std::move(value.get_object());
    } else if (key == "model" && value.is_string() && value.get_string().size() <= kMaxModelBytes) {
      ask.model = std::string(value.get_string());
    } else if (key == "provider" || key == "model") {
      return invalid(key == "provider"
                         ? "provider: expected the provider entry (an object)"
                         : fmt::format("model: expected a model name of at most {} bytes", kMaxModelBytes),
                     "invalid_body", std::string(key));
    } else {
      return invalid(fmt::format("unknown field '{}' (expected provider, model)", std::string_view(key)),
                     "invalid_body", std::string(key));
    }
  }
  if (ask.model.find_first_of("\r\n") != std::string::npos)
    return invalid("model: no line breaks", "invalid_body", "model");
  return ask;
}

// A draft loaded by the loader a save uses (the user documents' loader:
// one provider entry, paths relative to it), or its first error. `admin`:
// a global provider's draft, whose "env:NAME" key is read; a user's is not.
Expected<ProviderConfig> load_draft(const Config& global, const std::string& id, json::object draft,
                                    std::span<const std::string_view> reserved, bool admin) {
  if (id.empty() || id.size() > kMaxIdBytes)
    return invalid(fmt::format("id: 1 to {} bytes", kMaxIdBytes), "invalid_id", "id");
  const std::vector<routing::UserDoc> docs{{DocKind::provider, id, std::move(draft)}};
  auto loaded = routing::load_user_docs(global, docs, reserved, admin);
  for (const auto& d : loaded.diagnostics) {
    if (d.severity != Diagnostic::Severity::error) continue;
    // The entry itself (its id: empty, reserved, taken) is the id's error.
    const std::string where = d.json_path.empty() ? "id" : d.json_path;
    return invalid(fmt::format("{}: {}", where, d.message), "invalid_config", where);
  }
  const ProviderConfig* provider = loaded.config ? loaded.config->find_provider(id) : nullptr;
  if (provider == nullptr) return make_error(ErrorKind::internal, "the draft did not load", "internal_error");
  if (!http::parse_endpoint(upstream_target(*provider, nullptr, {}).endpoint)) {
    return invalid("endpoint: expected an http:// or https:// URL (no credentials, query or fragment)",
                   "invalid_config", "endpoint");
  }
  return *provider;
}

// A draft's key sent back masked is the saved one's (`stored`: the saved
// entry, null for a new provider) while the draft goes where the saved entry
// does (provider_key_guard.hpp); a mask that matches none is refused.
std::optional<GatewayError> restore_key(json::object& draft, const json::object* stored) {
  if (auto e = masked_key_elsewhere(draft, stored)) return e;
  json::value sent = std::move(draft);
  const json::value saved = stored != nullptr ? json::value(*stored) : json::value();
  auto refused = api::restore_masked(sent, stored != nullptr ? &saved : nullptr, "");
  draft = std::move(sent.get_object());
  if (refused) return invalid(refused->message, "masked_value", refused->path);
  return std::nullopt;
}

struct Target {
  ProviderConfig provider;
  std::string id;  // as the caller names it
  std::string model;
  std::string owner;  // the namespace: a user's name, "" for the gateway's providers
};

// A probe's slot in its namespace, or the 429 when that has none free.
Expected<ProbeSlots::Slot> take_slot(const Target& target) {
  auto slot = probe_slots().try_take(target.owner);
  if (slot) return slot;
  auto e =
      make_error(ErrorKind::rate_limited,
                 "other provider tests are running for this namespace; try again when one has ended", "probes_busy");
  e.retry_after = "5";
  return e;
}

// Who sent a draft where (its origin; never the key).
void log_draft(std::string_view owner, const ProviderConfig& draft) {
  auto endpoint = http::parse_endpoint(upstream_target(draft, nullptr, {}).endpoint);
  spdlog::info("provider draft '{}' of {} probed at {}", log_text(draft.id),
               owner.empty() ? std::string("the gateway") : fmt::format("user '{}'", log_text(owner)),
               endpoint ? log_text(endpoint->origin_key) : std::string("?"));
}

std::span<const std::string_view> admin_reserved_words() {
  static const std::vector<std::string_view> words = reserved_route_words();
  return words;
}

Expected<Target> admin_target(const http::Exchange& ex, const RequestContext& ctx, const RouteMatch& m) {
  std::string id(m.param("id"));
  auto ask = read_ask(ex);
  if (!ask) return ask.take_error();
  const ProviderConfig* saved = ctx.config->find_provider(id);
  if (!ask->draft) {
    if (saved == nullptr) return make_error(ErrorKind::not_found, fmt::format("no provider '{}'", id), "not_found");
    return Target{*saved, id, std::move(ask->model), {}};
  }
  if (auto e = env_key_introduced(*ask->draft, saved != nullptr ? &saved->raw : nullptr)) return std::move(*e);
  if (auto e = restore_key(*ask->draft, saved != nullptr ? &saved->raw : nullptr)) return std::move(*e);
  auto draft = load_draft(*ctx.config, id, std::move(*ask->draft), admin_reserved_words(), true);
  if (!draft) return draft.take_error();
  log_draft({}, *draft);
  return Target{std::move(*draft), id, std::move(ask->model), {}};
}

awaitable<Expected<Target>> user_target(App& app, const http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  if (auto e = co_await user_routes::enter_namespace(app, ctx, m, true)) co_return std::move(*e);
  std::string id(m.param("id"));
  auto ask = read_ask(ex);
  if (!ask) co_return ask.take_error();
  const routing::UserView& view = *ctx.user_view;
  if (!ask->draft) {
    const ProviderConfig* saved = view.provider(id);
    if (saved == nullptr) {
      co_return make_error(ErrorKind::not_found, fmt::format("you have no provider named '{}'", id), "not_found");
    }
    Target target{*saved, id, std::move(ask->model), ctx.namespace_user};
    target.provider.id = id;  // errors name it as its owner does, not by its internal id
    co_return target;
  }
  const routing::UserDoc* old = view.doc(DocKind::provider, id);
  if (auto e = restore_key(*ask->draft, old != nullptr ? &old->value : nullptr)) co_return std::move(*e);
  UserViews& views = app.user_views();
  auto draft = load_draft(*ctx.config, id, std::move(*ask->draft), views.reserved_words(), false);
  if (!draft) co_return draft.take_error();
  draft->public_addresses_only = !views.allow_private_endpoints(ctx.namespace_user);
  // As for saved ones (routing/user_config.cpp): tor only when the admin turned it on.
  if (draft->public_addresses_only && draft->proxy && draft->proxy->tor && !ctx.config->tor.enabled)
    draft->proxy->tor = false;
  log_draft(ctx.namespace_user, *draft);
  co_return Target{std::move(*draft), id, std::move(ask->model), ctx.namespace_user};
}

awaitable<void> run_test(http::Exchange& ex, RequestContext& ctx, Expected<Target>& target) {
  if (!target) co_return co_await send_error(ex, target.error(), ctx);
  auto slot = take_slot(*target);
  if (!slot) co_return co_await send_error(ex, slot.error(), ctx);
  const ProbeReport report = co_await probe_provider(ex.upstream_pool(), target->provider, target->model, ctx);
  const std::string body = probe_report_json(report, target->id);
  co_await send_json(ex, 200, body, ctx.request_id);
}

awaitable<void> run_models(http::Exchange& ex, RequestContext& ctx, Expected<Target>& target) {
  if (!target) co_return co_await send_error(ex, target.error(), ctx);
  auto slot = take_slot(*target);
  if (!slot) co_return co_await send_error(ex, slot.error(), ctx);
  const ModelsProbe probe = co_await probe_models(ex.upstream_pool(), target->provider, ctx);
  if (!probe.ran) co_return co_await send_error(ex, invalid(probe.skipped, "no_model_list"), ctx);
  if (probe.error) co_return co_await send_error(ex, *probe.error, ctx);
  const std::string body = upstream_models_json(probe, target->provider, target->id);
  co_await send_json(ex, 200, body, ctx.request_id);
}

}  // namespace

awaitable<void> presets(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch&) {
  static const std::string body = api::provider_presets_json();
  co_await send_json(ex, 200, body, ctx.request_id);
}

awaitable<void> admin_test(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  auto target = admin_target(ex, ctx, m);
  co_await run_test(ex, ctx, target);
}

awaitable<void> admin_upstream_models(App&, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  auto target = admin_target(ex, ctx, m);
  co_await run_models(ex, ctx, target);
}

awaitable<void> user_test(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  auto target = co_await user_target(app, ex, ctx, m);
  co_await run_test(ex, ctx, target);
}

awaitable<void> user_upstream_models(App& app, http::Exchange& ex, RequestContext& ctx, const RouteMatch& m) {
  auto target = co_await user_target(app, ex, ctx, m);
  co_await run_models(ex, ctx, target);
}

}  // namespace aisbf::provider_routes
