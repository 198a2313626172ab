// The circuit breaker store stays bounded: idle keys are forgotten, the
// count is capped, and live breakers are never dropped. A hand-moved clock.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "routing/health.hpp"

namespace aisbf::routing {
namespace {

using std::chrono::seconds;

constexpr int kThreshold = 3;
constexpr Duration kCooldown = seconds(60);
constexpr Duration kTrialTimeout = seconds(30);

class HealthBoundsTest : public testing::Test {
 protected:
  void fail(std::string_view key, int times = 1) {
    for (int i = 0; i < times; ++i) store_->on_failure(key, kThreshold, kCooldown, "HTTP 404", now_);
  }
  std::size_t listed() { return store_->snapshot(now_).size(); }

  TimePoint now_ = TimePoint{} + std::chrono::hours(100);
  std::unique_ptr<HealthStore> store_ = make_in_process_health(3);
};

TEST_F(HealthBoundsTest, AKeyWithOnlyAFailureCountIsForgottenWhenIdle) {
  fail("p/m", 2);
  now_ += kHealthIdleTtl - seconds(1);
  EXPECT_EQ(listed(), 1u);
  now_ += seconds(1);
  EXPECT_EQ(listed(), 0u);
  fail("p/m");  // counts from zero again: below the threshold
  EXPECT_TRUE(store_->available("p/m", now_));
  EXPECT_EQ(store_->snapshot(now_).at(0).consecutive_failures, 1);
}

TEST_F(HealthBoundsTest, ACoolingKeyIsKeptUntilItsCooldownAndTheTtlHavePassed) {
  fail("p/m", kThreshold);
  now_ += kCooldown + kHealthIdleTtl - seconds(1);
  ASSERT_EQ(listed(), 1u);
  EXPECT_EQ(store_->snapshot(now_).at(0).status, HealthStatus::half_open);
  now_ += seconds(1);
  EXPECT_EQ(listed(), 0u);
  auto a = store_->admit("p/m", now_, kTrialTimeout);  // forgotten: healthy, no trial
  EXPECT_TRUE(a.allowed);
  EXPECT_EQ(a.trial, 0u);
}

TEST_F(HealthBoundsTest, ATrialInFlightKeepsTheKeyLive) {
  fail("p/m", kThreshold);
  now_ += kCooldown;
  const auto trial = store_->admit("p/m", now_, kHealthIdleTtl * 2).trial;
  ASSERT_NE(trial, 0u);
  now_ += kHealthIdleTtl + seconds(1);
  EXPECT_FALSE(store_->available("p/m", now_));  // still the trial's
  store_->on_abandoned("p/m", trial, now_);
  EXPECT_TRUE(store_->available("p/m", now_));
}

TEST_F(HealthBoundsTest, AFullStoreEvictsTheKeyIdleLongestNeverACoolingOne) {
  fail("cooling", kThreshold);
  fail("a");
  now_ += seconds(1);
  fail("b");
  now_ += seconds(1);
  fail("c");  // full: "a" goes (idle longest), the older cooling key stays
  auto all = store_->snapshot(now_);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].key, "b");
  EXPECT_EQ(all[1].key, "c");
  EXPECT_EQ(all[2].key, "cooling");
  EXPECT_FALSE(store_->available("cooling", now_));
  EXPECT_EQ(store_->tracked().evicted, 1u);
  EXPECT_EQ(store_->tracked().keys, 3u);
  EXPECT_EQ(store_->tracked().max_keys, 3u);
}

TEST_F(HealthBoundsTest, AStoreFullOfCoolingKeysDoesNotTrackANewOne) {
  fail("x", kThreshold);
  fail("y", kThreshold);
  fail("z", kThreshold);
  fail("new", kThreshold);
  EXPECT_TRUE(store_->available("new", now_));  // not tracked: not cooled either
  EXPECT_EQ(listed(), 3u);
  EXPECT_EQ(store_->tracked().refused, 3u);
  for (const char* k : {"x", "y", "z"}) EXPECT_FALSE(store_->available(k, now_)) << k;
  now_ += kCooldown;  // half-open, so idle: a new key may take one's place
  fail("new");
  EXPECT_EQ(listed(), 3u);
  EXPECT_EQ(store_->snapshot(now_).at(0).key, "new");
}

TEST_F(HealthBoundsTest, ThousandsOfDistinctKeysStayUnderTheCap) {
  auto store = make_in_process_health(100);
  for (int i = 0; i < 5000; ++i) {
    store->on_failure("p/model-" + std::to_string(i), kThreshold, kCooldown, "HTTP 404", now_);
    now_ += std::chrono::milliseconds(1);
  }
  EXPECT_EQ(store->snapshot(now_).size(), 100u);
  EXPECT_EQ(store->tracked().evicted, 4900u);
  EXPECT_FALSE(store->snapshot(now_).back().key.empty());
}

TEST_F(HealthBoundsTest, SuccessesClearExpiredKeysSoTheLockFreePathReturns) {
  fail("a");
  fail("b");
  now_ += kHealthIdleTtl;
  EXPECT_EQ(store_->tracked().keys, 2u);  // expired, not yet removed
  store_->on_success("other", now_);
  EXPECT_EQ(store_->tracked().keys, 0u);
}

// Evictions and expiry under threads (ASan catches a slot used after it went).
TEST_F(HealthBoundsTest, ManyThreadsOverASmallTable) {
  auto store = make_in_process_health(8, seconds(1));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, t, start = now_] {
      TimePoint now = start;
      for (int i = 0; i < 2000; ++i) {
        const std::string key = "p/m" + std::to_string((i * 7 + t) % 40);
        now += std::chrono::milliseconds(5);
        store->on_failure(key, 2, seconds(1), "x", now);
        const auto a = store->admit(key, now, seconds(1));
        if (a.trial != 0 && i % 2 == 0) store->on_abandoned(key, a.trial, now);
        if (i % 5 == 0) store->on_success(key, now);
        (void)store->available(key, now);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(store->snapshot(now_ + std::chrono::seconds(10)).size(), 8u);
  EXPECT_LE(store->tracked().keys, 8u);
}

TEST_F(HealthBoundsTest, TheLastErrorIsTruncated) {
  store_->on_failure("k", kThreshold, kCooldown, std::string(5000, 'x'), now_);
  EXPECT_EQ(store_->snapshot(now_).at(0).last_error.size(), 512u);
  // Cut on a UTF-8 boundary: an "é" (two bytes) at 511 would straddle 512.
  std::string why(511, 'x');
  for (int i = 0; i < 100; ++i) why += "\xC3\xA9";
  store_->on_failure("k", kThreshold, kCooldown, why, now_);
  EXPECT_EQ(store_->snapshot(now_).at(0).last_error, std::string(511, 'x'));
}

}  // namespace
}  // namespace aisbf::routing
