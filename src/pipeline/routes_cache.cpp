#include "pipeline/routes_cache.hpp"

#include <optional>
#include <string>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "pipeline/app.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/response_cache.hpp"

namespace aisbf::cache_routes {

namespace {

GatewayError invalid_body() {
  auto e = make_error(
      ErrorKind::invalid_request,
      R"(expected no body or {"namespace": "<user, or empty for the global one>", "provider": "<id>", "model": "<name>"}, each optional)");
  e.code = "invalid_body";
  return e;
}

// The filter the body asks for; nullopt: the body is not one.
std::optional<cache::ClearFilter> parse_filter(std::string_view body) {
  cache::ClearFilter filter;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return filter;
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  for (const auto& kv : parsed.get_object()) {
    if (kv.value().is_null()) continue;
    if (!kv.value().is_string()) return std::nullopt;
    std::string value(kv.value().get_string());
    if (kv.key() == "namespace") {
      filter.space = std::move(value);
    } else if (kv.key() == "provider") {
      filter.provider = std::move(value);
    } else if (kv.key() == "model") {
      filter.model = std::move(value);
    } else {
      return std::nullopt;
    }
  }
  return filter;
}

}  // namespace

boost::asio::awaitable<boost::json::object> stats_json(App& app, const RequestContext& ctx) {
  ResponseCache& cache = *app.state().response_cache;
  auto held = co_await cache.store().stats();
  const CacheCounters counters = cache.counters();
  boost::json::object out;
  out["backend"] = cache.store().name();
  out["enabled"] = ctx.config->response_cache.used;
  out["hits"] = counters.hits;
  out["misses"] = counters.misses;
  const std::uint64_t lookups = counters.hits + counters.misses;
  out["hit_rate"] = lookups == 0 ? 0.0 : static_cast<double>(counters.hits) / static_cast<double>(lookups);
  out["evictions"] = held ? held->evictions : 0;
  out["bytes"] = held ? held->bytes : 0;
  out["entries"] = held ? held->entries : 0;
  out["coalesced"] = counters.coalesced;
  if (!held) out["error"] = held.error().message;
  co_return out;
}

boost::asio::awaitable<void> stats(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  const boost::json::object out = co_await stats_json(app, ctx);
  const std::string body = boost::json::serialize(out);
  co_await send_json(ex, 200, body, ctx.request_id);
}

boost::asio::awaitable<void> clear(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  auto filter = parse_filter(ex.request().body());
  if (!filter) {
    const GatewayError error = invalid_body();
    co_return co_await send_error(ex, error, ctx);
  }
  ResponseCache& cache = *app.state().response_cache;
  const bool all = !filter->space && !filter->provider && !filter->model;
  auto cleared = co_await cache.store().clear(*filter);
  if (!cleared) co_return co_await send_error(ex, cleared.error(), ctx);
  if (all) cache.reset_counters();  // the numbers count since start or the last full clear
  const std::string body = boost::json::serialize(boost::json::object{{"cleared", *cleared}});
  co_await send_json(ex, 200, body, ctx.request_id);
}

}  // namespace aisbf::cache_routes
