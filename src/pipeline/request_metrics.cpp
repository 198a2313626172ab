#include "pipeline/request_metrics.hpp"

#include <algorithm>
#include <map>

#include <spdlog/spdlog.h>
#include <boost/beast/core/string.hpp>

#include "auth/api_tokens.hpp"
#include "core/ip_range.hpp"
#include "ops/access_log.hpp"
#include "ops/metrics.hpp"
#include "pipeline/access_log_writer.hpp"
#include "pipeline/forwarded.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/relay.hpp"

namespace aisbf {

static_assert(kUnmatchedRoute == ops::kMaxRoutes - 1, "unmatched requests take the last route slot");
static_assert(ops::kMaxOutcomes == 1 + static_cast<std::size_t>(ErrorKind::internal) + 1,
              "an attempt's outcome slots: ok, then one per ErrorKind (internal is the last)");

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::microseconds micros(Clock::duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d); }

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::size_t status_class(int status) {
  return status >= 100 && status < 600 ? static_cast<std::size_t>(status / 100 - 1) : 5;
}

std::string_view header_value(const http::Request& request, std::string_view name) {
  auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  if (it == request.end()) return {};
  return std::string_view(it->value().data(), it->value().size());
}

}  // namespace

ops::Shard* metrics_shard(const RequestContext& ctx) {
  if (ctx.state == nullptr || ctx.state->metrics == nullptr || !ctx.config || !ctx.config->server.metrics)
    return nullptr;
  return &ctx.state->metrics->local();
}

std::string trusted_request_id(const http::Exchange& ex, const Config& config) {
  const auto& trusted = config.server.trusted_proxies;
  if (trusted.empty()) return {};
  const auto id = header_value(ex.request(), "x-request-id");
  if (id.empty() || !ops::acceptable_request_id(id)) return {};
  if (!in_any_range(trusted, ex.client_address())) return {};
  return std::string(id);
}

void metrics_attempt_start(RequestContext& ctx, const routing::Candidate& c, bool listed) {
  if (!ctx.usage.metrics) return;
  ctx.usage.attempt_started = Clock::now();
  // Label values from the configuration only: a model the provider does
  // not list (a client's own name) and users' own providers are folded.
  if (ctx.global_routes != nullptr) {
    ctx.usage.target_label = ctx.state->metrics->target("(user)", "(user)");
  } else {
    ctx.usage.target_label =
        ctx.state->metrics->target(c.provider->id, listed && c.model != nullptr ? std::string_view(c.upstream_model)
                                                                                : std::string_view("(unlisted)"));
  }
}

void metrics_attempt_end(RequestContext& ctx, const RelayOutcome& outcome) {
  auto* shard = metrics_shard(ctx);
  if (shard == nullptr || !ctx.usage.metrics) return;
  auto& t = shard->targets[ctx.usage.target_label];
  const std::size_t kind = outcome.error ? 1 + static_cast<std::size_t>(outcome.error->kind) : 0;
  ops::bump(t.attempts[std::min(kind, ops::kMaxOutcomes - 1)]);
  // To the answer's head when it reached the client, else to the attempt's end.
  const auto started = ctx.usage.attempt_started;
  const auto until = outcome.reached_client && ctx.usage.first_byte > started ? ctx.usage.first_byte : Clock::now();
  ctx.usage.upstream_total += until - started;
  t.upstream.observe(micros(until - started));
}

void metrics_failover(RequestContext& ctx) {
  if (auto* shard = metrics_shard(ctx)) ops::bump(shard->failovers);
}

void metrics_rate_limit_wait(RequestContext& ctx, Clock::duration waited) {
  auto* shard = metrics_shard(ctx);
  if (shard == nullptr) return;
  ctx.usage.upstream_total += waited;
  ops::bump(shard->rate_limit_waits);
  ops::bump(shard->rate_limit_wait_us, static_cast<std::uint64_t>(std::max<std::int64_t>(0, micros(waited).count())));
}

void metrics_chat_end(RequestContext& ctx, std::string_view model) {
  if (!ctx.usage.metrics) return;
  if (auto* shard = metrics_shard(ctx))
    ops::bump(shard->chat_by_format[std::min(static_cast<std::size_t>(ctx.format), ops::kMaxFormats - 1)]);
  metrics_operation_end(ctx, model);
}

void metrics_operation_end(RequestContext& ctx, std::string_view model) {
  UsageTap& tap = ctx.usage;
  if (!tap.metrics) return;
  if (ctx.state->access_log != nullptr && tap.requested_model.empty()) tap.requested_model.assign(model);
  auto* shard = metrics_shard(ctx);
  if (shard == nullptr) return;
  if (tap.streamed && tap.status != 0) shard->gauge_add(ops::GaugeId::streams, -1);
  if (tap.attempts == 0 && tap.attempt_started == Clock::time_point{}) return;  // no attempt: no target
  auto& t = shard->targets[tap.target_label];
  ops::bump(t.served[status_class(tap.status)]);
  const ScannedUsage& u = tap.usage;
  ops::bump(t.prompt_tokens, static_cast<std::uint64_t>(std::max<std::int64_t>(0, u.prompt_tokens)));
  ops::bump(t.completion_tokens, static_cast<std::uint64_t>(std::max<std::int64_t>(0, u.completion_tokens)));
  if (auto cost = routing::cost_of(tap.prices, {u.prompt_tokens, u.completion_tokens, u.cached_tokens,
                                                u.cache_write_tokens, u.reasoning_tokens})) {
    ops::bump(t.cost_nano, static_cast<std::uint64_t>(std::max(0.0, *cost) * 1e9 + 0.5));
  }
  if (tap.status != 0 && tap.first_byte > ctx.started) {
    const auto ttfb = tap.first_byte - ctx.started;
    shard->ttfb.observe(micros(ttfb));
    // Every attempt's upstream time and the rate_limit waits, not only the
    // last attempt's: a 429 before a failover is upstream time too.
    shard->overhead.observe(micros(std::max(ttfb - tap.upstream_total, Clock::duration::zero())));
  }
}

RequestRecord::RequestRecord(http::Exchange& ex, RequestContext& ctx) : ex_(ex), ctx_(ctx), shard_(metrics_shard(ctx)) {
  if (shard_ != nullptr) shard_->gauge_add(ops::GaugeId::requests, 1);
  ctx_.usage.shard = shard_;
  ctx_.usage.metrics = shard_ != nullptr || ctx_.state->access_log != nullptr;
}

RequestRecord::~RequestRecord() {
  ex_.set_request_id({});  // it viewed ctx.request_id, which goes with the handler's frame
  const int status = ex_.status() != 0 ? ex_.status() : 499;  // nothing sent: the client left (nginx's 499)
  const auto now = Clock::now();
  if (shard_ != nullptr) {
    ops::bump(shard_->requests[row_][ops::status_slot(status)]);
    shard_->duration[row_].observe(micros(now - ctx_.started));
    shard_->gauge_add(ops::GaugeId::requests, -1);  // last: a scrape that sees it gone sees it counted
  }
  AccessLogWriter* log = ctx_.state->access_log;
  if (log == nullptr) return;
  const UsageTap& tap = ctx_.usage;
  // The peer's address, or behind trusted proxies the client they name.
  const std::string_view client = client_address_of(ex_, ctx_);
  const auto& request = ex_.request();
  ops::AccessRecord r;
  r.time_ms = unix_ms_now();
  r.request_id = ctx_.request_id;
  r.client = client;
  r.method = std::string_view(request.method_string().data(), request.method_string().size());
  r.target = std::string_view(request.target().data(), request.target().size());
  r.route = route_;
  r.user = ctx_.principal.user_id;
  r.model = tap.requested_model;
  r.provider = tap.provider;
  r.upstream_model = tap.model;
  r.status = status;
  r.prompt_tokens = tap.usage.prompt_tokens;
  r.completion_tokens = tap.usage.completion_tokens;
  r.latency_us = micros(now - ctx_.started).count();
  r.ttfb_us = ex_.status() != 0 ? micros(ex_.head_time() - ctx_.started).count() : -1;
  r.attempts = tap.attempts;
  if (!log->write(r) && shard_ != nullptr) ops::bump(shard_->access_log_dropped);
}

void record_refusal(GatewayState& state, const Config& config, const http::Request& request,
                    const http::EarlyAnswer& answer, std::size_t row, std::string_view route) {
  if (config.server.metrics && state.metrics != nullptr) {
    ops::bump(state.metrics->local().requests[std::min(row, kUnmatchedRoute)][ops::status_slot(answer.status)]);
  }
  if (state.access_log == nullptr) return;
  std::string_view id;
  for (const auto& [name, value] : answer.headers) {
    if (boost::beast::iequals(name, "x-request-id")) id = value;
  }
  ops::AccessRecord r;
  r.time_ms = unix_ms_now();
  r.request_id = id;
  r.client = "-";  // the header check sees no socket
  r.method = std::string_view(request.method_string().data(), request.method_string().size());
  r.target = std::string_view(request.target().data(), request.target().size());
  r.route = route;
  r.status = answer.status;
  r.latency_us = 0;
  state.access_log->write(r);
}

void record_server_answer(GatewayState& state, int status, std::string_view client, std::string_view id) {
  if (state.access_log == nullptr) return;  // counted by the server (aisbf_server_answers_total)
  ops::AccessRecord r;
  r.time_ms = unix_ms_now();
  r.request_id = id;
  r.client = client;
  r.method = "-";  // the request may not have parsed
  r.target = "-";
  r.route = "-";
  r.status = status;
  state.access_log->write(r);
}

}  // namespace aisbf
