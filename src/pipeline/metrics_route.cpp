// GET /metrics: the shards summed, the shared state read, rendered as the
// Prometheus text format 0.0.4 (request_metrics.hpp).
#include <algorithm>
#include <map>
#include <memory>

#include <boost/beast/core/string.hpp>

#include "auth/api_tokens.hpp"
#include "core/ip_range.hpp"
#include "ops/metrics.hpp"
#include "pipeline/access_log_writer.hpp"
#include "pipeline/app.hpp"
#include "pipeline/forwarded.hpp"
#include "pipeline/request_metrics.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/response_cache.hpp"
#include "pipeline/route_table.hpp"
#include "store/usage_recorder.hpp"

namespace aisbf {

namespace {

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;
constexpr std::array<std::string_view, 4> kFormatNames{"openai_chat", "openai_completions", "anthropic_messages",
                                                       "openai_responses"};
constexpr std::array<std::string_view, 6> kClassNames{"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

std::uint64_t get(const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); }

// The route table's names (aliases share one) and "-" for unmatched requests.
std::string_view route_name(std::size_t row) {
  const auto table = route_table();
  return row < table.size() ? table[row].spec.name : std::string_view("-");
}

void write_requests(ops::TextWriter& w, const ops::Shard& s) {
  // Rows of one name (aliases) summed per status.
  std::map<std::pair<std::string_view, std::size_t>, std::uint64_t> by_name;
  for (std::size_t row = 0; row < ops::kMaxRoutes; ++row) {
    for (std::size_t slot = 0; slot < ops::kStatusSlots; ++slot) {
      if (auto n = get(s.requests[row][slot])) by_name[{route_name(row), slot}] += n;
    }
  }
  w.family("aisbf_requests_total", "counter", "HTTP requests answered, by route and status code");
  for (const auto& [key, n] : by_name) {
    const Labels l{{"route", key.first}, {"code", ops::status_label(key.second)}};
    w.sample("aisbf_requests_total", l, n);
  }
  w.family("aisbf_request_duration_seconds", "histogram", "Whole request time, by route");
  std::map<std::string_view, ops::HistogramSlots> durations;
  for (std::size_t row = 0; row < ops::kMaxRoutes; ++row) {
    const auto& h = s.duration[row];
    std::uint64_t count = 0;
    for (const auto& b : h.buckets) count += get(b);
    if (count == 0) continue;
    auto& into = durations[route_name(row)];
    for (std::size_t i = 0; i < h.buckets.size(); ++i) ops::bump(into.buckets[i], get(h.buckets[i]));
    ops::bump(into.sum_us, get(h.sum_us));
  }
  for (const auto& [name, h] : durations) {
    const Labels l{{"route", name}};
    w.histogram("aisbf_request_duration_seconds", l, h);
  }
  w.family("aisbf_chat_requests_total", "counter", "Chat requests (every chat door), by client format");
  for (std::size_t f = 0; f < kFormatNames.size(); ++f) {
    const Labels l{{"format", kFormatNames[f]}};
    w.sample("aisbf_chat_requests_total", l, get(s.chat_by_format[f]));
  }
  w.family("aisbf_ttfb_seconds", "histogram", "Chat requests: start to the first byte sent to the client");
  w.histogram("aisbf_ttfb_seconds", {}, s.ttfb);
  w.family("aisbf_gateway_overhead_seconds", "histogram",
           "Chat requests: time to first byte less the serving attempt's upstream time");
  w.histogram("aisbf_gateway_overhead_seconds", {}, s.overhead);
}

void write_targets(ops::TextWriter& w, const ops::Shard& s, const std::vector<ops::TargetLabels::Pair>& pairs) {
  auto each = [&](auto&& fn) {
    for (std::size_t t = 0; t < pairs.size() && t < ops::kMaxTargets; ++t) fn(pairs[t], s.targets[t]);
  };
  w.family("aisbf_upstream_attempts_total", "counter", "Attempts at a provider/model, by outcome (ok or error kind)");
  each([&](const auto& p, const ops::TargetSlots& t) {
    for (std::size_t k = 0; k < ops::kMaxOutcomes; ++k) {
      const auto n = get(t.attempts[k]);
      if (n == 0) continue;
      const std::string_view outcome = k == 0 ? "ok" : error_kind_name(static_cast<ErrorKind>(k - 1));
      const Labels l{{"provider", p.provider}, {"model", p.model}, {"outcome", outcome}};
      w.sample("aisbf_upstream_attempts_total", l, n);
    }
  });
  w.family("aisbf_upstream_requests_total", "counter",
           "Chat requests by the provider/model that served (or last failed) them, by status class");
  each([&](const auto& p, const ops::TargetSlots& t) {
    for (std::size_t c = 0; c < t.served.size(); ++c) {
      if (const auto n = get(t.served[c])) {
        const Labels l{{"provider", p.provider}, {"model", p.model}, {"code", kClassNames[c]}};
        w.sample("aisbf_upstream_requests_total", l, n);
      }
    }
  });
  w.family("aisbf_tokens_total", "counter", "Tokens the upstreams reported, by direction");
  each([&](const auto& p, const ops::TargetSlots& t) {
    if (get(t.prompt_tokens) == 0 && get(t.completion_tokens) == 0) return;
    const Labels in{{"provider", p.provider}, {"model", p.model}, {"direction", "in"}};
    const Labels out{{"provider", p.provider}, {"model", p.model}, {"direction", "out"}};
    w.sample("aisbf_tokens_total", in, get(t.prompt_tokens));
    w.sample("aisbf_tokens_total", out, get(t.completion_tokens));
  });
  w.family("aisbf_cost_total", "counter", "Cost of the answered requests, in the pricing's currency");
  each([&](const auto& p, const ops::TargetSlots& t) {
    if (const auto n = get(t.cost_nano)) {
      const Labels l{{"provider", p.provider}, {"model", p.model}};
      w.sample("aisbf_cost_total", l, static_cast<double>(n) / 1e9);
    }
  });
  w.family("aisbf_upstream_seconds", "histogram",
           "Attempt time: to the answer's head when it reached the client, else to the attempt's end");
  each([&](const auto& p, const ops::TargetSlots& t) {
    std::uint64_t count = 0;
    for (const auto& b : t.upstream.buckets) count += get(b);
    if (count == 0) return;
    const Labels l{{"provider", p.provider}, {"model", p.model}};
    w.histogram("aisbf_upstream_seconds", l, t.upstream);
  });
}

// Health per provider/model of the running configuration (keys of other
// namespaces are left out: their names are users').
void write_health(ops::TextWriter& w, App& app) {
  const auto config = app.config();
  const auto& providers = config->providers;
  struct Entry {
    std::string_view provider, model, state;
    double cooldown = 0;
  };
  const auto snapshot = app.state().health->snapshot(limits::Clock::now());
  std::vector<Entry> entries;
  for (const auto& h : snapshot) {
    const auto slash = h.key.find('/');
    if (slash == std::string::npos) continue;
    const std::string_view provider(h.key.data(), slash), model(h.key.data() + slash + 1, h.key.size() - slash - 1);
    if (std::none_of(providers.begin(), providers.end(), [&](const auto& p) { return p.id == provider; })) continue;
    entries.push_back({provider, model, routing::health_status_name(h.status),
                       std::chrono::duration<double>(h.cooldown_left).count()});
  }
  // Each family's samples together (the text format wants them contiguous).
  w.family("aisbf_target_health", "gauge", "Health of provider/model targets with a failure history (1: the state)");
  for (const auto& e : entries) {
    const Labels l{{"provider", e.provider}, {"model", e.model}, {"state", e.state}};
    w.sample("aisbf_target_health", l, std::uint64_t{1});
  }
  w.family("aisbf_target_cooldown_seconds", "gauge", "Cooldown left of a provider/model target");
  for (const auto& e : entries) {
    const Labels l{{"provider", e.provider}, {"model", e.model}};
    w.sample("aisbf_target_cooldown_seconds", l, e.cooldown);
  }
}

void write_state(ops::TextWriter& w, App& app, const ops::Shard& s) {
  const Labels none;
  w.family("aisbf_failovers_total", "counter", "Failed attempts after which the rotation tried another candidate");
  w.sample("aisbf_failovers_total", none, get(s.failovers));
  w.family("aisbf_rate_limit_waits_total", "counter", "Waits for a rate_limit slot");
  w.sample("aisbf_rate_limit_waits_total", none, get(s.rate_limit_waits));
  w.family("aisbf_rate_limit_wait_seconds_total", "counter", "Time spent waiting for rate_limit slots");
  w.sample("aisbf_rate_limit_wait_seconds_total", none, static_cast<double>(get(s.rate_limit_wait_us)) / 1e6);
  const auto cache = app.state().response_cache ? app.state().response_cache->counters() : CacheCounters{};
  w.family("aisbf_response_cache_total", "counter", "Response cache lookups, by result");
  for (const auto& [result, n] : {std::pair<std::string_view, std::uint64_t>{"hit", cache.hits},
                                  {"miss", cache.misses},
                                  {"coalesced", cache.coalesced}}) {
    const Labels l{{"result", result}};
    w.sample("aisbf_response_cache_total", l, n);
  }
  auto gauge = [&](ops::GaugeId id) {
    return static_cast<double>(static_cast<std::int64_t>(get(s.gauges[static_cast<std::size_t>(id)])));
  };
  w.family("aisbf_active_requests", "gauge", "Requests being served");
  w.sample("aisbf_active_requests", none, gauge(ops::GaugeId::requests));
  w.family("aisbf_active_streams", "gauge", "Chat answers being streamed to clients");
  w.sample("aisbf_active_streams", none, gauge(ops::GaugeId::streams));
  if (app.open_connections) {
    w.family("aisbf_open_connections", "gauge", "Open client connections");
    w.sample("aisbf_open_connections", none, app.open_connections());
  }
  if (app.server_answers) {
    // Load shedding (503) and malformed requests, answered before any
    // route: not in aisbf_requests_total.
    w.family("aisbf_server_answers_total", "counter",
             "Answers the HTTP layer sent itself (malformed, too large, overloaded, a failed handler), by status");
    for (const auto& [status, n] : app.server_answers()) {
      const auto code = std::to_string(status);
      const Labels l{{"code", code}};
      w.sample("aisbf_server_answers_total", l, n);
    }
  }
  if (app.usage.recorder != nullptr) {
    const auto stats = app.usage.recorder->stats();
    w.family("aisbf_usage_queue_depth", "gauge", "Usage rows queued or being written");
    w.sample("aisbf_usage_queue_depth", none, stats.pending);
    w.family("aisbf_usage_dropped_total", "counter", "Usage rows dropped (queue full or write failed)");
    w.sample("aisbf_usage_dropped_total", none, stats.dropped());
  }
  if (auto* log = app.state().access_log) {
    w.family("aisbf_access_log_dropped_total", "counter", "Access-log lines dropped (queue full)");
    w.sample("aisbf_access_log_dropped_total", none, log->dropped());
  }
  w.family("aisbf_build_info", "gauge", "The running build");
  const Labels build{{"version", AISBF_VERSION}};
  w.sample("aisbf_build_info", build, std::uint64_t{1});
}

// server.metrics_allow is checked against the client as the trusted proxies
// report it (client_of), never against a proxy's own address: behind nginx
// on the same host every request comes from 127.0.0.1. A request carrying
// forwarding headers from a peer that is not a trusted proxy was relayed
// for a client we cannot identify, so only the token lets it in.
bool metrics_allowed(const http::Exchange& ex, RequestContext& ctx) {
  const auto& server = ctx.config->server;
  const auto& request = ex.request();
  const auto auth = request[boost::beast::http::field::authorization];
  constexpr std::string_view kBearer = "Bearer ";
  if (!server.metrics_token.empty() && auth.size() > kBearer.size() &&
      boost::beast::iequals(auth.substr(0, kBearer.size()), kBearer)) {
    const std::string_view token(auth.data() + kBearer.size(), auth.size() - kBearer.size());
    if (auth::constant_time_equal(token, server.metrics_token)) return true;
  }
  const bool forwarded = request.find("X-Forwarded-For") != request.end() ||
                         request.find(boost::beast::http::field::forwarded) != request.end();
  if (forwarded && !in_any_range(server.trusted_proxies, ex.client_address())) return false;
  return in_any_range(server.metrics_allow, client_of(ex, ctx).address);
}

}  // namespace

boost::asio::awaitable<void> serve_metrics(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  const auto& server = ctx.config->server;
  if (!server.metrics || app.state().metrics == nullptr) {
    co_return co_await send_error(ex, make_error(ErrorKind::not_found, "metrics are off (server.metrics)"), ctx);
  }
  if (!metrics_allowed(ex, ctx)) {
    auto error = make_error(ErrorKind::forbidden,
                            "GET /metrics needs the bearer server.metrics_token or a client in server.metrics_allow");
    co_return co_await send_error(ex, error, ctx);
  }
  auto sum = std::make_unique<ops::Shard>();
  app.state().metrics->sum(*sum);
  ops::TextWriter w;
  write_requests(w, *sum);
  write_targets(w, *sum, app.state().metrics->labels().pairs());
  write_health(w, app);
  write_state(w, app, *sum);
  const auto body = w.take();
  const HeaderList headers{{"Cache-Control", "no-store"}};
  co_await ex.send(200, "text/plain; version=0.0.4; charset=utf-8", body, headers);
}

}  // namespace aisbf
