#include "pipeline/target_gate.hpp"

#include <array>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <fmt/format.h>

namespace aisbf {

namespace {

using limits::Clock;
using std::chrono::milliseconds;

milliseconds until(limits::TimePoint then, limits::TimePoint now) {
  if (then <= now) return milliseconds::zero();
  return std::chrono::ceil<milliseconds>(then - now);
}

std::string seconds_text(milliseconds d) { return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000.0); }

AttemptRecord skipped(const routing::Candidate& c, std::string why) {
  AttemptRecord r;
  r.target = c.key;
  r.skipped = true;
  r.error = std::move(why);
  return r;
}

AttemptRecord rate_limited(const routing::Candidate& c, std::string why, milliseconds retry_after) {
  AttemptRecord r = skipped(c, std::move(why));
  r.rate_limited = true;
  r.retry_after = retry_after;
  return r;
}

// Failures that say the whole provider is unwell, not just one model.
bool provider_wide(const GatewayError& e) {
  return e.kind == ErrorKind::upstream_unreachable || e.kind == ErrorKind::upstream_auth ||
         e.kind == ErrorKind::upstream_timeout;
}

// A trial may run as long as a request may.
limits::Duration trial_timeout(const routing::Candidate& c) {
  return std::chrono::duration_cast<limits::Duration>(c.timeouts.total) + std::chrono::seconds(5);
}

// A limit refused not by the key's own limit but because its store had no
// room to track another key (routing.max_tracked_keys, every one live).
std::string table_full_reason(milliseconds wait) {
  return fmt::format("too many targets are rate limited at once to track another (routing.max_tracked_keys); room in {}",
                     seconds_text(wait));
}

AttemptRecord model_cooling(const routing::Candidate& c) { return skipped(c, "cooling down after repeated failures"); }

AttemptRecord provider_cooling(const routing::Candidate& c) {
  return skipped(c, fmt::format("provider '{}' is cooling down after repeated failures", c.provider->id));
}

// A target a learned 429 blocks, from a read of its adaptive state.
std::optional<AttemptRecord> blocked_by(const routing::Candidate& c, const limits::AdaptiveState& learned,
                                        limits::TimePoint now) {
  if (learned.blocked_until <= now) return std::nullopt;
  auto wait = until(learned.blocked_until, now);
  return rate_limited(c, fmt::format("rate limited by the upstream for another {}", seconds_text(wait)), wait);
}

enum class Availability { available, model_cooling, provider_cooling, blocked };

// What keeps a candidate from being tried now, read without claiming
// anything; `learned` receives its adaptive state when that was read.
Availability availability(GatewayState& state, const Config& config, const routing::Candidate& c, bool check_health,
                          limits::TimePoint now, limits::AdaptiveState& learned) {
  if (check_health) {
    if (!state.health->available(c.key, now)) return Availability::model_cooling;
    if (!state.health->available(c.provider->id, now)) return Availability::provider_cooling;
  }
  learned = state.adaptive->state(c.key, config.adaptive, now);
  return learned.blocked_until > now ? Availability::blocked : Availability::available;
}

}  // namespace

bool available_now(GatewayState& state, const Config& config, const routing::Candidate& c, bool check_health,
                   limits::TimePoint now) {
  limits::AdaptiveState learned;
  return availability(state, config, c, check_health, now, learned) == Availability::available;
}

std::optional<std::size_t> next_available(RequestContext& ctx, const routing::RotationPlan& plan,
                                          routing::AttemptPlanner& planner, const std::vector<char>* also) {
  const auto now = limits::Clock::now();
  return planner.next([&](std::size_t i) {
    return (also == nullptr || (*also)[i] != 0) &&
           available_now(*ctx.state, *ctx.config, plan.candidates[i], true, now);
  });
}

std::optional<AttemptRecord> unavailable_reason(GatewayState& state, const Config& config,
                                                const routing::Candidate& c, bool check_health,
                                                limits::TimePoint now) {
  limits::AdaptiveState learned;
  switch (availability(state, config, c, check_health, now, learned)) {
    case Availability::available: return std::nullopt;
    case Availability::model_cooling: return model_cooling(c);
    case Availability::provider_cooling: return provider_cooling(c);
    case Availability::blocked: return blocked_by(c, learned, now);
  }
  return std::nullopt;
}

TargetGate::TargetGate(GatewayState& state, const Config& config, const routing::Candidate& candidate,
                       bool check_health)
    : state_(state), config_(config), candidate_(candidate), check_health_(check_health) {}

TargetGate::~TargetGate() {
  if (claimed_ && !settled_) abandoned();
}

std::optional<AttemptRecord> TargetGate::claim_now(std::int64_t estimated_tokens,
                                                   std::optional<limits::Duration> max_wait) {
  const auto& c = candidate_;
  auto now = Clock::now();
  claimed_ = true;  // from here on, what was claimed is released on every way out
  wait_until_.reset();
  // One read of the learned state serves the block check and the spacing.
  const auto learned = state_.adaptive->state(c.key, config_.adaptive, now);
  if (check_health_) {
    auto model = state_.health->admit(c.key, now, trial_timeout(c));
    if (!model.allowed) return finish_skip(model_cooling(c));
    trial_model_ = model.trial;
    auto provider = state_.health->admit(c.provider->id, now, trial_timeout(c));
    if (!provider.allowed) return finish_skip(provider_cooling(c));
    trial_provider_ = provider.trial;
  } else if (auto blocked = blocked_by(c, learned, now)) {
    return finish_skip(std::move(*blocked));
  }
  if (c.tokens.any()) {
    auto admitted = state_.tokens->admit(c.key, c.tokens, estimated_tokens, now);
    if (!admitted.admitted) {
      auto wait = until(admitted.retry_at, now);
      return finish_skip(rate_limited(
          c,
          admitted.table_full ? table_full_reason(wait)
                              : fmt::format("its token window (rate_limit_TPM/TPH/TPD) is full for another {}",
                                            seconds_text(wait)),
          wait));
    }
    token_ticket_ = admitted.ticket;
    estimate_ = estimated_tokens;
  }
  const std::array<limits::SpacingKey, 2> keys{{{c.provider->id, c.provider_spacing},
                                                {c.key, std::max(c.model_spacing, learned.interval)}}};
  if (keys[0].interval == limits::Duration::zero() && keys[1].interval == limits::Duration::zero()) return std::nullopt;
  auto slot = state_.spacing->reserve(keys, now, max_wait.value_or(limits::seconds(config_.routing.max_rate_limit_wait)));
  if (!slot.granted) {
    auto wait = until(slot.at, now);
    return finish_skip(rate_limited(
        c,
        slot.table_full ? table_full_reason(wait)
                        : fmt::format("its rate_limit spacing has no slot within max_rate_limit_wait (next in {})",
                                      seconds_text(wait)),
        wait));
  }
  if (slot.at > now) wait_until_ = slot.at;
  return std::nullopt;
}

boost::asio::awaitable<std::optional<AttemptRecord>> TargetGate::wait(RequestContext& ctx) {
  if (!wait_until_) co_return std::nullopt;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  timer.expires_at(*wait_until_);
  wait_until_.reset();
  ctx.cancel.connect([&timer] { timer.cancel(); });
  co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  ctx.cancel.disconnect();
  if (ctx.cancel.cancelled()) co_return finish_skip(skipped(candidate_, "the client left while waiting for a slot"));
  co_return std::nullopt;
}

AttemptRecord TargetGate::finish_skip(AttemptRecord record) {
  release_tokens(0);  // nothing was sent
  abandoned();
  return record;
}

void TargetGate::release_tokens(std::int64_t actual) {
  if (token_ticket_ != 0) state_.tokens->settle(candidate_.key, token_ticket_, actual, Clock::now());
  token_ticket_ = 0;
}

void TargetGate::succeeded(const ScannedUsage& usage) {
  settled_ = true;
  const auto now = Clock::now();
  state_.health->on_success(candidate_.key, now);
  state_.health->on_success(candidate_.provider->id, now);
  state_.adaptive->on_success(candidate_.key, config_.adaptive, now);
  // Without reported usage (a passthrough stream without include_usage) the estimate stays.
  const std::int64_t used = usage.total_tokens > 0 ? usage.total_tokens : usage.prompt_tokens + usage.completion_tokens;
  if (used > 0) release_tokens(used);
}

void TargetGate::failed(const GatewayError& error, const std::optional<limits::RateHints>& hints) {
  settled_ = true;
  const auto now = Clock::now();
  const auto& c = candidate_;
  release_tokens(0);  // an error answer used no tokens
  if (error.kind == ErrorKind::rate_limited) {
    limits::RateHints learned = hints.value_or(limits::RateHints{});
    if (!learned.retry_after && error.retry_after) {
      learned.retry_after = limits::parse_retry_after(*error.retry_after, std::chrono::system_clock::now());
    }
    auto after = state_.adaptive->on_rate_limited(c.key, learned, config_.adaptive, now);
    if (after.blocked_until > now) blocked_for_ = until(after.blocked_until, now);
    abandon_trials(true, true, now);
    return;
  }
  if (!error.retryable) {
    // The target answered, and the request itself was at fault: it is alive.
    state_.health->on_success(c.key, now);
    state_.health->on_success(c.provider->id, now);
    return;
  }
  const int threshold = config_.routing.failure_threshold;
  state_.health->on_failure(c.key, threshold, c.model_cooldown, error.message, now);
  if (provider_wide(error)) {
    state_.health->on_failure(c.provider->id, threshold, c.provider_cooldown, error.message, now);
  } else {
    abandon_trials(false, true, now);
  }
  trial_model_ = trial_provider_ = 0;  // settled by the failures
}

void TargetGate::abandon_trials(bool model, bool provider, limits::TimePoint now) {
  if (model && trial_model_ != 0) state_.health->on_abandoned(candidate_.key, trial_model_, now);
  if (provider && trial_provider_ != 0) state_.health->on_abandoned(candidate_.provider->id, trial_provider_, now);
  if (model) trial_model_ = 0;
  if (provider) trial_provider_ = 0;
}

void TargetGate::abandoned() {
  settled_ = true;
  if (trial_model_ != 0 || trial_provider_ != 0) abandon_trials(true, true, Clock::now());
  release_tokens(estimate_);
}

}  // namespace aisbf
