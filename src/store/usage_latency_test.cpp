#include "store/usage_latency.hpp"

#include <gtest/gtest.h>

namespace aisbf::store {
namespace {

LatencyHistogram of(std::initializer_list<std::int64_t> latencies) {
  LatencyHistogram h{};
  for (std::int64_t ms : latencies) ++h[latency_bucket(ms)];
  return h;
}

TEST(UsageLatency, BucketsAreUpperBoundInclusive) {
  EXPECT_EQ(latency_bucket(-5), 0u);
  EXPECT_EQ(latency_bucket(0), 0u);
  EXPECT_EQ(latency_bucket(10), 0u);
  EXPECT_EQ(latency_bucket(11), 1u);
  EXPECT_EQ(latency_bucket(16), 1u);
  EXPECT_EQ(latency_bucket(1000), 10u);
  EXPECT_EQ(latency_bucket(1001), 11u);
  EXPECT_EQ(latency_bucket(1'000'000), 25u);
  EXPECT_EQ(latency_bucket(1'000'001), 26u);
  EXPECT_EQ(kLatencyColumns.size(), kLatencyBuckets);
  // Every bound names its column, and the bounds rise.
  for (std::size_t i = 0; i < kLatencyBoundsMs.size(); ++i) {
    EXPECT_EQ(kLatencyColumns[i], "lat_le_" + std::to_string(kLatencyBoundsMs[i]));
    if (i > 0) {
      EXPECT_LT(kLatencyBoundsMs[i - 1], kLatencyBoundsMs[i]);
    }
  }
  EXPECT_EQ(kLatencyColumns.back(), "lat_over");
}

TEST(UsageLatency, NoRequestsIsNoPercentile) {
  EXPECT_FALSE(latency_percentile(LatencyHistogram{}, 0.5).has_value());
  EXPECT_FALSE(latency_percentile(of({100}), 0).has_value());
}

TEST(UsageLatency, PercentilesInterpolateInsideTheirBucket) {
  // One request of 120 ms: bucket (100, 160]; the rank 0.5 of 1 lies half way.
  EXPECT_EQ(latency_percentile(of({120}), 0.5), 130);
  EXPECT_EQ(latency_percentile(of({120}), 1.0), 160);
  // 100 requests: 90 of 50 ms (40, 63], 10 of 2000 ms (1600, 2500].
  LatencyHistogram h{};
  h[latency_bucket(50)] = 90;
  h[latency_bucket(2000)] = 10;
  EXPECT_EQ(latency_percentile(h, 0.5), 53);  // 40 + 23 × 50/90 = 52.8
  EXPECT_EQ(latency_percentile(h, 0.95), 1600 + (2500 - 1600) / 2);
  // The true value lies within the reported value's bucket.
  for (std::int64_t ms : {1, 9, 11, 77, 999, 1234, 45'000, 999'999}) {
    const auto p = latency_percentile(of({ms, ms, ms}), 0.5);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(latency_bucket(*p), latency_bucket(ms)) << ms;
  }
}

TEST(UsageLatency, TheOverflowBucketReadsItsLowerBound) {
  EXPECT_EQ(latency_percentile(of({5'000'000}), 0.5), 1'000'000);
  EXPECT_EQ(latency_percentile(of({5, 5'000'000}), 0.5), 10);  // rank 1 of 1 in (0, 10]
  EXPECT_EQ(latency_percentile(of({5, 5'000'000}), 0.95), 1'000'000);
}

TEST(UsageLatency, MergingIsAddingCounts) {
  LatencyHistogram a = of({20, 30, 40}), b = of({700, 800});
  LatencyHistogram sum{};
  for (std::size_t i = 0; i < kLatencyBuckets; ++i) sum[i] = a[i] + b[i];
  EXPECT_EQ(sum, of({20, 30, 40, 700, 800}));
  EXPECT_EQ(latency_bucket(*latency_percentile(sum, 0.5)), latency_bucket(40));
}

}  // namespace
}  // namespace aisbf::store
