#include "pipeline/request_deadline.hpp"

#include <algorithm>
#include <memory>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>

#include "pipeline/request_metrics.hpp"

namespace aisbf {

using Clock = std::chrono::steady_clock;

void arm_deadline(RequestContext& ctx) {
  if (ctx.deadline != Clock::time_point{}) return;
  if (ctx.started == Clock::time_point{}) ctx.started = Clock::now();
  ctx.deadline = ctx.started + ctx.config->server.request_timeout;
}

bool past_deadline(const RequestContext& ctx) {
  return ctx.deadline != Clock::time_point{} && Clock::now() >= ctx.deadline;
}

Timeouts clipped_to(const Timeouts& t, std::chrono::milliseconds limit) {
  return Timeouts{std::min(t.connect, limit), std::min(t.first_byte, limit), std::min(t.idle, limit),
                  std::min(t.total, limit)};
}

Timeouts within_deadline(const Timeouts& t, const RequestContext& ctx) {
  if (ctx.deadline == Clock::time_point{}) return t;
  const auto left = std::max(std::chrono::ceil<std::chrono::milliseconds>(ctx.deadline - Clock::now()),
                             std::chrono::milliseconds(1));
  return clipped_to(t, left);
}

GatewayError request_timed_out(const RequestContext& ctx) {
  const auto limit = std::chrono::duration<double>(ctx.config->server.request_timeout).count();
  auto e = make_error(ErrorKind::upstream_timeout,
                      fmt::format("the request did not complete within server.request_timeout ({:g} s)", limit));
  e.code = "request_timeout";
  e.retryable = false;  // nothing is left of this request's time to try anything else
  return e;
}

namespace {

boost::asio::awaitable<std::optional<AttemptRecord>> wait_within_deadline(TargetGate& gate, RequestContext& ctx) {
  if (ctx.deadline == Clock::time_point{}) co_return co_await gate.wait(ctx);
  // The guard's handler may run after this frame is gone (a cancelled or
  // already-queued completion): it reaches ctx only while `armed` says so.
  auto armed = std::make_shared<bool>(true);
  boost::asio::steady_timer guard(co_await boost::asio::this_coro::executor);
  guard.expires_at(ctx.deadline);
  guard.async_wait([armed, &ctx](const boost::system::error_code& ec) {
    if (!ec && *armed) ctx.cancel.interrupt();
  });
  auto skip = co_await gate.wait(ctx);
  *armed = false;
  guard.cancel();
  co_return skip;
}

}  // namespace

boost::asio::awaitable<std::optional<AttemptRecord>> wait_for_slot(TargetGate& gate, RequestContext& ctx) {
  const auto started = Clock::now();
  auto skip = co_await wait_within_deadline(gate, ctx);
  metrics_rate_limit_wait(ctx, Clock::now() - started);
  co_return skip;
}

boost::asio::awaitable<std::optional<AttemptRecord>> claim_slot(TargetGate& gate, RequestContext& ctx,
                                                                std::int64_t estimated_tokens) {
  auto skip = gate.claim_now(estimated_tokens);
  if (!skip && gate.must_wait()) skip = co_await wait_for_slot(gate, ctx);
  co_return skip;
}

}  // namespace aisbf
