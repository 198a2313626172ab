// The one clock limits and health decisions are made on. Callers pass `now`
// so that tests can move time by hand.
#pragma once

#include <chrono>

namespace aisbf::limits {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

// Seconds as written in the config (double) to a Duration, clamped at 0.
inline Duration seconds(double s) {
  if (!(s > 0)) return Duration::zero();
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

}  // namespace aisbf::limits
