// StoreConformance, usage part: insert, query (totals, hour and day series,
// every group_by, filters, partial edge hours, unpriced rows), export,
// prune, and concurrent inserts through one Store.
#include <algorithm>
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "store/migrations.hpp"
#include "store/store_test_util.hpp"
#include "store/usage_latency.hpp"
#include "store/usage_sql.hpp"
#include "store/usage_test_records.hpp"

namespace aisbf::store::testing {
namespace {

std::vector<UsageRecord> fixture_records() {
  return {
      rec(kBase - kHour, "alice", "ta", "p1", "m1", "", 1000, 1000, 9.0),  // before every window but prune's
      rec(kBase + 10 * kMin, "alice", "ta", "p1", "m1", "", 10, 5, 0.01),
      rec(kBase + 50 * kMin, "bob", "tb", "p2", "m2", "r1", 20, 10, std::nullopt),
      rec(kBase + kHour + 30 * kMin, "alice", "ta", "p1", "m2", "", 1, 1, 0.5),
      rec(kBase + kDay + 2 * kHour, "alice", "ta", "p1", "m1", "", 100, 50, 1.0),
      rec(kBase + 2 * kDay + 5 * kHour + 59 * kMin, "carol", "tc", "p2", "m1", "r1", 3, 3, 0.25),
  };
}

std::vector<std::pair<UnixMs, std::int64_t>> series_requests(const UsageReport& r) {
  std::vector<std::pair<UnixMs, std::int64_t>> out;
  for (const auto& [t, totals] : r.series) out.emplace_back(t, totals.requests);
  return out;
}

std::vector<std::pair<std::string, std::int64_t>> group_requests(const UsageReport& r) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& [k, totals] : r.groups) out.emplace_back(k, totals.requests);
  return out;
}

TEST_P(StoreConformance, UsageTotalsAndSeries) {
  auto rows = fixture_records();
  ASSERT_TRUE(store_->insert_usage(rows).ok());

  UsageQuery q = window(kBase, kBase + 3 * kDay);
  auto all = store_->query_usage(q);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all.value().totals.requests, 5);
  EXPECT_EQ(all.value().totals.prompt_tokens, 134);
  EXPECT_EQ(all.value().totals.completion_tokens, 69);
  EXPECT_NEAR(all.value().totals.cost, 1.76, 1e-9);
  EXPECT_EQ(all.value().totals.unpriced_requests, 1);  // bob's null cost: unpriced, not $0
  EXPECT_TRUE(all.value().series.empty());
  EXPECT_TRUE(all.value().groups.empty());

  q.bucket = UsageBucket::day;
  auto days = store_->query_usage(q);
  ASSERT_TRUE(days.ok()) << days.error().message;
  using Series = std::vector<std::pair<UnixMs, std::int64_t>>;
  EXPECT_EQ(series_requests(days.value()), (Series{{kBase, 3}, {kBase + kDay, 1}, {kBase + 2 * kDay, 1}}));
  EXPECT_EQ(days.value().series[0].second.unpriced_requests, 1);
  EXPECT_NEAR(days.value().series[0].second.cost, 0.51, 1e-9);

  q.bucket = UsageBucket::hour;
  auto hours = store_->query_usage(q);
  ASSERT_TRUE(hours.ok()) << hours.error().message;
  EXPECT_EQ(series_requests(hours.value()),
            (Series{{kBase, 2}, {kBase + kHour, 1}, {kBase + kDay + 2 * kHour, 1}, {kBase + 2 * kDay + 5 * kHour, 1}}));
}

TEST_P(StoreConformance, UsagePartialEdgeHours) {
  ASSERT_TRUE(store_->insert_usage(fixture_records()).ok());
  // [00:30 day 0, 05:30 day 2): bob's 00:50 row counts (a raw edge hour),
  // alice's 00:10 and carol's 05:59 do not.
  UsageQuery q = window(kBase + 30 * kMin, kBase + 2 * kDay + 5 * kHour + 30 * kMin);
  q.bucket = UsageBucket::day;
  auto r = store_->query_usage(q);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().totals.requests, 3);
  EXPECT_EQ(r.value().totals.prompt_tokens, 121);
  using Series = std::vector<std::pair<UnixMs, std::int64_t>>;
  EXPECT_EQ(series_requests(r.value()), (Series{{kBase, 2}, {kBase + kDay, 1}}));

  q.bucket = UsageBucket::hour;
  auto hours = store_->query_usage(q);
  ASSERT_TRUE(hours.ok());
  EXPECT_EQ(series_requests(hours.value()), (Series{{kBase, 1}, {kBase + kHour, 1}, {kBase + kDay + 2 * kHour, 1}}));

  auto inside_one_hour = store_->query_usage(window(kBase + 5 * kMin, kBase + 20 * kMin));
  ASSERT_TRUE(inside_one_hour.ok());
  EXPECT_EQ(inside_one_hour.value().totals.requests, 1);
  EXPECT_EQ(inside_one_hour.value().totals.prompt_tokens, 10);

  auto empty = store_->query_usage(window(kBase + 5 * kDay, kBase + 6 * kDay));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.value().totals.requests, 0);
}

TEST_P(StoreConformance, UsageGroupBy) {
  ASSERT_TRUE(store_->insert_usage(fixture_records()).ok());
  using Groups = std::vector<std::pair<std::string, std::int64_t>>;
  struct Case {
    UsageGroup group;
    Groups expected;
  };
  const Case cases[] = {
      {UsageGroup::user, {{"alice", 3}, {"bob", 1}, {"carol", 1}}},
      {UsageGroup::provider, {{"p1", 3}, {"p2", 2}}},
      {UsageGroup::model, {{"m1", 3}, {"m2", 2}}},
      {UsageGroup::rotation, {{"", 3}, {"r1", 2}}},
      {UsageGroup::token, {{"ta", 3}, {"tb", 1}, {"tc", 1}}},
  };
  for (const Case& c : cases) {
    for (UsageBucket bucket : {UsageBucket::none, UsageBucket::day, UsageBucket::hour}) {
      UsageQuery q = window(kBase, kBase + 3 * kDay);
      q.group_by = c.group;
      q.bucket = bucket;
      auto r = store_->query_usage(q);
      ASSERT_TRUE(r.ok()) << r.error().message;
      auto got = group_requests(r.value());
      // Ties (1 and 1) in any order; the leader first.
      ASSERT_EQ(got.size(), c.expected.size()) << static_cast<int>(c.group);
      EXPECT_EQ(got[0], c.expected[0]) << static_cast<int>(c.group);
      std::sort(got.begin() + 1, got.end());
      EXPECT_EQ(got, c.expected) << static_cast<int>(c.group);
      EXPECT_EQ(r.value().totals.requests, 5);
    }
  }
  UsageQuery q = window(kBase, kBase + 3 * kDay);
  q.group_by = UsageGroup::user;
  auto r = store_->query_usage(q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().groups[1].first, "bob");
  EXPECT_EQ(r.value().groups[1].second.unpriced_requests, 1);
  EXPECT_EQ(r.value().groups[1].second.cost, 0.0);
}

TEST_P(StoreConformance, UsageFilters) {
  ASSERT_TRUE(store_->insert_usage(fixture_records()).ok());
  auto requests = [&](UsageQuery q) {
    auto r = store_->query_usage(q);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r.value().totals.requests : -1;
  };
  const UsageQuery base = window(kBase, kBase + 3 * kDay);
  UsageQuery q = base;
  q.username = "alice";
  EXPECT_EQ(requests(q), 3);
  q.model = "m2";
  EXPECT_EQ(requests(q), 1);
  q = base;
  q.provider = "p2";
  EXPECT_EQ(requests(q), 2);
  q = base;
  q.rotation = "";  // empty matches rows without a rotation
  EXPECT_EQ(requests(q), 3);
  q = base;
  q.token_id = "tb";
  EXPECT_EQ(requests(q), 1);
  q = base;
  q.username = "nobody";
  EXPECT_EQ(requests(q), 0);
  // Filters apply to the raw edge parts too.
  q = window(kBase + 30 * kMin, kBase + 2 * kDay + 5 * kHour + 30 * kMin);
  q.username = "bob";
  EXPECT_EQ(requests(q), 1);
  q.username = "alice";
  q.bucket = UsageBucket::day;
  EXPECT_EQ(requests(q), 2);
}

TEST_P(StoreConformance, UsageExport) {
  auto rows = fixture_records();
  rows[2].tokens_estimated = true;
  rows[2].streamed = true;
  rows[2].aborted = true;
  rows[2].status = 502;
  rows[2].error_kind = "upstream_error";
  rows[2].ttfb_ms = -1;
  rows[2].attempts = 3;
  rows[2].cached_tokens = 7;
  rows[2].cache_write_tokens = 8;
  rows[2].reasoning_tokens = 9;
  rows[2].effective_context = 4'000'000'123;  // a BIGINT, as the other counts
  rows[2].autoselected = "openai/gpt-4o-mini";
  rows[2].autoselected_by = "cache";
  ASSERT_TRUE(store_->insert_usage(rows).ok());

  std::vector<UsageRecord> got;
  auto n = store_->export_usage(window(kBase, kBase + 3 * kDay), [&](const UsageRecord& r) {
    got.push_back(r);
    return true;
  });
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n.value(), 5);
  ASSERT_EQ(got.size(), 5u);
  for (std::size_t i = 1; i < got.size(); ++i) EXPECT_LT(got[i - 1].time_ms, got[i].time_ms);
  const UsageRecord& b = got[1];
  EXPECT_EQ(b.username, "bob");
  EXPECT_EQ(b.route, "chat");
  EXPECT_EQ(b.requested_model, "p2/m2");
  EXPECT_EQ(b.rotation, "r1");
  EXPECT_FALSE(b.cost.has_value());
  EXPECT_TRUE(b.tokens_estimated && b.streamed && b.aborted);
  EXPECT_EQ(b.status, 502);
  EXPECT_EQ(b.error_kind, "upstream_error");
  EXPECT_EQ(b.ttfb_ms, -1);
  EXPECT_EQ(b.attempts, 3);
  EXPECT_EQ(b.cached_tokens, 7);
  EXPECT_EQ(b.cache_write_tokens, 8);
  EXPECT_EQ(b.reasoning_tokens, 9);
  EXPECT_EQ(b.effective_context, 4'000'000'123);
  EXPECT_EQ(got[0].effective_context, 0);
  EXPECT_EQ(b.autoselected, "openai/gpt-4o-mini");
  EXPECT_EQ(b.autoselected_by, "cache");
  EXPECT_TRUE(got[0].autoselected.empty() && got[0].autoselected_by.empty());
  EXPECT_EQ(b.latency_ms, 120);
  ASSERT_TRUE(got[0].cost.has_value());
  EXPECT_DOUBLE_EQ(*got[0].cost, 0.01);

  UsageQuery q = window(kBase, kBase + 3 * kDay);
  q.username = "alice";
  int seen = 0;
  auto stopped = store_->export_usage(q, [&](const UsageRecord& r) {
    EXPECT_EQ(r.username, "alice");
    return ++seen < 2;
  });
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(seen, 2);
}

TEST_P(StoreConformance, UsagePrune) {
  ASSERT_TRUE(store_->insert_usage(fixture_records()).ok());
  auto pruned = store_->prune_usage(kBase + kDay);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  EXPECT_EQ(pruned.value(), 4);
  for (UsageBucket bucket : {UsageBucket::none, UsageBucket::hour, UsageBucket::day}) {
    UsageQuery q = window(0, kBase + 10 * kDay);
    q.bucket = bucket;
    auto r = store_->query_usage(q);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().totals.requests, 2) << static_cast<int>(bucket);
    q = window(kBase, kBase + 3 * kDay);  // whole days: read from the daily rollup
    q.bucket = bucket;
    EXPECT_EQ(store_->query_usage(q).value().totals.requests, 2) << static_cast<int>(bucket);
  }
}

TEST_P(StoreConformance, UsageBatchIsOneRollupRowPerHourAndDimensions) {
  std::vector<UsageRecord> batch;
  for (int i = 0; i < 500; ++i) {
    batch.push_back(rec(kBase + (i % 2) * kHour + i, "alice", "ta", "p1", "m1", "", 1, 2,
                        i % 5 == 0 ? std::nullopt : std::optional(0.5)));
  }
  ASSERT_TRUE(store_->insert_usage(batch).ok());
  auto conn = db_.connector();
  ASSERT_TRUE(conn.ok());
  auto count = [&](const char* sql) {
    std::int64_t n = -1;
    EXPECT_TRUE(conn.value()
                    ->query(sql, {},
                            [&](const SqlRow& r) {
                              n = r.integer(0);
                              return false;
                            })
                    .ok());
    return n;
  };
  EXPECT_EQ(count("SELECT COUNT(*) FROM usage_rows"), 500);
  EXPECT_EQ(count("SELECT COUNT(*) FROM usage_hourly"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM usage_daily"), 1);
  EXPECT_EQ(count("SELECT SUM(unpriced) FROM usage_daily"), 100);
  auto r = store_->query_usage(window(kBase, kBase + kDay));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().totals.requests, 500);
  EXPECT_EQ(r.value().totals.completion_tokens, 1000);
  EXPECT_NEAR(r.value().totals.cost, 200.0, 1e-9);
}

// More distinct dimensions than one statement's rows: rows and rollups go
// in chunks (128, then powers of two), and every one of them lands.
TEST_P(StoreConformance, UsageBatchOfManyDimensionsIsWrittenInChunks) {
  std::vector<UsageRecord> batch;
  for (int i = 0; i < 777; ++i) {
    batch.push_back(rec(kBase + (i % 3) * kHour, "u" + std::to_string(i % 300), "t", "p", "m", "", 1, i, 0.5));
  }
  ASSERT_TRUE(store_->insert_usage(batch).ok());
  ASSERT_TRUE(store_->insert_usage(std::span(batch).first(5)).ok());  // the same rollup rows again
  UsageQuery q = window(kBase, kBase + kDay);
  q.group_by = UsageGroup::user;
  auto r = store_->query_usage(q);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().totals.requests, 782);
  EXPECT_EQ(r.value().totals.completion_tokens, 776 * 777 / 2 + (0 + 1 + 2 + 3 + 4));
  EXPECT_EQ(r.value().groups.size(), 300u);
  q.bucket = UsageBucket::hour;
  q.group_by = UsageGroup::none;
  const auto hours = series_requests(store_->query_usage(q).value());
  EXPECT_EQ(hours, (std::vector<std::pair<UnixMs, std::int64_t>>{{kBase, 261}, {kBase + kHour, 261}, {kBase + 2 * kHour, 260}}));
  EXPECT_EQ(store_->export_usage(window(kBase, kBase + kDay), [](const UsageRecord&) { return true; }).value(), 782);
}

// A second batch onto existing, non-zero rollup rows: the upsert adds its
// errors and latency counts to the row's (as it does its other sums), in
// the hourly and the daily table alike.
TEST_P(StoreConformance, UsageUpsertAddsErrorsAndLatencyToExistingRollups) {
  auto row = [](UnixMs t, int status, std::int64_t latency_ms) {
    UsageRecord r = rec(t, "alice", "ta", "p1", "m1", "", 1, 1, 0.5);
    r.status = status;
    r.latency_ms = latency_ms;
    return r;
  };
  const std::vector<UsageRecord> first = {row(kBase + 1, 500, 12), row(kBase + 2, 200, 12), row(kBase + 3, 200, 300)};
  const std::vector<UsageRecord> second = {row(kBase + 4, 502, 12), row(kBase + 5, 429, 300), row(kBase + 6, 200, 5)};
  ASSERT_TRUE(store_->insert_usage(first).ok());
  ASSERT_TRUE(store_->insert_usage(second).ok());
  auto conn = db_.connector();
  ASSERT_TRUE(conn.ok());
  for (std::string_view table : {"usage_hourly", "usage_daily"}) {
    std::vector<std::int64_t> got;
    const std::string sql = fmt::format(
        "SELECT COUNT(*), SUM(requests), SUM(errors), SUM(lat_le_10), SUM(lat_le_16), "
        "SUM(lat_le_400), SUM(lat_over) FROM {}",
        table);
    ASSERT_TRUE(conn.value()
                    ->query(sql, {},
                            [&](const SqlRow& r) {
                              for (int i = 0; i < 7; ++i) got.push_back(r.integer(i));
                              return false;
                            })
                    .ok())
        << table;
    // One row; 6 requests, 3 errors; 5 ms: 1, 12 ms: 3, 300 ms: 2.
    EXPECT_EQ(got, (std::vector<std::int64_t>{1, 6, 3, 1, 3, 2, 0})) << table;
  }
  for (UsageBucket bucket : {UsageBucket::hour, UsageBucket::day}) {
    UsageQuery q = window(kBase, kBase + kDay);  // whole hours and a whole day: rollups only
    q.bucket = bucket;
    auto r = store_->query_usage(q);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().totals.errors, 3);
    LatencyHistogram want{};
    want[latency_bucket(5)] = 1;
    want[latency_bucket(12)] = 3;
    want[latency_bucket(300)] = 2;
    EXPECT_EQ(r.value().totals.latency, want);
  }
}

TEST_P(StoreConformance, UsageLongValuesFitTheirColumns) {
  std::string model;
  for (int i = 0; i < 150; ++i) model += "é";  // 300 bytes, 2-byte characters
  UsageRecord r = rec(kBase, std::string(100, 'u'), "t", "p", model, "", 1, 1, 0.1);
  ASSERT_TRUE(store_->insert_usage(std::span(&r, 1)).ok());
  UsageQuery q = window(kBase, kBase + kHour);
  q.group_by = UsageGroup::model;
  auto report = store_->query_usage(q);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report.value().groups.size(), 1u);
  const std::string& stored = report.value().groups[0].first;
  EXPECT_LE(stored.size(), 191u);
  EXPECT_EQ(stored, model.substr(0, stored.size()));
  EXPECT_EQ(stored.size() % 2, 0u);  // cut between characters
}

TEST_P(StoreConformance, ConcurrentInsertsFromFourThreads) {
  constexpr int kThreads = 4, kBatches = 20, kRows = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<UsageRecord> batch;
        for (int i = 0; i < kRows; ++i) {
          // The same hours and dimensions from every thread: contended rollup rows.
          batch.push_back(
              rec(kBase + (i % 3) * kHour + t, "u" + std::to_string(i % 2), "t", "p", "m", "", 1, t, std::nullopt));
        }
        if (auto r = store_->insert_usage(batch); !r) {
          ADD_FAILURE() << r.error().message;
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  const std::int64_t total = kThreads * kBatches * kRows;
  UsageQuery q = window(kBase, kBase + kDay);
  q.bucket = UsageBucket::hour;
  q.group_by = UsageGroup::user;
  auto r = store_->query_usage(q);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().totals.requests, total);
  EXPECT_EQ(r.value().totals.prompt_tokens, total);
  EXPECT_EQ(r.value().totals.completion_tokens, kBatches * kRows * (0 + 1 + 2 + 3));
  EXPECT_EQ(r.value().totals.unpriced_requests, total);
  ASSERT_EQ(r.value().series.size(), 3u);
  ASSERT_EQ(r.value().groups.size(), 2u);
  std::int64_t exported =
      store_->export_usage(window(kBase, kBase + kDay), [](const UsageRecord&) { return true; }).value();
  EXPECT_EQ(exported, total);
}

std::int64_t index_count(SqlConnection& conn, std::string_view name) {
  std::string_view sql;
  switch (conn.dialect()) {
    case Dialect::sqlite:
      sql = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?";
      break;
    case Dialect::postgres:
      sql = "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?";
      break;
    case Dialect::mysql:
      sql = "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND index_name = ?";
      break;
  }
  const SqlValue p[] = {std::string(name)};
  std::int64_t n = -1;
  EXPECT_TRUE(conn.query(sql, p, [&](const SqlRow& r) {
                    n = r.integer(0);
                    return false;
                  }).ok());
  return n;
}

// The columns versions 3 and 4 added, in kUsageColumns' order: the last ones.
constexpr std::string_view kLaterColumns[] = {"effective_context", "autoselected", "autoselected_by"};

// Undoes version 8 (the rollups' errors and latency histogram).
void drop_version_eight(SqlConnection& conn) {
  for (std::string_view table : {"usage_hourly", "usage_daily"}) {
    ASSERT_TRUE(conn.exec(fmt::format("ALTER TABLE {} DROP COLUMN errors", table)).ok()) << table;
    for (std::string_view column : kLatencyColumns) {
      ASSERT_TRUE(conn.exec(fmt::format("ALTER TABLE {} DROP COLUMN {}", table, column)).ok()) << column;
    }
  }
}

// Undoes versions 7 (users.must_change_password) and 8, which later tests
// of earlier versions' upgrades run again.
void drop_version_seven(SqlConnection& conn) {
  ASSERT_TRUE(conn.exec("ALTER TABLE users DROP COLUMN must_change_password").ok());
  drop_version_eight(conn);
}

// Version 1's usage_rows, as a database left at version 1 has it: without
// the later versions' columns (every backend here drops a column: SQLite ≥ 3.35).
void back_to_version_one(SqlConnection& conn) {
  for (std::string_view column : kLaterColumns) {
    ASSERT_TRUE(conn.exec("ALTER TABLE usage_rows DROP COLUMN " + std::string(column)).ok()) << column;
  }
  drop_version_seven(conn);
  ASSERT_TRUE(conn.exec("DELETE FROM schema_migrations WHERE version >= 2").ok());
}

// kUsageColumns without the later versions' columns.
std::string version_one_columns() {
  std::string_view columns = kUsageColumns;
  for (std::size_t i = 0; i < std::size(kLaterColumns); ++i) columns = columns.substr(0, columns.rfind(','));
  return std::string(columns);
}

std::int64_t count_where(SqlConnection& conn, std::string_view condition) {
  std::int64_t n = -1;
  EXPECT_TRUE(conn.query("SELECT COUNT(*) FROM usage_rows WHERE " + std::string(condition), {}, [&](const SqlRow& r) {
                    n = r.integer(0);
                    return false;
                  }).ok());
  return n;
}

// Version 2 drops v1's usage_rows_by_user, version 3 adds effective_context,
// version 4 autoselected and autoselected_by: a database left at version 1
// (its index and rows in place) is upgraded, its rows still count and read
// effective_context 0 (not counted) and no autoselect (NULL).
TEST_P(StoreConformance, UpgradeFromVersionOneDropsTheUserIndex) {
  auto conn = db_.connector();
  ASSERT_TRUE(conn.ok());
  back_to_version_one(*conn.value());
  // Rows as version 1 wrote them: every column but the later ones.
  ASSERT_TRUE(conn.value()
                  ->exec("INSERT INTO usage_rows (" + version_one_columns() +
                             ") VALUES (" + std::to_string(kBase + kMin) +
                             ", 'alice', 'ta', 'chat', 'p1/m1', 'p1', 'm1', '', 1, 10, 5, 0, 0, 0, 0, NULL, 120, 40, "
                             "200, '', 0, 0)")
                  .ok());
  EXPECT_EQ(index_count(*conn.value(), "usage_rows_by_user"), 0);
  EXPECT_GE(index_count(*conn.value(), "usage_rows_by_time"), 1);
  ASSERT_TRUE(conn.value()->exec("CREATE INDEX usage_rows_by_user ON usage_rows (username, time_ms)").ok());
  ASSERT_EQ(store_->schema_version().value(), 1);

  auto upgraded = make_sql_store(db_.dialect, db_.connector);
  auto migrated = upgraded->migrate();
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(migrated.value(), latest_schema_version());
  auto rows = fixture_records();
  rows[1].effective_context = 17;
  rows[1].autoselected = "coding";
  rows[1].autoselected_by = "llm";
  ASSERT_TRUE(upgraded->insert_usage(rows).ok());
  EXPECT_EQ(index_count(*conn.value(), "usage_rows_by_user"), 0);
  EXPECT_GE(index_count(*conn.value(), "usage_rows_by_time"), 1);
  // No choice is NULL, not '': the version 1 row and every row without one.
  EXPECT_EQ(count_where(*conn.value(), "autoselected IS NULL AND autoselected_by IS NULL"), 6);
  EXPECT_EQ(count_where(*conn.value(), "autoselected = 'coding' AND autoselected_by = 'llm'"), 1);
  UsageQuery q = window(kBase, kBase + 3 * kDay);
  q.username = "alice";
  auto r = upgraded->query_usage(q);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().totals.requests, 3);  // whole hours read the rollups, which the raw insert skipped
  std::vector<std::int64_t> contexts;
  std::vector<std::string> choices;
  std::int64_t exported = upgraded->export_usage(q, [&](const UsageRecord& row) {
    contexts.push_back(row.effective_context);
    choices.push_back(row.autoselected + "/" + row.autoselected_by);
    return true;
  }).value();
  EXPECT_EQ(exported, 4);
  EXPECT_EQ(contexts, (std::vector<std::int64_t>{0, 17, 0, 0}));  // the version 1 row first: 0
  EXPECT_EQ(choices, (std::vector<std::string>{"/", "coding/llm", "/", "/"}));
}

// A database at version 3 (effective_context, no autoselect columns) gets
// version 4 alone; its rows read no choice.
TEST_P(StoreConformance, UpgradeFromVersionThreeAddsTheAutoselectColumns) {
  ASSERT_TRUE(store_->insert_usage(fixture_records()).ok());
  auto conn = db_.connector();
  ASSERT_TRUE(conn.ok());
  for (std::string_view column : {"autoselected", "autoselected_by"}) {
    ASSERT_TRUE(conn.value()->exec("ALTER TABLE usage_rows DROP COLUMN " + std::string(column)).ok()) << column;
  }
  drop_version_seven(*conn.value());
  ASSERT_TRUE(conn.value()->exec("DELETE FROM schema_migrations WHERE version >= 4").ok());
  ASSERT_EQ(store_->schema_version().value(), 3);

  auto upgraded = make_sql_store(db_.dialect, db_.connector);
  auto migrated = upgraded->migrate();
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(migrated.value(), latest_schema_version());
  EXPECT_EQ(count_where(*conn.value(), "autoselected IS NULL AND autoselected_by IS NULL"), 6);
  int seen = 0;
  ASSERT_TRUE(upgraded->export_usage(window(kBase - kDay, kBase + 3 * kDay), [&](const UsageRecord& row) {
                        EXPECT_TRUE(row.autoselected.empty() && row.autoselected_by.empty());
                        ++seen;
                        return true;
                      }).ok());
  EXPECT_EQ(seen, 6);
}

// A user row written at version 6 (no must_change_password column) reads
// must_change_password false once version 7 is applied: only a password
// generated or set by an admin from then on makes its user change it.
TEST_P(StoreConformance, UpgradeFromVersionSixLeavesExistingUsersFree) {
  auto conn = db_.connector();
  ASSERT_TRUE(conn.ok());
  drop_version_seven(*conn.value());
  ASSERT_TRUE(conn.value()->exec("DELETE FROM schema_migrations WHERE version >= 7").ok());
  ASSERT_EQ(store_->schema_version().value(), 6);
  ASSERT_TRUE(conn.value()
                  ->exec("INSERT INTO users (username, role, active, allow_private_endpoints, password_hash, "
                         "quotas_json, created_ms, last_login_ms) VALUES ('carol', 'admin', 1, 0, 'v6-hash', '{}', " +
                         std::to_string(kBase) + ", 0)")
                  .ok());

  auto upgraded = make_sql_store(db_.dialect, db_.connector);
  auto migrated = upgraded->migrate();
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(migrated.value(), latest_schema_version());
  auto carol = upgraded->find_user("carol");
  ASSERT_TRUE(carol.ok()) << carol.error().message;
  ASSERT_TRUE(carol.value().has_value());
  EXPECT_FALSE(carol.value()->must_change_password);
  EXPECT_EQ(carol.value()->password_hash, "v6-hash");
  EXPECT_EQ(carol.value()->role, UserRole::admin);
}

// Rollup rows written at version 7 (no errors, no histogram) read 0 errors
// and no percentile once version 8 is applied, and new rows add to them;
// the raw edge hours count every row, old ones included.
TEST_P(StoreConformance, UpgradeFromVersionSevenLeavesOldRollupsWithoutLatency) {
  auto conn = db_.connector();
  ASSERT_TRUE(conn.ok());
  drop_version_eight(*conn.value());
  ASSERT_TRUE(conn.value()->exec("DELETE FROM schema_migrations WHERE version >= 8").ok());
  ASSERT_EQ(store_->schema_version().value(), 7);
  // A failed row, as version 7 wrote it: the raw row and its hourly and daily rollup rows.
  const std::string t = std::to_string(kBase + 10 * kMin);
  ASSERT_TRUE(conn.value()
                  ->exec("INSERT INTO usage_rows (" + version_one_columns() + ") VALUES (" + t +
                         ", 'alice', 'ta', 'chat', 'p1/m1', 'p1', 'm1', '', 1, 10, 5, 0, 0, 0, 0, NULL, 900, 40, "
                         "502, 'upstream_status', 0, 0)")
                  .ok());
  for (std::string_view table : {"usage_hourly", "usage_daily"}) {
    ASSERT_TRUE(conn.value()
                    ->exec(fmt::format("INSERT INTO {} VALUES ({}, 'alice', 'ta', 'p1', 'm1', '', 1, 10, 5, 0, 0, "
                                       "0, 0, 1)",
                                       table, kBase))
                    .ok());
  }

  auto upgraded = make_sql_store(db_.dialect, db_.connector);
  auto migrated = upgraded->migrate();
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(migrated.value(), latest_schema_version());
  UsageQuery whole_day = window(kBase, kBase + kDay);
  auto old_only = upgraded->query_usage(whole_day);
  ASSERT_TRUE(old_only.ok()) << old_only.error().message;
  EXPECT_EQ(old_only.value().totals.requests, 1);
  EXPECT_EQ(old_only.value().totals.errors, 0);  // the rollup did not count it
  EXPECT_FALSE(latency_percentile(old_only.value().totals.latency, 0.5).has_value());
  // An edge window reads the raw row: its error and latency count.
  auto edge = upgraded->query_usage(window(kBase + 5 * kMin, kBase + 20 * kMin));
  ASSERT_TRUE(edge.ok()) << edge.error().message;
  EXPECT_EQ(edge.value().totals.errors, 1);
  EXPECT_EQ(edge.value().totals.latency[latency_bucket(900)], 1);

  UsageRecord fresh = rec(kBase + 20 * kMin, "alice", "ta", "p1", "m1", "", 1, 1, 0.1);
  fresh.status = 429;
  fresh.error_kind = "rate_limited";
  fresh.latency_ms = 30;
  ASSERT_TRUE(upgraded->insert_usage(std::span(&fresh, 1)).ok());
  auto both = upgraded->query_usage(whole_day);
  ASSERT_TRUE(both.ok()) << both.error().message;
  EXPECT_EQ(both.value().totals.requests, 2);
  EXPECT_EQ(both.value().totals.errors, 1);
  LatencyHistogram expected{};
  expected[latency_bucket(30)] = 1;
  EXPECT_EQ(both.value().totals.latency, expected);
}

// Version 8 run again over a table that has some of its columns already
// (a run cut short where DDL commits implicitly: MariaDB): every clause of
// the one ALTER TABLE per table (PostgreSQL, MariaDB) skips what exists and
// adds the rest. SQLite rolls a failed migration back whole (and its ADD
// COLUMN has no IF NOT EXISTS).
TEST_P(StoreConformance, VersionEightCompletesAPartialRun) {
  if (db_.dialect == Dialect::sqlite) GTEST_SKIP() << "SQLite's migrations never stop half-way";
  auto conn = db_.connector();
  ASSERT_TRUE(conn.ok());
  drop_version_eight(*conn.value());
  ASSERT_TRUE(conn.value()->exec("DELETE FROM schema_migrations WHERE version >= 8").ok());
  ASSERT_TRUE(conn.value()->exec("ALTER TABLE usage_hourly ADD COLUMN errors BIGINT NOT NULL DEFAULT 0").ok());
  ASSERT_TRUE(conn.value()->exec("ALTER TABLE usage_hourly ADD COLUMN lat_le_100 BIGINT NOT NULL DEFAULT 0").ok());
  auto upgraded = make_sql_store(db_.dialect, db_.connector);
  auto migrated = upgraded->migrate();
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  EXPECT_EQ(migrated.value(), latest_schema_version());
  for (std::string_view table : {"usage_hourly", "usage_daily"}) {
    std::string columns = "errors";
    for (std::string_view column : kLatencyColumns) columns += fmt::format(", {}", column);
    EXPECT_TRUE(conn.value()
                    ->query(fmt::format("SELECT {} FROM {}", columns, table), {}, [](const SqlRow&) { return false; })
                    .ok())
        << table;
  }
  UsageRecord r = rec(kBase + 1, "alice", "ta", "p1", "m1", "", 1, 1, 0.1);
  r.status = 500;
  r.latency_ms = 70;
  ASSERT_TRUE(upgraded->insert_usage(std::span(&r, 1)).ok());
  auto day = upgraded->query_usage(window(kBase, kBase + kDay));
  ASSERT_TRUE(day.ok()) << day.error().message;
  EXPECT_EQ(day.value().totals.errors, 1);
  EXPECT_EQ(day.value().totals.latency[latency_bucket(70)], 1);
}

}  // namespace
}  // namespace aisbf::store::testing
