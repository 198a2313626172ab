// The in-process circuit breaker, driven by a hand-moved clock.
#include <gtest/gtest.h>

#include <thread>

#include "routing/health.hpp"

namespace aisbf::routing {
namespace {

using std::chrono::seconds;

constexpr int kThreshold = 3;
constexpr Duration kCooldown = seconds(60);
constexpr Duration kTrialTimeout = seconds(30);

class HealthTest : public testing::Test {
 protected:
  void fail(std::string_view key, int times = 1, std::string_view why = "HTTP 503") {
    for (int i = 0; i < times; ++i) store_->on_failure(key, kThreshold, kCooldown, why, now_);
  }
  HealthAdmission admit(std::string_view key) { return store_->admit(key, now_, kTrialTimeout); }
  HealthSnapshot only_snapshot() {
    auto all = store_->snapshot(now_);
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? HealthSnapshot{} : all.front();
  }
  // Past the threshold, then past the cooldown: the key is half-open.
  void open_then_wait(std::string_view key) {
    fail(key, kThreshold);
    now_ += kCooldown;
  }

  std::unique_ptr<HealthStore> store_ = make_in_process_health();
  TimePoint now_ = TimePoint{} + std::chrono::hours(100);
};

TEST_F(HealthTest, StatusNames) {
  EXPECT_EQ(health_status_name(HealthStatus::healthy), "healthy");
  EXPECT_EQ(health_status_name(HealthStatus::cooling_down), "cooling_down");
  EXPECT_EQ(health_status_name(HealthStatus::half_open), "half_open");
}

TEST_F(HealthTest, UnknownKeyIsAvailableAndAdmitted) {
  EXPECT_TRUE(store_->available("openai/gpt-4o", now_));
  HealthAdmission a = admit("openai/gpt-4o");
  EXPECT_TRUE(a.allowed);
  EXPECT_FALSE(a.trial);
  EXPECT_TRUE(store_->snapshot(now_).empty());
}

TEST_F(HealthTest, BelowThresholdStaysHealthyAndSuccessResetsTheCount) {
  fail("openai", kThreshold - 1, "timeout");
  EXPECT_TRUE(store_->available("openai", now_));
  EXPECT_TRUE(admit("openai").allowed);
  HealthSnapshot s = only_snapshot();
  EXPECT_EQ(s.status, HealthStatus::healthy);
  EXPECT_EQ(s.consecutive_failures, kThreshold - 1);
  EXPECT_EQ(s.last_error, "timeout");

  store_->on_success("openai", now_);
  EXPECT_TRUE(store_->snapshot(now_).empty());
  // The count restarted: threshold-1 more failures still do not open it.
  fail("openai", kThreshold - 1);
  EXPECT_TRUE(store_->available("openai", now_));
}

TEST_F(HealthTest, ThresholdOpensForTheCooldown) {
  fail("openai/gpt-4o", kThreshold);
  EXPECT_FALSE(store_->available("openai/gpt-4o", now_));
  EXPECT_TRUE(store_->available("openai", now_));  // keys are independent
  HealthAdmission a = admit("openai/gpt-4o");
  EXPECT_FALSE(a.allowed);
  EXPECT_EQ(a.available_at, now_ + kCooldown);

  now_ += kCooldown - seconds(1);
  HealthSnapshot s = only_snapshot();
  EXPECT_EQ(s.status, HealthStatus::cooling_down);
  EXPECT_EQ(s.cooldown_left, seconds(1));
  EXPECT_EQ(s.consecutive_failures, kThreshold);
  EXPECT_FALSE(store_->available("openai/gpt-4o", now_));

  now_ += seconds(1);
  EXPECT_TRUE(store_->available("openai/gpt-4o", now_));
  EXPECT_EQ(only_snapshot().status, HealthStatus::half_open);
  EXPECT_EQ(only_snapshot().cooldown_left, Duration::zero());
}

TEST_F(HealthTest, HalfOpenAdmitsExactlyOneTrial) {
  open_then_wait("k");
  HealthAdmission first = admit("k");
  HealthAdmission second = admit("k");
  EXPECT_TRUE(first.allowed);
  EXPECT_TRUE(first.trial);
  EXPECT_FALSE(second.allowed);
  EXPECT_FALSE(second.trial);
  EXPECT_EQ(second.available_at, now_ + kTrialTimeout);
  EXPECT_FALSE(store_->available("k", now_));
  EXPECT_TRUE(only_snapshot().trial_in_flight);
}

TEST_F(HealthTest, HalfOpenTrialGoesToOneOfTwoThreads) {
  open_then_wait("k");
  HealthAdmission a, b;
  std::thread t1([&] { a = store_->admit("k", now_, kTrialTimeout); });
  std::thread t2([&] { b = store_->admit("k", now_, kTrialTimeout); });
  t1.join();
  t2.join();
  EXPECT_EQ(a.allowed + b.allowed, 1);
  EXPECT_EQ((a.trial != 0) + (b.trial != 0), 1);
}

TEST_F(HealthTest, TrialSuccessCloses) {
  open_then_wait("k");
  ASSERT_TRUE(admit("k").trial);
  store_->on_success("k", now_);
  EXPECT_TRUE(store_->available("k", now_));
  EXPECT_TRUE(store_->snapshot(now_).empty());
  HealthAdmission a = admit("k");
  EXPECT_TRUE(a.allowed);
  EXPECT_FALSE(a.trial);
}

TEST_F(HealthTest, TrialFailureReopensAtOnce) {
  open_then_wait("k");
  ASSERT_TRUE(admit("k").trial);
  fail("k", 1, "still broken");  // one failure, far below the threshold's worth
  EXPECT_FALSE(store_->available("k", now_));
  HealthSnapshot s = only_snapshot();
  EXPECT_EQ(s.status, HealthStatus::cooling_down);
  EXPECT_EQ(s.cooldown_left, kCooldown);
  EXPECT_FALSE(s.trial_in_flight);
  EXPECT_EQ(s.last_error, "still broken");
  EXPECT_EQ(s.consecutive_failures, kThreshold + 1);

  now_ += kCooldown;  // and after that cooldown, a new trial
  EXPECT_TRUE(admit("k").trial);
}

TEST_F(HealthTest, AbandonedTrialFreesTheSlot) {
  open_then_wait("k");
  const std::uint64_t trial = admit("k").trial;
  ASSERT_NE(trial, 0u);
  store_->on_abandoned("k", trial + 1, now_);  // a stale handle changes nothing
  EXPECT_FALSE(store_->available("k", now_));
  store_->on_abandoned("k", trial, now_);
  EXPECT_TRUE(store_->available("k", now_));
  HealthSnapshot s = only_snapshot();
  EXPECT_EQ(s.status, HealthStatus::half_open);
  EXPECT_FALSE(s.trial_in_flight);
  EXPECT_TRUE(admit("k").trial);   // the next caller gets the trial
  store_->on_abandoned("nobody", trial, now_);  // unknown keys are ignored
  EXPECT_EQ(store_->snapshot(now_).size(), 1u);
}

TEST_F(HealthTest, LostTrialExpires) {
  open_then_wait("k");
  ASSERT_TRUE(admit("k").trial);
  now_ += kTrialTimeout - seconds(1);
  EXPECT_FALSE(admit("k").allowed);
  now_ += seconds(1);
  EXPECT_TRUE(store_->available("k", now_));
  EXPECT_FALSE(only_snapshot().trial_in_flight);
  HealthAdmission again = admit("k");
  EXPECT_TRUE(again.allowed);
  EXPECT_TRUE(again.trial);
}

TEST_F(HealthTest, ResetOneOrAll) {
  fail("a", kThreshold);
  fail("b", 1);
  fail("c", 1);
  EXPECT_FALSE(store_->reset("zzz"));
  EXPECT_TRUE(store_->reset("a"));
  EXPECT_TRUE(store_->available("a", now_));
  EXPECT_EQ(store_->snapshot(now_).size(), 2u);
  EXPECT_TRUE(store_->reset(""));
  EXPECT_TRUE(store_->snapshot(now_).empty());
  EXPECT_FALSE(store_->reset(""));
  // Clean again: the fast path answers, and failures count from zero.
  fail("a", kThreshold - 1);
  EXPECT_TRUE(store_->available("a", now_));
}

TEST_F(HealthTest, SnapshotListsFailingKeysSorted) {
  fail("openai/gpt-4o", kThreshold, "HTTP 500");
  fail("anthropic", 1, "timeout");
  store_->on_success("never-failed", now_);
  auto all = store_->snapshot(now_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, "anthropic");
  EXPECT_EQ(all[0].status, HealthStatus::healthy);
  EXPECT_EQ(all[0].consecutive_failures, 1);
  EXPECT_EQ(all[0].last_error, "timeout");
  EXPECT_EQ(all[1].key, "openai/gpt-4o");
  EXPECT_EQ(all[1].status, HealthStatus::cooling_down);
  EXPECT_EQ(all[1].cooldown_left, kCooldown);
  EXPECT_EQ(all[1].last_error, "HTTP 500");
  EXPECT_FALSE(all[1].trial_in_flight);
}

TEST_F(HealthTest, ThresholdBelowOneActsAsOne) {
  store_->on_failure("k", 0, kCooldown, "x", now_);
  EXPECT_FALSE(store_->available("k", now_));
}

}  // namespace
}  // namespace aisbf::routing
