// At most one warning per interval for a failure that repeats on every
// request (the response cache's store down: each request would log its
// failed lookup and its failed put). The first failure is logged at once;
// the ones within the interval after it are counted, logged at debug, and
// the count goes with the next warning. An outage at 10k requests a second
// then writes a line per interval, not 20k lines a second from the event
// loops. Thread-safe, lock-free.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>

namespace aisbf {

class WarningGate {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WarningGate(Clock::duration interval) : interval_(interval) {}

  // The number held back since the last warning when this one is to be
  // logged as a warning; nullopt: hold it back (log it at debug).
  std::optional<std::uint64_t> admit(Clock::time_point now) {
    const auto at = now.time_since_epoch().count();
    auto next = next_.load(std::memory_order_relaxed);
    if (at >= next && next_.compare_exchange_strong(next, at + interval_.count(), std::memory_order_relaxed)) {
      return held_.exchange(0, std::memory_order_relaxed);
    }
    held_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }

 private:
  const Clock::duration interval_;
  std::atomic<Clock::rep> next_{std::numeric_limits<Clock::rep>::min()};  // the earliest next warning
  std::atomic<std::uint64_t> held_{0};
};

}  // namespace aisbf
