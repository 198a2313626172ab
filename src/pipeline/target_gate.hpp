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
#include "limits/rate_hints.hpp"
#include "pipeline/attempt_report.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/request_context.hpp"
#include "routing/rotation.hpp"

namespace aisbf {

// Why a candidate cannot be tried now; nullopt when it can. Reads only.
// `check_health`: rotations skip cooling targets; a direct request goes anyway.
std::optional<AttemptRecord> unavailable_reason(GatewayState& state, const Config& config,
                                                const routing::Candidate& candidate, bool check_health,
                                                limits::TimePoint now);

class TargetGate {
 public:
  TargetGate(GatewayState& state, const Config& config, const routing::Candidate& candidate, bool check_health);
  ~TargetGate();
  TargetGate(const TargetGate&) = delete;
  TargetGate& operator=(const TargetGate&) = delete;

  // Claims the candidate for a request of about `estimated_tokens`, waiting
  // for its rate_limit slot. nullopt: go ahead; otherwise why it was skipped
  // (everything claimed is released).
  boost::asio::awaitable<std::optional<AttemptRecord>> claim(RequestContext& ctx, std::int64_t estimated_tokens);

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
  AttemptRecord finish_skip(AttemptRecord record);  // releases the claims, returns the record

  GatewayState& state_;
  const Config& config_;
  const routing::Candidate& candidate_;
  bool check_health_;
  bool trial_model_ = false, trial_provider_ = false;
  std::uint64_t token_ticket_ = 0;
  std::int64_t estimate_ = 0;
  bool claimed_ = false, settled_ = false;
  std::optional<std::chrono::milliseconds> blocked_for_;
};

}  // namespace aisbf
