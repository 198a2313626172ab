#include "limits/adaptive.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <thread>

namespace aisbf::limits {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint{} + 1000h;  // the fake clock's origin

// AISBF's defaults: min 0.1 s, max 60 s, backoff ×2, jitter ±25 %, recovery
// 5 % every 10 successes, headroom 10 %, learning rate 0.1, history 1 h.
AdaptiveRateLimitConfig defaults() { return AdaptiveRateLimitConfig{}; }

AdaptiveRateLimitConfig no_jitter() {
  auto s = defaults();
  s.jitter_factor = 0;
  return s;
}

double secs(Duration d) { return std::chrono::duration<double>(d).count(); }

RateHints budget(double limit, double remaining, std::chrono::milliseconds reset) {
  RateHints h;
  h.requests_limit = limit;
  h.requests_remaining = remaining;
  h.requests_reset = reset;
  return h;
}

TEST(Adaptive, UnknownKeyHasTheInitialState) {
  auto limits = make_in_process_adaptive_limits(1);
  auto s = defaults();
  EXPECT_EQ(limits->state("p/m", s, kT0).interval, Duration::zero());
  EXPECT_EQ(limits->state("p/m", s, kT0).blocked_until, TimePoint{});
  s.initial_rate_limit = 2;
  EXPECT_EQ(limits->state("p/m", s, kT0).interval, 2s);
  limits->on_rate_limited("other", {}, s, kT0);  // the map is no longer empty
  EXPECT_EQ(limits->state("p/m", s, kT0).interval, 2s);
  s.enabled = false;
  EXPECT_EQ(limits->state("p/m", s, kT0).interval, Duration::zero());
  limits->on_success("p/m", s, kT0);  // unknown key: nothing happens
  EXPECT_EQ(limits->snapshot(kT0).size(), 1u);
}

TEST(Adaptive, RepeatedRateLimitsBackOffToTheMaximum) {
  auto limits = make_in_process_adaptive_limits(1);
  const auto s = no_jitter();
  // Nothing learned: from min_rate_limit (0.1 s) by backoff_base (×2), capped at 60 s.
  const double expected[] = {0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 60, 60};
  TimePoint now = kT0;
  for (double e : expected) {
    const auto st = limits->on_rate_limited("p/m", {}, s, now);
    EXPECT_NEAR(secs(st.interval), e, 1e-6);
    EXPECT_EQ(st.blocked_until, now + st.interval);  // no Retry-After: one interval (no jitter here)
    EXPECT_EQ(limits->state("p/m", s, now).interval, st.interval);
    now += 1s;
  }
  const auto snap = limits->snapshot(now);
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].rate_limited_count, 11);
  EXPECT_EQ(snap[0].interval, 60s);
}

TEST(Adaptive, SuccessesRecoverGraduallyToNothing) {
  auto limits = make_in_process_adaptive_limits(1);
  const auto s = no_jitter();
  for (int i = 0; i < 4; ++i) limits->on_rate_limited("k", {}, s, kT0);  // 1.6 s
  const TimePoint now = kT0 + 1min;
  for (int i = 0; i < 9; ++i) limits->on_success("k", s, now);
  EXPECT_NEAR(secs(limits->state("k", s, now).interval), 1.6, 1e-6);  // 9 < 10 in a row
  limits->on_success("k", s, now);
  EXPECT_NEAR(secs(limits->state("k", s, now).interval), 1.6 * 0.95, 1e-6);
  // 1.6 × 0.95^n < 0.1 first for n = 55: 550 successes in all.
  int successes = 10;
  while (limits->state("k", s, now).interval > Duration::zero() && successes < 10'000) {
    limits->on_success("k", s, now);
    ++successes;
  }
  EXPECT_EQ(successes, 550);
  EXPECT_TRUE(limits->snapshot(now).empty());  // recovered and not blocked: dropped
}

TEST(Adaptive, ARateLimitRestartsTheRunOfSuccesses) {
  auto limits = make_in_process_adaptive_limits(1);
  const auto s = no_jitter();
  limits->on_rate_limited("k", {}, s, kT0);  // 0.2 s
  for (int i = 0; i < 9; ++i) limits->on_success("k", s, kT0);
  EXPECT_EQ(limits->snapshot(kT0)[0].consecutive_successes, 9);
  limits->on_rate_limited("k", {}, s, kT0);  // 0.4 s
  EXPECT_EQ(limits->snapshot(kT0)[0].consecutive_successes, 0);
  for (int i = 0; i < 9; ++i) limits->on_success("k", s, kT0);
  EXPECT_NEAR(secs(limits->state("k", s, kT0).interval), 0.4, 1e-6);
}

TEST(Adaptive, HistoryWindowForgetsOldRateLimits) {
  auto limits = make_in_process_adaptive_limits(1);
  auto s = no_jitter();
  limits->on_rate_limited("k", {}, s, kT0);
  limits->on_rate_limited("k", {}, s, kT0 + 10s);
  limits->on_rate_limited("k", {}, s, kT0 + 20s);                     // 0.8 s
  EXPECT_EQ(limits->snapshot(kT0 + 3605s)[0].rate_limited_count, 2);  // the first left the hour
  EXPECT_NEAR(secs(limits->state("k", s, kT0 + 3619s).interval), 0.8, 1e-6);
  // An hour without a 429: back to initial_rate_limit.
  EXPECT_EQ(limits->state("k", s, kT0 + 3620s).interval, Duration::zero());
  s.initial_rate_limit = 0.5;
  EXPECT_EQ(limits->state("k", s, kT0 + 3620s).interval, 500ms);
  EXPECT_EQ(limits->snapshot(kT0 + 3620s)[0].interval, Duration::zero());
  // The next 429 learns from scratch (from initial 0.5 s: ×2).
  const auto st = limits->on_rate_limited("k", {}, s, kT0 + 3620s);
  EXPECT_NEAR(secs(st.interval), 1.0, 1e-6);
  EXPECT_EQ(limits->snapshot(kT0 + 3620s)[0].rate_limited_count, 1);
}

TEST(Adaptive, BudgetHintsSetTheIntervalWithHeadroom) {
  auto limits = make_in_process_adaptive_limits(1);
  auto s = no_jitter();
  // 60 requests refilling over 60 s, 10 % headroom: 60 / (60 × 0.9) s.
  auto st = limits->on_rate_limited("a", budget(60, 0, 60s), s, kT0);
  EXPECT_NEAR(secs(st.interval), 1.0 / 0.9, 1e-6);
  // Half refilled: 30 used refill in 30 s, the same rate.
  EXPECT_NEAR(secs(limits->on_rate_limited("b", budget(60, 30, 30s), s, kT0).interval), 1.0 / 0.9, 1e-6);
  s.headroom_percent = 0;
  EXPECT_NEAR(secs(limits->on_rate_limited("c", budget(120, 0, 60s), s, kT0).interval), 0.5, 1e-6);
  s.headroom_percent = 50;
  EXPECT_NEAR(secs(limits->on_rate_limited("d", budget(120, 0, 60s), s, kT0).interval), 1.0, 1e-6);
  // Below min_rate_limit: clamped up to it.
  EXPECT_NEAR(secs(limits->on_rate_limited("e", budget(10000, 0, 60s), s, kT0).interval), 0.1, 1e-6);
  // A full request budget at a 429 (a token limit was hit): plain backoff.
  EXPECT_NEAR(secs(limits->on_rate_limited("f", budget(60, 60, 60s), s, kT0).interval), 0.2, 1e-6);
}

TEST(Adaptive, LaterEstimatesBlendButNeverGoBelowTheEstimate) {
  auto limits = make_in_process_adaptive_limits(1);
  auto s = no_jitter();
  s.headroom_percent = 0;
  EXPECT_NEAR(secs(limits->on_rate_limited("k", budget(60, 0, 60s), s, kT0).interval), 1.0, 1e-6);
  // A higher estimate (2 s) is taken at once: the current rate was too fast.
  EXPECT_NEAR(secs(limits->on_rate_limited("k", budget(30, 0, 60s), s, kT0).interval), 2.0, 1e-6);
  // A lower one (1 s) is blended in by learning_rate: 2 + 0.1 × (1 − 2).
  EXPECT_NEAR(secs(limits->on_rate_limited("k", budget(60, 0, 60s), s, kT0).interval), 1.9, 1e-6);
  // Without hints the learned interval backs off from where it is.
  EXPECT_NEAR(secs(limits->on_rate_limited("k", {}, s, kT0).interval), 3.8, 1e-6);
}

TEST(Adaptive, RetryAfterBlocksUntilTheHttpDate) {
  auto limits = make_in_process_adaptive_limits(1);
  const auto s = defaults();  // with jitter: Retry-After is honoured as sent
  const auto wall_now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 15} + 12h;
  const auto hints = parse_rate_hints(
      [](std::string_view name) { return name == "retry-after" ? std::string("Thu, 15 Jan 2026 12:02:00 GMT") : ""; },
      "", wall_now);
  ASSERT_EQ(hints.retry_after, std::chrono::milliseconds(120'000));
  const auto st = limits->on_rate_limited("k", hints, s, kT0);
  EXPECT_EQ(st.blocked_until, kT0 + 120s);
  EXPECT_EQ(limits->state("k", s, kT0 + 119s).blocked_until, kT0 + 120s);
  EXPECT_EQ(limits->state("k", s, kT0 + 120s).blocked_until, TimePoint{});  // over
  EXPECT_EQ(limits->snapshot(kT0 + 20s)[0].blocked_for, 100s);
  // A shorter Retry-After from a concurrent 429 does not shorten the block.
  RateHints shorter;
  shorter.retry_after = std::chrono::milliseconds(5000);
  EXPECT_EQ(limits->on_rate_limited("k", shorter, s, kT0 + 1s).blocked_until, kT0 + 120s);
}

TEST(Adaptive, DisabledOnlyHonoursRetryAfter) {
  auto limits = make_in_process_adaptive_limits(1);
  auto s = defaults();
  s.enabled = false;
  s.initial_rate_limit = 3;
  auto st = limits->on_rate_limited("k", budget(60, 0, 60s), s, kT0);
  EXPECT_EQ(st.interval, Duration::zero());
  EXPECT_EQ(st.blocked_until, TimePoint{});  // no Retry-After: no block at all
  RateHints retry;
  retry.retry_after = std::chrono::milliseconds(5000);
  st = limits->on_rate_limited("k", retry, s, kT0);
  EXPECT_EQ(st.interval, Duration::zero());
  EXPECT_EQ(st.blocked_until, kT0 + 5s);
  EXPECT_EQ(limits->state("k", s, kT0 + 1s).blocked_until, kT0 + 5s);
  EXPECT_EQ(limits->state("k", s, kT0 + 5s).blocked_until, TimePoint{});
  limits->on_success("k", s, kT0 + 6s);
  EXPECT_TRUE(limits->snapshot(kT0 + 6s).empty());
}

TEST(Adaptive, JitterStaysWithinBoundsAndFollowsTheSeed) {
  auto a = make_in_process_adaptive_limits(42);
  auto b = make_in_process_adaptive_limits(42);
  const auto s = defaults();  // ±25 % around 0.2 s
  std::set<TimePoint> distinct;
  for (int i = 0; i < 200; ++i) {
    const std::string key = "k" + std::to_string(i);
    const auto st = a->on_rate_limited(key, {}, s, kT0);
    EXPECT_NEAR(secs(st.interval), 0.2, 1e-6);  // the interval itself is not jittered
    const double blocked = secs(st.blocked_until - kT0);
    EXPECT_GE(blocked, 0.15 - 1e-9) << key;
    EXPECT_LE(blocked, 0.25 + 1e-9) << key;
    EXPECT_EQ(b->on_rate_limited(key, {}, s, kT0).blocked_until, st.blocked_until);  // same seed, same draws
    distinct.insert(st.blocked_until);
  }
  EXPECT_GT(distinct.size(), 150u);  // spread, not one value
}

TEST(Adaptive, ResetForgetsKeys) {
  auto limits = make_in_process_adaptive_limits(1);
  const auto s = no_jitter();
  limits->on_rate_limited("a", {}, s, kT0);
  limits->on_rate_limited("b", {}, s, kT0);
  limits->reset("a");
  EXPECT_EQ(limits->state("a", s, kT0).interval, Duration::zero());
  EXPECT_GT(limits->state("b", s, kT0).interval, Duration::zero());
  limits->reset("");
  EXPECT_TRUE(limits->snapshot(kT0).empty());
  EXPECT_EQ(limits->state("b", s, kT0).interval, Duration::zero());
}

TEST(Adaptive, OutOfRangeSettingsAreClamped) {
  auto limits = make_in_process_adaptive_limits(1);
  auto s = no_jitter();
  s.backoff_base = 0.5;      // would shrink on a 429: treated as 1
  s.max_rate_limit = 1e300;  // would overflow a time point: a week at most
  s.headroom_percent = 100;  // would divide by zero: 90 % at most
  s.min_rate_limit = -1;
  s.history_window = std::nan("");
  EXPECT_NEAR(secs(limits->on_rate_limited("k", {}, s, kT0).interval), 0.1, 1e-6);
  EXPECT_NEAR(secs(limits->on_rate_limited("h", budget(60, 0, 60s), s, kT0).interval), 10.0, 1e-6);
}

TEST(Adaptive, ConcurrentUse) {
  auto limits = make_in_process_adaptive_limits(7);
  const auto s = defaults();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string key = "k" + std::to_string(i % 5);
        const TimePoint now = kT0 + std::chrono::milliseconds(i);
        if ((i + t) % 7 == 0)
          limits->on_rate_limited(key, {}, s, now);
        else
          limits->on_success(key, s, now);
        const auto st = limits->state(key, s, now);
        ASSERT_LE(st.interval, 60s);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& snap : limits->snapshot(kT0)) EXPECT_LE(snap.interval, 60s);
}

}  // namespace
}  // namespace aisbf::limits
