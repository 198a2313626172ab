// The shared state's view of one attempt at one candidate: whether it may
// be tried (health, learned 429 blocks), claiming it (the half-open trial,
// token windows, a rate_limit slot, waited for), and the verdict afterwards
// (health, adaptive learning, real token usage). A gate dropped without a
// verdict releases what it claimed.
#pragma once

#include <cstdint>
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "core/gateway_error.hpp"
#include "core/usage_scan.hpp"
#include "limits/clock.hpp"
#include "limits/rate_hints.hpp"
#include "pipeline/attempt_report.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/request_context.hpp"
#include "routing/rotation.hpp"
#include "routing/selector.hpp"

namespace aisbf {

// Why a candidate cannot be tried now; nullopt when it can. Reads only.
// `check_health`: rotations skip cooling targets; a direct request goes anyway.
std::optional<AttemptRecord> unavailable_reason(GatewayState& state, const Config& config,
                                                const routing::Candidate& candidate, bool check_health,
                                                limits::TimePoint now);

// !unavailable_reason(…), without building the reason: asked of every
// candidate a rotation's planner considers.
bool available_now(GatewayState& state, const Config& config, const routing::Candidate& candidate, bool check_health,
                   limits::TimePoint now);

// A rotation's next candidate to try: the planner's pick among the
// candidates available now (health checked), and among those the ones
// `also` marks (non-zero; null: every one). nullopt: none is left.
std::optional<std::size_t> next_available(RequestContext& ctx, const routing::RotationPlan& plan,
                                          routing::AttemptPlanner& planner, const std::vector<char>* also = nullptr);

class TargetGate {
 public:
  TargetGate(GatewayState& state, const Config& config, const routing::Candidate& candidate, bool check_health);
  ~TargetGate();
  TargetGate(const TargetGate&) = delete;
  TargetGate& operator=(const TargetGate&) = delete;

  // Claims the candidate for a request of about `estimated_tokens`: its
  // half-open trial, its token windows and a rate_limit slot. nullopt:
  // claimed, go ahead once must_wait() is false or wait() said nullopt;
  // otherwise why it was skipped (everything claimed is released). No
  // coroutine: the common case (no slot in the future) waits for nothing. A
  // gate without health checks (a direct request: nothing selected it) also
  // refuses a target blocked by a learned 429, which available_now() rules
  // out for a rotation's candidates before they are chosen.
  // `max_wait`: how far ahead a rate_limit slot may be (default: the
  // config's max_rate_limit_wait); zero claims one only when it is due now,
  // for a call that would rather go without than wait (and so never holds
  // a slot it does not use: a slot cannot be given back).
  std::optional<AttemptRecord> claim_now(std::int64_t estimated_tokens,
                                         std::optional<limits::Duration> max_wait = std::nullopt);
  bool must_wait() const { return wait_until_.has_value(); }
  // Waits for the slot claim_now() reserved; nullopt: go ahead; otherwise
  // the client left meanwhile (everything claimed is released).
  boost::asio::awaitable<std::optional<AttemptRecord>> wait(RequestContext& ctx);

  void succeeded(const ScannedUsage& usage);
  // A 429 teaches the adaptive limits; another retryable failure counts
  // against the target's health; a non-retryable one (the caller's request
  // was wrong) shows the target alive.
  void failed(const GatewayError& error, const std::optional<limits::RateHints>& hints);
  void abandoned();

  // After failed() with a 429: how long the target is blocked.
  std::optional<std::chrono::milliseconds> blocked_for() const { return blocked_for_; }

 private:
  void release_tokens(std::int64_t actual);
  // Hands back the half-open trials claimed (the model's, the provider's).
  void abandon_trials(bool model, bool provider, limits::TimePoint now);
  AttemptRecord finish_skip(AttemptRecord record);  // releases the claims, returns the record

  GatewayState& state_;
  const Config& config_;
  const routing::Candidate& candidate_;
  bool check_health_;
  std::uint64_t trial_model_ = 0, trial_provider_ = 0;  // health trial handles, 0: none
  std::uint64_t token_ticket_ = 0;
  std::int64_t estimate_ = 0;
  bool claimed_ = false, settled_ = false;
  std::optional<std::chrono::milliseconds> blocked_for_;
  std::optional<limits::TimePoint> wait_until_;  // the reserved rate_limit slot, when in the future
};

}  // namespace aisbf
