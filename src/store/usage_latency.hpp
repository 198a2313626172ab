// What the usage report measures beyond sums: which rows are errors, and
// the latency histogram the rollups keep so that p50/p95 can be read from
// hourly and daily rows without the raw ones.
//
// The histogram has fixed, log-spaced buckets: upper bounds in ms from the
// R5 preferred numbers (1, 1.6, 2.5, 4, 6.3 per decade) from 10 ms to
// 1,000,000 ms, and a last bucket for anything slower. Bucket i counts the
// requests with bound[i-1] < latency_ms <= bound[i] (bucket 0: <= 10 ms).
// Histograms merge by adding counts, which is what the rollups' upsert does.
// Schema version 8 created one column per bucket: the bounds are frozen.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace aisbf::store {

inline constexpr std::array<std::int64_t, 26> kLatencyBoundsMs = {
    10,   16,   25,    40,    63,    100,   160,   250,    400,    630,    1000,   1600,   2500,
    4000, 6300, 10000, 16000, 25000, 40000, 63000, 100000, 160000, 250000, 400000, 630000, 1000000};
inline constexpr std::size_t kLatencyBuckets = kLatencyBoundsMs.size() + 1;

// The rollup columns, one per bucket: lat_le_<bound> and lat_over.
inline constexpr std::array<std::string_view, kLatencyBuckets> kLatencyColumns = {
    "lat_le_10",     "lat_le_16",      "lat_le_25",     "lat_le_40",     "lat_le_63",     "lat_le_100",
    "lat_le_160",    "lat_le_250",     "lat_le_400",    "lat_le_630",    "lat_le_1000",   "lat_le_1600",
    "lat_le_2500",   "lat_le_4000",    "lat_le_6300",   "lat_le_10000",  "lat_le_16000",  "lat_le_25000",
    "lat_le_40000",  "lat_le_63000",   "lat_le_100000", "lat_le_160000", "lat_le_250000", "lat_le_400000",
    "lat_le_630000", "lat_le_1000000", "lat_over"};

using LatencyHistogram = std::array<std::int64_t, kLatencyBuckets>;

// The bucket a latency falls in.
constexpr std::size_t latency_bucket(std::int64_t latency_ms) {
  std::size_t i = 0;
  while (i < kLatencyBoundsMs.size() && latency_ms > kLatencyBoundsMs[i]) ++i;
  return i;
}

// The q-quantile (0 < q <= 1) of the histogram's requests, in ms: the
// bucket holding the rank q × count, interpolated linearly between its
// lower and upper bound by the rank's place among the bucket's requests,
// and clamped to the bucket: (lower, upper] in whole ms, bucket 0 (0 to
// 10 ms) from 0. The true value lies in the same bucket, so the error is
// below the bucket's width: 37.5 % of its upper bound (bucket 0: up to
// 10 ms). The interpolation assumes the bucket's requests spread evenly:
// with one request, p50 reads the middle of its bucket and p95 near its
// upper bound, not its latency. A rank in the last bucket reads
// 1,000,000 ms (its lower bound: "at least"). nullopt: no request.
std::optional<std::int64_t> latency_percentile(const LatencyHistogram& histogram, double q);

}  // namespace aisbf::store
