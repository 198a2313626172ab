// `adaptive_rate_limiting`: spacing learned from an upstream's 429s.
//
// Per key ("provider/model"), a learned interval between requests:
//  - on a 429 it grows: to what the upstream's announced budget allows
//    (limit per reset window, kept `headroom_percent` under it, blended in
//    with `learning_rate` once a value was learned) or, without such hints,
//    by `backoff_base` (from `min_rate_limit` when nothing was learned),
//    never past `max_rate_limit`. The key is also blocked until the
//    upstream's `Retry-After` (or, without one, one backoff interval with
//    ±`jitter_factor` jitter) has passed.
//  - after `consecutive_successes_for_recovery` successes in a row it
//    shrinks by `recovery_rate`; under `min_rate_limit` it is dropped.
//  - with no 429 for `history_window` seconds it returns to
//    `initial_rate_limit`.
// When `enabled` is false nothing is learned, but Retry-After is still
// honoured (the key is blocked until then).
//
// Every call is an operation on one key at a time `now` the caller passes,
// with the settings passed along, answered with a value, so that a
// Redis-backed store can implement it for a cluster (README.md). A key
// neither blocked nor holding a learned interval is forgotten `idle_ttl`
// after its last 429 or success; at most `max_keys` keys are tracked, and
// past that a new key's 429 is answered (its block returned) but not kept.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "limits/bounded_keys.hpp"
#include "limits/clock.hpp"
#include "limits/rate_hints.hpp"

namespace aisbf::limits {

struct AdaptiveState {
  Duration interval{};      // learned spacing, zero when none
  TimePoint blocked_until;  // no request before this (epoch when not blocked)
};

struct AdaptiveSnapshot {
  std::string key;
  Duration interval{};
  Duration blocked_for{};      // zero when not blocked
  int rate_limited_count = 0;  // 429s within history_window
  int consecutive_successes = 0;
};

class AdaptiveLimits {
 public:
  virtual ~AdaptiveLimits() = default;

  // A 429 from `key`. Returns the state after learning.
  virtual AdaptiveState on_rate_limited(std::string_view key, const RateHints& hints,
                                        const AdaptiveRateLimitConfig& settings, TimePoint now) = 0;
  virtual void on_success(std::string_view key, const AdaptiveRateLimitConfig& settings, TimePoint now) = 0;
  // The current state; a default state for an unknown key. Must be cheap:
  // it is read for every candidate of every request.
  virtual AdaptiveState state(std::string_view key, const AdaptiveRateLimitConfig& settings, TimePoint now) const = 0;

  virtual std::vector<AdaptiveSnapshot> snapshot(TimePoint now) const = 0;
  virtual void reset(std::string_view key) = 0;  // empty: every key
  virtual TrackedKeys tracked() const = 0;
};

// How long a key with nothing live (its block over, nothing learned) stays
// in the admin view with its 429 count.
inline constexpr Duration kAdaptiveIdleTtl = std::chrono::minutes(5);

// `seed` drives the jitter (fixed in tests).
std::unique_ptr<AdaptiveLimits> make_in_process_adaptive_limits(std::uint64_t seed,
                                                                std::size_t max_keys = kDefaultMaxTrackedKeys);

}  // namespace aisbf::limits
