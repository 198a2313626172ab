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

// However the rank falls, the value stays in its bucket: (lower, upper]
// (bucket 0: [0, 10]); rounding never carries it onto the bound below.
TEST(UsageLatency, PercentilesAreClampedToTheirBucket) {
  // 1000 requests in (10, 16] behind one of 5 ms: the rank 0.001 × 1001
  // lies a hair into the second bucket (10.000006 ms), which rounds to 10,
  // bucket 0's bound: it reads 11.
  LatencyHistogram h{};
  h[0] = 1;
  h[latency_bucket(12)] = 1000;
  const auto low = latency_percentile(h, 0.001);
  ASSERT_TRUE(low.has_value());
  EXPECT_EQ(*low, 11);
  EXPECT_EQ(latency_bucket(*low), latency_bucket(12));
  for (double q : {0.0005, 0.001, 0.01, 0.25, 0.5, 0.95, 1.0}) {
    for (std::int64_t ms : {0, 3, 10, 11, 17, 64, 101, 1001, 630'001, 1'000'000}) {
      LatencyHistogram many{};
      many[0] = 1;
      many[latency_bucket(ms)] += 10'000;
      const auto p = latency_percentile(many, q);
      ASSERT_TRUE(p.has_value());
      const std::size_t b = latency_bucket(*p);
      EXPECT_TRUE(b == 0 || b == latency_bucket(ms)) << ms << " q " << q << " -> " << *p;
      if (b == latency_bucket(ms) && b > 0) {
        EXPECT_GT(*p, kLatencyBoundsMs[b - 1]);
        EXPECT_LE(*p, kLatencyBoundsMs[b]);
      }
    }
  }
}

// Bucket 0 covers 0 to 10 ms; one request reads the middle of its bucket
// (p50) and near its upper bound (p95), whatever its own latency was.
TEST(UsageLatency, BucketZeroAndASingleRequest) {
  EXPECT_EQ(latency_percentile(of({0}), 0.5), 5);
  EXPECT_EQ(latency_percentile(of({1}), 0.95), 10);  // 9.5 rounds to 10
  EXPECT_EQ(latency_percentile(of({10}), 1.0), 10);
  EXPECT_EQ(latency_percentile(of({101}), 0.5), 130);
  EXPECT_EQ(latency_percentile(of({159}), 0.5), 130);
  EXPECT_EQ(latency_percentile(of({101}), 0.95), 157);  // 100 + 60 × 0.95
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
