// Provider and model health: a circuit breaker per key.
//
// Keys are a provider id ("openai") or a model ("openai/gpt-4o"); provider
// ids hold no '/', so one store serves both. After `threshold` consecutive
// failures a key cools down for its cooldown; when that has passed it is
// half-open: exactly one request (the trial) may go; its success closes the
// breaker, its failure opens it for another cooldown. A success resets the
// failure count.
//
// Every call is an operation on one key at a time `now` the caller passes,
// and answers with values (no reference into the store), so that a
// Redis-backed store can implement it for a cluster (README.md). The store
// is bounded: a key idle (not cooling down, no trial out) for `idle_ttl` is
// forgotten, and at most `max_keys` keys are tracked.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "limits/bounded_keys.hpp"
#include "limits/clock.hpp"

namespace aisbf::routing {

using limits::Duration;
using limits::TimePoint;

enum class HealthStatus { healthy, cooling_down, half_open };
std::string_view health_status_name(HealthStatus status);

struct HealthAdmission {
  bool allowed = false;
  // Non-zero: this request is the half-open trial, and this is its handle;
  // report its verdict (or on_abandoned() with it).
  std::uint64_t trial = 0;
  TimePoint available_at;  // refused: when the key may be tried again
};

struct HealthSnapshot {
  std::string key;
  HealthStatus status = HealthStatus::healthy;
  int consecutive_failures = 0;
  Duration cooldown_left{};  // zero unless cooling down
  std::string last_error;    // why the last failure happened
  bool trial_in_flight = false;
};

class HealthStore {
 public:
  virtual ~HealthStore() = default;

  // Whether `key` could take a request now, without claiming anything.
  // Must be cheap: it is read for every candidate of every request.
  virtual bool available(std::string_view key, TimePoint now) const = 0;
  // Admits a request: always for a healthy key; for a half-open key only
  // the first caller, who gets the trial (until it reports, or until
  // `trial_timeout` passes, other callers are refused).
  virtual HealthAdmission admit(std::string_view key, TimePoint now, Duration trial_timeout) = 0;

  // The key answered: its failures are forgotten (and its breaker closed).
  virtual void on_success(std::string_view key, TimePoint now) = 0;
  // `cooldown`: how long the key rests once `threshold` is reached (or at
  // once after a failed trial).
  virtual void on_failure(std::string_view key, int threshold, Duration cooldown, std::string_view why,
                          TimePoint now) = 0;
  // A trial that ended without a verdict (the client left, a limit
  // intervened): the key is half-open again for the next caller. A stale
  // handle (the trial already timed out, or another one began) changes nothing.
  virtual void on_abandoned(std::string_view key, std::uint64_t trial, TimePoint now) = 0;

  // Keys with any failure recorded (healthy keys with no history are omitted).
  virtual std::vector<HealthSnapshot> snapshot(TimePoint now) const = 0;
  // Clears one key, or every key when `key` is empty. Returns whether
  // anything was cleared.
  virtual bool reset(std::string_view key) = 0;
  virtual limits::TrackedKeys tracked() const = 0;
};

// How long a key with failures on record but no live state (not cooling
// down, no trial out) is remembered: long enough to count failures that
// come minutes apart and to show them in the admin view.
inline constexpr Duration kHealthIdleTtl = std::chrono::minutes(5);

std::unique_ptr<HealthStore> make_in_process_health(std::size_t max_keys = limits::kDefaultMaxTrackedKeys,
                                                    Duration idle_ttl = kHealthIdleTtl);

}  // namespace aisbf::routing
