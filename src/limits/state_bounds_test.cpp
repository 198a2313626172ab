// Spacing, token windows and learned limits stay bounded: keys that hold
// nothing are forgotten, the count is capped, live state is never dropped
// (a new key is refused instead). A hand-moved clock.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>
#include <vector>

#include "limits/adaptive.hpp"
#include "limits/spacing.hpp"
#include "limits/token_windows.hpp"

namespace aisbf::limits {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint{} + 1000h;

SpacingSlot reserve_one(RequestSpacing& spacing, std::string_view key, Duration interval, TimePoint now) {
  const std::array<SpacingKey, 1> keys = {{{key, interval}}};
  return spacing.reserve(keys, now, 1h);
}

TEST(SpacingBounds, AKeyIsForgottenAWhileAfterItsSlotHasPassed) {
  auto spacing = make_in_process_spacing(10);
  reserve_one(*spacing, "p", 2s, kT0);
  EXPECT_EQ(spacing->snapshot(kT0 + 2s + kSpacingIdleTtl - 1s).size(), 1u);
  EXPECT_TRUE(spacing->snapshot(kT0 + 2s + kSpacingIdleTtl).empty());
  EXPECT_EQ(reserve_one(*spacing, "p", 2s, kT0 + 3s).at, kT0 + 3s);  // idle: no slot held back
}

TEST(SpacingBounds, AFullTableRefusesANewKeyUntilASlotPasses) {
  auto spacing = make_in_process_spacing(2);
  reserve_one(*spacing, "a", 5s, kT0);
  reserve_one(*spacing, "b", 10s, kT0);
  const auto refused = reserve_one(*spacing, "c", 1s, kT0);
  EXPECT_FALSE(refused.granted);
  EXPECT_EQ(refused.at, kT0 + 5s);  // when "a" frees its place
  EXPECT_TRUE(refused.table_full);
  EXPECT_EQ(spacing->tracked().refused, 1u);
  EXPECT_EQ(reserve_one(*spacing, "a", 5s, kT0).at, kT0 + 5s);  // known keys still reserve
  EXPECT_TRUE(reserve_one(*spacing, "c", 1s, kT0 + 10s).granted);
  EXPECT_EQ(spacing->tracked().keys, 2u);  // b, idle the longest, gave way
  EXPECT_EQ(spacing->tracked().evicted, 1u);
}

TEST(SpacingBounds, ManyKeysStayUnderTheCap) {
  auto spacing = make_in_process_spacing(50);
  TimePoint now = kT0;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(reserve_one(*spacing, "p/m" + std::to_string(i), 10ms, now).granted);
    now += 1ms;
  }
  EXPECT_EQ(spacing->tracked().keys, 50u);
  EXPECT_EQ(spacing->tracked().refused, 0u);  // the idle ones gave way
}

// Reservations of two keys each while the table evicts (ASan catches a slot
// used after an eviction freed it).
TEST(SpacingBounds, ManyThreadsOverASmallTable) {
  auto spacing = make_in_process_spacing(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&spacing, t] {
      TimePoint now = kT0;
      for (int i = 0; i < 2000; ++i) {
        now += 1ms;
        const std::string provider = "p" + std::to_string((i + t) % 5);
        const std::string model = provider + "/m" + std::to_string((i * 3 + t) % 7);
        const std::array<SpacingKey, 2> keys = {{{provider, 2ms}, {model, 3ms}}};
        (void)spacing->reserve(keys, now, 10ms);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(spacing->tracked().keys, 4u);
}

TokenLimits tpm(std::int64_t n) {
  TokenLimits l;
  l.per_minute = n;
  return l;
}

TEST(TokenWindowBounds, AKeyIsForgottenOnceItsLongestLimitedWindowIsEmpty) {
  auto windows = make_in_process_token_windows(10);
  const auto a = windows->admit("k", tpm(100), 10, kT0);
  ASSERT_TRUE(a.admitted);
  EXPECT_EQ(windows->snapshot(kT0 + 59s).size(), 1u);
  EXPECT_TRUE(windows->snapshot(kT0 + 60s).empty());
  windows->settle("k", a.ticket, 5, kT0 + 61s);  // a late settle of a forgotten ticket: ignored
  EXPECT_TRUE(windows->snapshot(kT0 + 61s).empty());

  TokenLimits daily;
  daily.per_day = 100;
  ASSERT_TRUE(windows->admit("d", daily, 10, kT0).admitted);
  EXPECT_EQ(windows->snapshot(kT0 + 23h).size(), 1u);
  EXPECT_TRUE(windows->snapshot(kT0 + 24h).empty());
}

TEST(TokenWindowBounds, AFullTableRefusesANewKeyUntilOneEmpties) {
  auto windows = make_in_process_token_windows(1);
  ASSERT_TRUE(windows->admit("a", tpm(100), 10, kT0).admitted);
  const auto refused = windows->admit("b", tpm(100), 10, kT0 + 10s);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_at, kT0 + 60s);
  EXPECT_TRUE(refused.table_full);
  EXPECT_TRUE(windows->admit("a", tpm(100), 10, kT0 + 10s).admitted);   // a known key is still counted
  EXPECT_FALSE(windows->admit("b", tpm(100), 10, kT0 + 60s).admitted);  // a's second record holds it
  EXPECT_TRUE(windows->admit("b", tpm(100), 10, kT0 + 70s).admitted);
  EXPECT_EQ(windows->tracked().keys, 1u);
  EXPECT_EQ(windows->tracked().refused, 2u);
}

AdaptiveRateLimitConfig settings() {
  AdaptiveRateLimitConfig s;
  s.jitter_factor = 0;
  s.history_window = 600;
  return s;
}

RateHints retry_after(std::chrono::seconds s) {
  RateHints h;
  h.retry_after = s;
  return h;
}

TEST(AdaptiveBounds, AKeyIsForgottenWhenNothingLearnedIsLeft) {
  auto limits = make_in_process_adaptive_limits(1, 10);
  limits->on_rate_limited("k", retry_after(30s), settings(), kT0);
  // Learned for history_window (600 s), then kept kAdaptiveIdleTtl for the view.
  EXPECT_EQ(limits->snapshot(kT0 + 600s + kAdaptiveIdleTtl - 1s).size(), 1u);
  EXPECT_TRUE(limits->snapshot(kT0 + 600s + kAdaptiveIdleTtl).empty());
  EXPECT_EQ(limits->state("k", settings(), kT0 + 600s + kAdaptiveIdleTtl).interval, Duration::zero());
}

TEST(AdaptiveBounds, SuccessesClearExpiredKeys) {
  auto limits = make_in_process_adaptive_limits(1, 10);
  auto s = settings();
  s.enabled = false;
  limits->on_rate_limited("k", retry_after(30s), s, kT0);
  limits->on_success("other", s, kT0 + 30s + kAdaptiveIdleTtl);
  EXPECT_EQ(limits->tracked().keys, 0u);
}

TEST(AdaptiveBounds, AFullTableAnswersANewKeyWithoutTrackingIt) {
  auto limits = make_in_process_adaptive_limits(1, 1);
  limits->on_rate_limited("a", retry_after(30s), settings(), kT0);
  const auto b = limits->on_rate_limited("b", retry_after(20s), settings(), kT0);
  EXPECT_EQ(b.blocked_until, kT0 + 20s);  // the caller still learns the block
  EXPECT_EQ(limits->state("b", settings(), kT0).blocked_until, TimePoint{});
  EXPECT_EQ(limits->state("a", settings(), kT0).blocked_until, kT0 + 30s);
  EXPECT_EQ(limits->tracked().refused, 1u);
  EXPECT_EQ(limits->snapshot(kT0).size(), 1u);
}

TEST(AdaptiveBounds, AnIdleKeyGivesWayToANewOne) {
  auto limits = make_in_process_adaptive_limits(1, 1);
  auto s = settings();
  s.enabled = false;  // only Retry-After: nothing learned, live while blocked
  limits->on_rate_limited("a", retry_after(30s), s, kT0);
  limits->on_rate_limited("b", retry_after(30s), s, kT0 + 30s);
  EXPECT_EQ(limits->state("b", s, kT0 + 30s).blocked_until, kT0 + 60s);
  EXPECT_EQ(limits->tracked().evicted, 1u);
}

}  // namespace
}  // namespace aisbf::limits
