#include "store/usage_latency.hpp"

#include <algorithm>
#include <cmath>

namespace aisbf::store {

std::optional<std::int64_t> latency_percentile(const LatencyHistogram& histogram, double q) {
  std::int64_t count = 0;
  for (std::int64_t n : histogram) count += n;
  if (count <= 0 || !(q > 0)) return std::nullopt;
  q = std::min(q, 1.0);
  const double rank = q * static_cast<double>(count);
  std::int64_t below = 0;
  for (std::size_t i = 0; i < kLatencyBuckets; ++i) {
    const std::int64_t n = histogram[i];
    if (n <= 0 || static_cast<double>(below + n) < rank) {
      below += std::max<std::int64_t>(n, 0);
      continue;
    }
    if (i == kLatencyBoundsMs.size()) return kLatencyBoundsMs.back();
    const double lower = i == 0 ? 0.0 : static_cast<double>(kLatencyBoundsMs[i - 1]);
    const double upper = static_cast<double>(kLatencyBoundsMs[i]);
    const double share = (rank - static_cast<double>(below)) / static_cast<double>(n);
    // Within the bucket whatever the rounding: (lower, upper] in whole ms,
    // bucket 0 from 0 ms.
    const std::int64_t least = i == 0 ? 0 : kLatencyBoundsMs[i - 1] + 1;
    return std::clamp<std::int64_t>(std::llround(lower + (upper - lower) * share), least, kLatencyBoundsMs[i]);
  }
  return kLatencyBoundsMs.back();  // unreachable: the ranks add up to count
}

}  // namespace aisbf::store
