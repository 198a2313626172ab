#include "limits/token_windows.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

namespace aisbf::limits {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint{} + 1000h;  // the fake clock's origin

TokenLimits tpm(std::int64_t n) {
  TokenLimits l;
  l.per_minute = n;
  return l;
}

TEST(TokenWindow, NoLimitsRecordNothing) {
  auto windows = make_in_process_token_windows();
  const auto a = windows->admit("p/m", TokenLimits{}, 1'000'000, kT0);
  EXPECT_TRUE(a.admitted);
  EXPECT_EQ(a.ticket, 0u);
  windows->settle("p/m", 0, 5, kT0);
  EXPECT_TRUE(windows->snapshot(kT0).empty());
}

TEST(TokenWindow, PerMinuteFillsRefusesAndFrees) {
  auto windows = make_in_process_token_windows();
  const auto limits = tpm(1000);
  EXPECT_TRUE(windows->admit("k", limits, 400, kT0).admitted);
  EXPECT_TRUE(windows->admit("k", limits, 400, kT0 + 10s).admitted);
  EXPECT_TRUE(windows->admit("k", limits, 200, kT0 + 20s).admitted);  // exactly at the limit
  const auto refused = windows->admit("k", limits, 1, kT0 + 30s);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.ticket, 0u);
  EXPECT_EQ(refused.retry_at, kT0 + 60s);  // when the first 400 leave the minute
  EXPECT_FALSE(windows->admit("k", limits, 1, kT0 + 60s - 1ns).admitted);
  EXPECT_TRUE(windows->admit("k", limits, 400, kT0 + 60s).admitted);
  // Other keys have their own windows.
  EXPECT_TRUE(windows->admit("other", limits, 1000, kT0 + 30s).admitted);
}

TEST(TokenWindow, RetryAtIsWhenEnoughHasExpired) {
  auto windows = make_in_process_token_windows();
  const auto limits = tpm(1000);
  windows->admit("k", limits, 300, kT0);
  windows->admit("k", limits, 300, kT0 + 5s);
  windows->admit("k", limits, 300, kT0 + 10s);
  // 900 used, 600 wanted: 500 must leave, the first two records (600).
  const auto refused = windows->admit("k", limits, 600, kT0 + 20s);
  ASSERT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_at, kT0 + 65s);
  EXPECT_FALSE(windows->admit("k", limits, 600, kT0 + 64s).admitted);
  EXPECT_TRUE(windows->admit("k", limits, 600, refused.retry_at).admitted);
}

TEST(TokenWindow, OversizedRequestGoesOnlyIntoAnEmptyWindow) {
  auto windows = make_in_process_token_windows();
  const auto limits = tpm(1000);
  EXPECT_TRUE(windows->admit("k", limits, 5000, kT0).admitted);
  const auto refused = windows->admit("k", limits, 1, kT0 + 1s);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_at, kT0 + 60s);
  // Another oversized request waits for the window to empty, not forever.
  windows->admit("j", limits, 10, kT0);
  windows->admit("j", limits, 20, kT0 + 30s);
  const auto big = windows->admit("j", limits, 5000, kT0 + 31s);
  EXPECT_FALSE(big.admitted);
  EXPECT_EQ(big.retry_at, kT0 + 90s);
  EXPECT_TRUE(windows->admit("j", limits, 5000, kT0 + 90s).admitted);
}

TEST(TokenWindow, SettleLowersTheEstimate) {
  auto windows = make_in_process_token_windows();
  const auto limits = tpm(1000);
  const auto first = windows->admit("k", limits, 900, kT0);
  ASSERT_TRUE(first.admitted);
  EXPECT_NE(first.ticket, 0u);
  EXPECT_FALSE(windows->admit("k", limits, 500, kT0 + 1s).admitted);
  windows->settle("k", first.ticket, 100, kT0 + 2s);  // the response used far less
  EXPECT_TRUE(windows->admit("k", limits, 500, kT0 + 2s).admitted);
  EXPECT_EQ(windows->snapshot(kT0 + 2s)[0].last_minute, 600);
}

TEST(TokenWindow, SettleRaisesTheEstimate) {
  auto windows = make_in_process_token_windows();
  const auto limits = tpm(1000);
  const auto a = windows->admit("k", limits, 100, kT0);
  const auto b = windows->admit("k", limits, 100, kT0 + 1s);
  windows->settle("k", a.ticket, 850, kT0 + 2s);
  const auto refused = windows->admit("k", limits, 100, kT0 + 2s);
  EXPECT_FALSE(refused.admitted);  // 950 + 100 > 1000
  EXPECT_EQ(refused.retry_at, kT0 + 60s);
  windows->settle("k", b.ticket, 0, kT0 + 3s);  // failed without using any
  EXPECT_EQ(windows->snapshot(kT0 + 3s)[0].last_minute, 850);
  EXPECT_TRUE(windows->admit("k", limits, 150, kT0 + 3s).admitted);
  // Unknown tickets and keys are ignored.
  windows->settle("k", 999'999, 5, kT0 + 3s);
  windows->settle("nobody", a.ticket, 5, kT0 + 3s);
  EXPECT_EQ(windows->snapshot(kT0 + 3s)[0].last_minute, 1000);
}

TEST(TokenWindow, SettleAfterTheMinuteOnlyMovesLongerWindows) {
  auto windows = make_in_process_token_windows();
  TokenLimits limits;
  limits.per_minute = 1000;
  limits.per_hour = 5000;
  const auto a = windows->admit("k", limits, 1000, kT0);
  windows->settle("k", a.ticket, 4500, kT0 + 2min);  // a long stream, settled late
  const auto snap = windows->snapshot(kT0 + 2min);
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].last_minute, 0);
  EXPECT_EQ(snap[0].last_hour, 4500);
  EXPECT_EQ(snap[0].last_day, 4500);
  EXPECT_TRUE(windows->admit("k", limits, 500, kT0 + 2min).admitted);
  const auto refused = windows->admit("k", limits, 1, kT0 + 2min);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_at, kT0 + 1h);  // the hour, not the minute, is full
}

TEST(TokenWindow, HourAndDayWindows) {
  auto windows = make_in_process_token_windows();
  TokenLimits limits;
  limits.per_hour = 10'000;
  limits.per_day = 15'000;
  EXPECT_TRUE(windows->admit("k", limits, 6000, kT0).admitted);
  EXPECT_TRUE(windows->admit("k", limits, 4000, kT0 + 30min).admitted);
  auto refused = windows->admit("k", limits, 2000, kT0 + 40min);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_at, kT0 + 1h);  // the hour sheds 6000; the day still has room
  EXPECT_TRUE(windows->admit("k", limits, 2000, kT0 + 1h).admitted);
  EXPECT_TRUE(windows->admit("k", limits, 3000, kT0 + 2h).admitted);  // day: 15000
  refused = windows->admit("k", limits, 100, kT0 + 3h);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_at, kT0 + 24h);  // the day is the binding window
  const auto snap = windows->snapshot(kT0 + 3h);
  EXPECT_EQ(snap[0].last_hour, 0);
  EXPECT_EQ(snap[0].last_day, 15'000);
  EXPECT_TRUE(windows->admit("k", limits, 100, kT0 + 24h).admitted);
  // After a day everything older is gone; old tickets are ignored.
  windows->settle("k", 1, 1'000'000, kT0 + 48h);
  EXPECT_EQ(windows->snapshot(kT0 + 48h).size(), 0u);
}

TEST(TokenWindow, EveryWindowMustFit) {
  auto windows = make_in_process_token_windows();
  TokenLimits limits;
  limits.per_minute = 1000;
  limits.per_hour = 1500;
  windows->admit("k", limits, 1000, kT0);
  const auto refused = windows->admit("k", limits, 600, kT0 + 2min);  // minute empty, hour 1000 + 600 > 1500
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_at, kT0 + 1h);
  EXPECT_TRUE(windows->admit("k", limits, 500, kT0 + 2min).admitted);
}

TEST(TokenWindow, ResetAndSnapshot) {
  auto windows = make_in_process_token_windows();
  auto limits = tpm(100);
  limits.per_hour = 1000;  // kept for the hour: a minute-only key is forgotten once its minute is empty
  windows->admit("b", limits, 10, kT0);
  windows->admit("a", limits, 20, kT0);
  auto snap = windows->snapshot(kT0 + 1s);
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].key, "a");
  EXPECT_EQ(snap[0].last_minute, 20);
  EXPECT_EQ(windows->snapshot(kT0 + 61s)[0].last_minute, 0);
  EXPECT_EQ(windows->snapshot(kT0 + 61s)[0].last_hour, 20);
  windows->reset("a");
  EXPECT_EQ(windows->snapshot(kT0).size(), 1u);
  windows->reset("");
  EXPECT_TRUE(windows->snapshot(kT0).empty());
}

TEST(TokenWindow, ConcurrentAdmissionsNeverOverfill) {
  auto windows = make_in_process_token_windows();
  const auto limits = tpm(5000);
  std::atomic<int> admitted{0};
  std::mutex mutex;
  std::set<std::uint64_t> tickets;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        const auto a = windows->admit("k", limits, 10, kT0);
        if (!a.admitted) continue;
        ++admitted;
        std::lock_guard lock(mutex);
        tickets.insert(a.ticket);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(admitted.load(), 500);  // 5000 / 10, exactly
  EXPECT_EQ(tickets.size(), 500u);
  EXPECT_EQ(windows->snapshot(kT0)[0].last_minute, 5000);
}

}  // namespace
}  // namespace aisbf::limits
