// The overall deadline of one client request (server.request_timeout): set
// when the request starts, honoured across attempts and waits. Without it a
// rotation could take max_attempts × (rate-limit wait + total timeout).
#pragma once

#include <optional>

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "core/gateway_error.hpp"
#include "pipeline/attempt_report.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/target_gate.hpp"

namespace aisbf {

// Sets ctx.deadline from ctx.started (now when unset) and the config's
// server.request_timeout, unless a caller already set one.
void arm_deadline(RequestContext& ctx);

// The deadline is set and has passed.
bool past_deadline(const RequestContext& ctx);

// `t` with every limit clipped to `limit`.
Timeouts clipped_to(const Timeouts& t, std::chrono::milliseconds limit);

// `t` with every limit clipped to the time the request has left, so that an
// attempt's upstream call ends by the deadline.
Timeouts within_deadline(const Timeouts& t, const RequestContext& ctx);

// 504 `request_timeout`, for the client in its format.
GatewayError request_timed_out(const RequestContext& ctx);

// gate.wait(ctx), cut short at the deadline (then it returns nullopt and
// past_deadline(ctx) holds: the caller answers, and the gate releases its
// claims when dropped).
boost::asio::awaitable<std::optional<AttemptRecord>> wait_for_slot(TargetGate& gate, RequestContext& ctx);

// gate.claim_now(estimated_tokens), then its rate_limit slot waited for
// when it lies ahead (wait_for_slot): nullopt, go ahead (unless
// past_deadline(ctx)); else why the candidate was skipped.
boost::asio::awaitable<std::optional<AttemptRecord>> claim_slot(TargetGate& gate, RequestContext& ctx,
                                                                std::int64_t estimated_tokens);

}  // namespace aisbf
