#include "limits/quotas.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace aisbf::limits {
namespace {

// 2026-12-03 03:00:00 UTC.
constexpr WallMs kT0 = 1'796'266'800'000;
constexpr WallMs kMin = 60'000, kDay = 86'400'000;

QuotaSpec spec_of(std::string_view json) {
  auto parsed = parse_quotas(json);
  EXPECT_TRUE(parsed.spec) << parsed.error;
  return parsed.spec.value_or(QuotaSpec{});
}

struct Fixture {
  std::unique_ptr<QuotaLedger> ledger = make_in_process_quota_ledger();
  QuotaSpec user, token;
  std::vector<QuotaSubject> both() { return {{"user:alice", &user}, {"token:7", &token}}; }
  std::vector<QuotaSubject> alice() { return {{"user:alice", &user}}; }
};

TEST(QuotaSpec, ParsesEveryFieldAndNamesTheBadOne) {
  auto s = spec_of(R"({"requests_per_minute":1,"requests_per_day":2,"max_concurrent":3,
                      "tokens_per_day":4,"tokens_per_month":5.0,"cost_per_month":1.5,"unused":null})"
                       "");
  EXPECT_EQ(s.requests_per_minute, 1);
  EXPECT_EQ(s.requests_per_day, 2);
  EXPECT_EQ(s.max_concurrent, 3);
  EXPECT_EQ(s.tokens_per_day, 4);
  EXPECT_EQ(s.tokens_per_month, 5);
  EXPECT_DOUBLE_EQ(*s.cost_per_month, 1.5);
  EXPECT_FALSE(spec_of("{}").any());
  EXPECT_FALSE(spec_of("").any());

  EXPECT_EQ(parse_quotas(R"({"tokens_per_day":"5"})").error, "quotas.tokens_per_day: expected a whole number >= 0");
  EXPECT_EQ(parse_quotas(R"({"max_concurrent":-1})").error, "quotas.max_concurrent: expected a whole number >= 0");
  EXPECT_EQ(parse_quotas(R"({"requests_per_day":1.5})").error,
            "quotas.requests_per_day: expected a whole number >= 0");
  EXPECT_EQ(parse_quotas(R"({"cost_per_month":true})").error, "quotas.cost_per_month: expected a number >= 0 (USD)");
  EXPECT_EQ(parse_quotas(R"({"tokens_per_week":5})").error, "quotas.tokens_per_week: unknown field");
  EXPECT_EQ(parse_quotas("[1]").error, "quotas: expected an object");
}

TEST(QuotaSpec, CalendarBucketsAreUtc) {
  EXPECT_EQ(utc_day_start(kT0), kT0 - 3 * 3'600'000);
  EXPECT_EQ(utc_month_start(kT0), kT0 - 3 * 3'600'000 - 2 * kDay);                // 2026-12-01
  EXPECT_EQ(utc_next_month_start(kT0), kT0 - 3 * 3'600'000 + 29 * kDay);          // 2027-01-01
  EXPECT_EQ(utc_next_month_start(utc_month_start(kT0) - 1), utc_month_start(kT0));  // from November
}

TEST(QuotaLedger, NoQuotasHoldsNothing) {
  Fixture f;
  auto d = f.ledger->reserve(f.both(), {100, 1}, kT0);
  ASSERT_TRUE(d.reservation);
  EXPECT_FALSE(d.reservation->held());
  EXPECT_FALSE(f.ledger->usage("user:alice", kT0));
}

TEST(QuotaLedger, RequestsPerMinuteTurnsWithTheUtcMinute) {
  Fixture f;
  f.user = spec_of(R"({"requests_per_minute":2})");
  const WallMs t = kT0 + 50'000;  // 10 s before the minute turns
  for (int i = 0; i < 2; ++i) {
    auto d = f.ledger->reserve(f.alice(), {}, t);
    ASSERT_TRUE(d.reservation);
    f.ledger->settle(*d.reservation, {}, t);
  }
  auto refused = f.ledger->reserve(f.alice(), {}, t);
  ASSERT_TRUE(refused.refusal);
  EXPECT_EQ(refused.refusal->quota, "requests_per_minute");
  EXPECT_EQ(refused.refusal->retry_after_s, 10);
  EXPECT_EQ(refused.refusal->message(), "user alice: requests_per_minute 2 reached");
  EXPECT_TRUE(f.ledger->reserve(f.alice(), {}, kT0 + kMin).reservation);
}

TEST(QuotaLedger, RequestsPerDayTurnsAtUtcMidnight) {
  Fixture f;
  f.user = spec_of(R"({"requests_per_day":3})");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(f.ledger->reserve(f.alice(), {}, kT0 + i * kMin).reservation);
  auto refused = f.ledger->reserve(f.alice(), {}, kT0 + 5 * kMin);
  ASSERT_TRUE(refused.refusal);
  EXPECT_EQ(refused.refusal->quota, "requests_per_day");
  EXPECT_EQ(refused.refusal->retry_after_s, 21 * 3600 - 5 * 60);
  EXPECT_TRUE(f.ledger->reserve(f.alice(), {}, utc_day_start(kT0) + kDay).reservation);
}

TEST(QuotaLedger, TokensPerDayAndMonth) {
  Fixture f;
  f.user = spec_of(R"({"tokens_per_day":100,"tokens_per_month":150})");
  auto a = f.ledger->reserve(f.alice(), {60, 0}, kT0);
  ASSERT_TRUE(a.reservation);
  auto b = f.ledger->reserve(f.alice(), {60, 0}, kT0);  // 120 > 100 while a holds its estimate
  ASSERT_TRUE(b.refusal);
  EXPECT_EQ(b.refusal->quota, "tokens_per_day");
  f.ledger->settle(*a.reservation, {30, 0}, kT0);  // lower than estimated: room again
  auto c = f.ledger->reserve(f.alice(), {60, 0}, kT0);
  ASSERT_TRUE(c.reservation);
  f.ledger->settle(*c.reservation, {70, 0}, kT0);  // higher than estimated
  EXPECT_EQ(f.ledger->usage("user:alice", kT0)->day_tokens, 100);
  // The next day: the day's window is empty, the month's holds 100 of 150.
  const WallMs tomorrow = utc_day_start(kT0) + kDay;
  auto d = f.ledger->reserve(f.alice(), {60, 0}, tomorrow);
  ASSERT_TRUE(d.refusal);
  EXPECT_EQ(d.refusal->quota, "tokens_per_month");
  EXPECT_TRUE(f.ledger->reserve(f.alice(), {50, 0}, tomorrow).reservation);
}

TEST(QuotaLedger, CostPerMonthTurnsWithTheCalendarMonth) {
  Fixture f;
  f.user = spec_of(R"({"cost_per_month":1.0})");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(f.ledger->reserve(f.alice(), {0, 0.1}, kT0).reservation) << i;
  auto refused = f.ledger->reserve(f.alice(), {0, 0.1}, kT0);
  ASSERT_TRUE(refused.refusal);
  EXPECT_EQ(refused.refusal->message(), "user alice: cost_per_month 1.00 USD reached");
  EXPECT_EQ(refused.refusal->retry_after_s, (utc_next_month_start(kT0) - kT0) / 1000);
  EXPECT_TRUE(f.ledger->reserve(f.alice(), {0, 0.1}, utc_next_month_start(kT0)).reservation);
}

TEST(QuotaLedger, MaxConcurrentFreedBySettleAndRelease) {
  Fixture f;
  f.user = spec_of(R"({"max_concurrent":2})");
  auto a = f.ledger->reserve(f.alice(), {}, kT0);
  auto b = f.ledger->reserve(f.alice(), {}, kT0);
  ASSERT_TRUE(a.reservation && b.reservation);
  auto c = f.ledger->reserve(f.alice(), {}, kT0);
  ASSERT_TRUE(c.refusal);
  EXPECT_EQ(c.refusal->quota, "max_concurrent");
  EXPECT_EQ(c.refusal->retry_after_s, 1);
  f.ledger->settle(*a.reservation, {}, kT0);
  f.ledger->settle(*a.reservation, {}, kT0);  // twice: the second holds nothing
  EXPECT_EQ(f.ledger->usage("user:alice", kT0)->in_flight, 1);
  ASSERT_TRUE(f.ledger->reserve(f.alice(), {}, kT0).reservation);
  f.ledger->release(*b.reservation, kT0);
  EXPECT_TRUE(f.ledger->reserve(f.alice(), {}, kT0).reservation);
}

TEST(QuotaLedger, ReleaseGivesBackTheRequestAndEstimate) {
  Fixture f;
  f.user = spec_of(R"({"requests_per_day":1,"tokens_per_day":10})");
  auto a = f.ledger->reserve(f.alice(), {10, 0}, kT0);
  ASSERT_TRUE(a.reservation);
  f.ledger->release(*a.reservation, kT0);
  EXPECT_FALSE(f.ledger->usage("user:alice", kT0));  // holds nothing: forgotten
  EXPECT_TRUE(f.ledger->reserve(f.alice(), {10, 0}, kT0).reservation);
}

TEST(QuotaLedger, AtomicAcrossUserAndToken) {
  Fixture f;
  f.user = spec_of(R"({"requests_per_day":5})");
  f.token = spec_of(R"({"requests_per_day":1})");
  ASSERT_TRUE(f.ledger->reserve(f.both(), {}, kT0).reservation);
  auto refused = f.ledger->reserve(f.both(), {}, kT0);
  ASSERT_TRUE(refused.refusal);
  EXPECT_EQ(refused.refusal->subject, "token:7");
  EXPECT_EQ(refused.refusal->message(), "token 7: requests_per_day 1 reached");
  // The token's refusal charged the user nothing.
  EXPECT_EQ(f.ledger->usage("user:alice", kT0)->day_requests, 1);
  EXPECT_EQ(f.ledger->usage("user:alice", kT0)->in_flight, 1);
}

TEST(QuotaLedger, ReconcileRaisesToTheStoreNeverLowers) {
  Fixture f;
  f.user = spec_of(R"({"cost_per_month":1.0,"requests_per_day":10})");
  f.ledger->reconcile("user:alice", {8, 0, 0, 0.95}, kT0);
  EXPECT_TRUE(f.ledger->reserve(f.alice(), {0, 0.05}, kT0).reservation);
  auto refused = f.ledger->reserve(f.alice(), {0, 0.05}, kT0);
  ASSERT_TRUE(refused.refusal);
  EXPECT_EQ(refused.refusal->quota, "cost_per_month");
  f.ledger->reconcile("user:alice", {2, 0, 0, 0.10}, kT0);  // older figures: kept ours
  EXPECT_EQ(f.ledger->usage("user:alice", kT0)->day_requests, 9);
  f.ledger->reconcile("user:bob", {}, kT0);  // nothing stored: not tracked
  EXPECT_FALSE(f.ledger->usage("user:bob", kT0));
}

TEST(QuotaLedger, ConcurrentReservationsNeverOverspend) {
  Fixture f;
  f.user = spec_of(R"({"requests_per_day":10})");
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (f.ledger->reserve(f.alice(), {1, 0.01}, kT0).reservation) ++admitted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 10);
}

TEST(QuotaLedgerBounds, FullOfLiveSubjectsRefusesANewOne) {
  auto ledger = make_in_process_quota_ledger(2);
  QuotaSpec s = spec_of(R"({"max_concurrent":5})");
  auto a = ledger->reserve({{"user:a", &s}}, {}, kT0);
  auto b = ledger->reserve({{"user:b", &s}}, {}, kT0);
  ASSERT_TRUE(a.reservation && b.reservation);
  auto c = ledger->reserve({{"user:c", &s}}, {}, kT0);
  ASSERT_TRUE(c.refusal);
  EXPECT_TRUE(c.refusal->table_full);
  ledger->settle(*a.reservation, {}, kT0);  // a holds nothing now: it gives way
  EXPECT_TRUE(ledger->reserve({{"user:c", &s}}, {}, kT0).reservation);
  EXPECT_EQ(ledger->tracked().keys, 2u);
}

}  // namespace
}  // namespace aisbf::limits
