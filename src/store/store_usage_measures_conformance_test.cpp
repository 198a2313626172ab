// StoreConformance, the usage report's errors and latency histogram (schema
// version 8) and its minute buckets: the rollups and the raw edge parts
// count the same way (usage_is_error, latency_bucket), whatever the table
// a part is read from.
#include <tuple>

#include <gtest/gtest.h>

#include "store/store_test_util.hpp"
#include "store/usage_latency.hpp"
#include "store/usage_test_records.hpp"

namespace aisbf::store::testing {
namespace {

UsageRecord timed(UnixMs t, std::string user, int status, std::string error_kind, std::int64_t latency_ms) {
  UsageRecord r = rec(t, std::move(user), "t", "p", "m", "", 1, 1, 0.1);
  r.status = status;
  r.error_kind = std::move(error_kind);
  r.latency_ms = latency_ms;
  return r;
}

// Three days of rows in whole hours, edge hours and minutes: errors by
// status, by error kind after a 200 head (a failed stream), and neither
// (a request the client left is not an error by itself, whatever its error
// kind says).
std::vector<UsageRecord> measured_records() {
  std::vector<UsageRecord> rows = {
      timed(kBase + 1 * kMin, "alice", 200, "", 8),
      timed(kBase + 1 * kMin + 500, "alice", 502, "upstream_status", 45),
      timed(kBase + 2 * kMin, "bob", 200, "upstream_protocol", 1500),
      timed(kBase + 2 * kMin + 1, "bob", 429, "", 11),
      timed(kBase + kHour + 7 * kMin, "alice", 200, "", 2'000'000),
      timed(kBase + kDay + 3 * kHour, "bob", 404, "not_found", 3),
      timed(kBase + 2 * kDay + 30 * kMin, "alice", 200, "", 250),
  };
  // The client left: its row names the cancelled call's error kind.
  UsageRecord aborted = timed(kBase + 3 * kMin, "alice", 200, "unavailable", 700);
  aborted.aborted = true;
  rows.push_back(aborted);
  return rows;
}

LatencyHistogram histogram_of(const std::vector<UsageRecord>& rows, UnixMs from, UnixMs to) {
  LatencyHistogram h{};
  for (const UsageRecord& r : rows) {
    if (r.time_ms >= from && r.time_ms < to) ++h[latency_bucket(r.latency_ms)];
  }
  return h;
}

std::int64_t errors_of(const std::vector<UsageRecord>& rows, UnixMs from, UnixMs to) {
  std::int64_t n = 0;
  for (const UsageRecord& r : rows) n += r.time_ms >= from && r.time_ms < to && usage_is_error(r) ? 1 : 0;
  return n;
}

TEST_P(StoreConformance, UsageErrorsAndLatencyAgreeAcrossRollupsAndRawRows) {
  const auto rows = measured_records();
  ASSERT_TRUE(store_->insert_usage(rows).ok());
  // Whole days (daily rollup), whole hours (hourly), edge hours (raw rows)
  // and a window inside one hour (raw only).
  const std::pair<UnixMs, UnixMs> windows[] = {
      {kBase, kBase + 3 * kDay},
      {kBase + kHour, kBase + 2 * kDay + kHour},
      {kBase + 90 * 1000, kBase + 2 * kDay + 45 * kMin},
      {kBase + 1 * kMin + 100, kBase + 2 * kMin + 1},
  };
  for (const auto& [from, to] : windows) {
    for (UsageBucket bucket : {UsageBucket::none, UsageBucket::hour, UsageBucket::day}) {
      UsageQuery q = window(from, to);
      q.bucket = bucket;
      auto r = store_->query_usage(q);
      ASSERT_TRUE(r.ok()) << r.error().message;
      EXPECT_EQ(r.value().totals.errors, errors_of(rows, from, to)) << from << ".." << to;
      EXPECT_EQ(r.value().totals.latency, histogram_of(rows, from, to)) << from << ".." << to;
      // The series adds up to the totals.
      if (bucket == UsageBucket::none) continue;
      UsageTotals summed;
      for (const auto& [t, totals] : r.value().series) {
        summed.errors += totals.errors;
        for (std::size_t i = 0; i < kLatencyBuckets; ++i) summed.latency[i] += totals.latency[i];
      }
      EXPECT_EQ(summed.errors, r.value().totals.errors);
      EXPECT_EQ(summed.latency, r.value().totals.latency);
    }
  }
  UsageQuery all = window(kBase, kBase + 3 * kDay);
  auto r = store_->query_usage(all);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().totals.requests, 8);
  // 502, the failed stream, 429 and 404; not the aborted request.
  EXPECT_EQ(r.value().totals.errors, 4);
  EXPECT_EQ(r.value().totals.latency[kLatencyBuckets - 1], 1);  // 2,000 s: over the last bound
}

TEST_P(StoreConformance, UsageErrorsAndLatencyPerGroup) {
  ASSERT_TRUE(store_->insert_usage(measured_records()).ok());
  UsageQuery q = window(kBase, kBase + 3 * kDay);
  q.group_by = UsageGroup::user;
  q.bucket = UsageBucket::day;
  auto r = store_->query_usage(q);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r.value().groups.size(), 2u);
  const auto& [alice_key, alice] = r.value().groups[0];
  const auto& [bob_key, bob] = r.value().groups[1];
  EXPECT_EQ(alice_key, "alice");
  EXPECT_EQ(alice.requests, 5);
  EXPECT_EQ(alice.errors, 1);
  EXPECT_EQ(bob_key, "bob");
  EXPECT_EQ(bob.requests, 3);
  EXPECT_EQ(bob.errors, 3);
  // bob: 1500, 11 and 3 ms: the median lies in (10, 16].
  EXPECT_EQ(latency_bucket(*latency_percentile(bob.latency, 0.5)), latency_bucket(11));
  EXPECT_EQ(latency_bucket(*latency_percentile(bob.latency, 0.95)), latency_bucket(1500));
}

// Errors are the requests the client got an error for: not a row the
// client left (whatever status its cancelled call names), not a side
// call's row (autoselect, classification, condensation: the client sees
// its request's own row fail, once, or a fallback). The rollups (counted in
// C++) and the raw rows (counted in SQL) agree.
TEST_P(StoreConformance, UsageErrorsAreWhatTheClientGot) {
  auto row = [](UnixMs t, std::string route, int status, std::string error_kind, bool aborted) {
    UsageRecord r = timed(t, "alice", status, std::move(error_kind), 20);
    r.route = std::move(route);
    r.aborted = aborted;
    return r;
  };
  const std::vector<UsageRecord> rows = {
      row(kBase + 10 * kMin, "chat", 500, "upstream_status", false),          // an error
      row(kBase + 10 * kMin + 1, "chat", 500, "upstream_status", true),       // the client left
      row(kBase + 11 * kMin, "autoselect", 502, "upstream_status", false),    // its selection failed...
      row(kBase + 11 * kMin + 1, "messages", 502, "upstream_status", false),  // ...and so did the request: once
      row(kBase + kHour + 1, "condensation", 200, "upstream_protocol", false),
      row(kBase + kDay + kHour, "classification", 429, "rate_limited", false),
      row(kBase + kDay + 2 * kHour, "mcp_chat_completion", 200, "upstream_protocol", false),  // a failed stream
      row(kBase + kDay + 3 * kHour, "chat", 0, "cancelled", true),
  };
  ASSERT_TRUE(store_->insert_usage(rows).ok());
  // The whole range (daily and hourly rollups), with raw edge hours, and
  // the first hour by minute (raw rows only).
  const std::pair<UnixMs, UnixMs> windows[] = {{kBase, kBase + 2 * kDay}, {kBase + 5 * kMin, kBase + 2 * kDay}};
  for (const auto& [from, to] : windows) {
    auto r = store_->query_usage(window(from, to));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().totals.requests, 8);
    EXPECT_EQ(r.value().totals.errors, 3) << from;
    EXPECT_EQ(r.value().totals.errors, errors_of(rows, from, to));
  }
  UsageQuery minutes = window(kBase, kBase + kHour);
  minutes.bucket = UsageBucket::minute;
  auto r = store_->query_usage(minutes);
  ASSERT_TRUE(r.ok()) << r.error().message;
  using Point = std::tuple<UnixMs, std::int64_t, std::int64_t>;  // minute, requests, errors
  std::vector<Point> got;
  for (const auto& [t, totals] : r.value().series) got.emplace_back(t, totals.requests, totals.errors);
  EXPECT_EQ(got, (std::vector<Point>{{kBase + 10 * kMin, 2, 1}, {kBase + 11 * kMin, 2, 1}}));
}

// measures = false (the quotas' reconciliation): the same sums, without
// the errors and the histogram, from rollups and raw rows alike.
TEST_P(StoreConformance, UsageWithoutMeasuresKeepsTheSums) {
  const auto rows = measured_records();
  ASSERT_TRUE(store_->insert_usage(rows).ok());
  for (UsageBucket bucket : {UsageBucket::none, UsageBucket::hour, UsageBucket::day}) {
    UsageQuery q = window(kBase + 90 * 1000, kBase + 2 * kDay + 45 * kMin);  // edges, hours and a day
    q.bucket = bucket;
    auto full = store_->query_usage(q);
    q.measures = false;
    auto sums = store_->query_usage(q);
    ASSERT_TRUE(full.ok() && sums.ok());
    EXPECT_EQ(sums.value().totals.requests, full.value().totals.requests);
    EXPECT_EQ(sums.value().totals.prompt_tokens, full.value().totals.prompt_tokens);
    EXPECT_EQ(sums.value().totals.completion_tokens, full.value().totals.completion_tokens);
    EXPECT_DOUBLE_EQ(sums.value().totals.cost, full.value().totals.cost);
    EXPECT_EQ(sums.value().series.size(), full.value().series.size());
    EXPECT_GT(full.value().totals.errors, 0);
    EXPECT_EQ(sums.value().totals.errors, 0);
    EXPECT_EQ(sums.value().totals.latency, LatencyHistogram{});
  }
}

TEST(UsageIsError, ClientRoutesNotLeft) {
  UsageRecord r;
  r.route = "chat";
  r.status = 500;
  EXPECT_TRUE(usage_is_error(r));
  r.aborted = true;
  EXPECT_FALSE(usage_is_error(r));
  r.aborted = false;
  for (std::string_view side : kSideCallRoutes) {
    r.route = side;
    EXPECT_FALSE(usage_is_error(r)) << side;
  }
  r.route = "messages";
  r.status = 200;
  EXPECT_FALSE(usage_is_error(r));
  r.error_kind = "upstream_protocol";  // a stream that failed after its 200 head
  EXPECT_TRUE(usage_is_error(r));
}

TEST_P(StoreConformance, UsageMinuteBucketsReadRawRows) {
  const auto rows = measured_records();
  ASSERT_TRUE(store_->insert_usage(rows).ok());
  UsageQuery q = window(kBase, kBase + 2 * kHour);
  q.bucket = UsageBucket::minute;
  auto r = store_->query_usage(q);
  ASSERT_TRUE(r.ok()) << r.error().message;
  using Point = std::tuple<UnixMs, std::int64_t, std::int64_t>;  // minute, requests, errors
  std::vector<Point> got;
  for (const auto& [t, totals] : r.value().series) got.emplace_back(t, totals.requests, totals.errors);
  EXPECT_EQ(got, (std::vector<Point>{{kBase + 1 * kMin, 2, 1},
                                     {kBase + 2 * kMin, 2, 2},
                                     {kBase + 3 * kMin, 1, 0},
                                     {kBase + kHour + 7 * kMin, 1, 0}}));
  EXPECT_EQ(r.value().totals.requests, 6);
  EXPECT_EQ(r.value().series[0].second.latency, histogram_of(rows, kBase + kMin, kBase + 2 * kMin));
  // Filters and groups apply as to the other buckets.
  q.username = "bob";
  q.group_by = UsageGroup::provider;
  auto bob = store_->query_usage(q);
  ASSERT_TRUE(bob.ok()) << bob.error().message;
  ASSERT_EQ(bob.value().series.size(), 1u);
  EXPECT_EQ(bob.value().series[0].first, kBase + 2 * kMin);
  ASSERT_EQ(bob.value().groups.size(), 1u);
  EXPECT_EQ(bob.value().groups[0].second.errors, 2);
}

}  // namespace
}  // namespace aisbf::store::testing
