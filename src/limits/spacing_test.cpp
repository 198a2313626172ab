#include "limits/spacing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <thread>

namespace aisbf::limits {
namespace {

using namespace std::chrono_literals;

// A fake clock: an arbitrary origin moved by hand.
const TimePoint kT0 = TimePoint{} + 1000h;
constexpr Duration kForever = 24h;

SpacingSlot reserve_one(RequestSpacing& spacing, std::string_view key, Duration interval, TimePoint now,
                        Duration max_wait = kForever) {
  const std::array<SpacingKey, 1> keys = {{{key, interval}}};
  return spacing.reserve(keys, now, max_wait);
}

TEST(Spacing, ZeroIntervalIsANoOp) {
  auto spacing = make_in_process_spacing();
  const std::array<SpacingKey, 2> keys = {{{"openai", Duration::zero()}, {"openai/gpt-4o", Duration::zero()}}};
  for (int i = 0; i < 3; ++i) {
    const auto slot = spacing->reserve(keys, kT0, Duration::zero());
    EXPECT_TRUE(slot.granted);
    EXPECT_EQ(slot.at, kT0);
  }
  EXPECT_TRUE(spacing->reserve({}, kT0, Duration::zero()).granted);
  EXPECT_TRUE(spacing->snapshot(kT0).empty());  // nothing stored
}

TEST(Spacing, SlotsFollowEachOtherByTheInterval) {
  auto spacing = make_in_process_spacing();
  EXPECT_EQ(reserve_one(*spacing, "p", 1s, kT0).at, kT0);  // the first waits for nothing
  EXPECT_EQ(reserve_one(*spacing, "p", 1s, kT0).at, kT0 + 1s);
  EXPECT_EQ(reserve_one(*spacing, "p", 1s, kT0 + 500ms).at, kT0 + 2s);
  // After a quiet spell the next request goes at once.
  EXPECT_EQ(reserve_one(*spacing, "p", 1s, kT0 + 10s).at, kT0 + 10s);
  EXPECT_EQ(reserve_one(*spacing, "p", 1s, kT0 + 10s).at, kT0 + 11s);
  // Other keys are independent.
  EXPECT_EQ(reserve_one(*spacing, "q", 1s, kT0 + 10s).at, kT0 + 10s);
}

TEST(Spacing, MaxWaitRefusesWithoutReserving) {
  auto spacing = make_in_process_spacing();
  ASSERT_TRUE(reserve_one(*spacing, "p", 5s, kT0, 3s).granted);
  const auto refused = reserve_one(*spacing, "p", 5s, kT0, 3s);
  EXPECT_FALSE(refused.granted);
  EXPECT_EQ(refused.at, kT0 + 5s);  // when a slot would be free
  // The refusal reserved nothing: at that time the slot is still the same.
  const auto later = reserve_one(*spacing, "p", 5s, kT0 + 2s, 3s);
  EXPECT_TRUE(later.granted);
  EXPECT_EQ(later.at, kT0 + 5s);
  // Exactly max_wait away is still granted; zero max_wait only takes a free slot.
  EXPECT_TRUE(reserve_one(*spacing, "p", 5s, kT0 + 7s, 3s).granted);
  EXPECT_EQ(reserve_one(*spacing, "p", 5s, kT0 + 15s, Duration::zero()).at, kT0 + 15s);
  EXPECT_FALSE(reserve_one(*spacing, "p", 5s, kT0 + 15s, Duration::zero()).granted);
  EXPECT_FALSE(reserve_one(*spacing, "p", 5s, kT0 + 15s, -1s).granted);
}

TEST(Spacing, ProviderAndModelTogether) {
  auto spacing = make_in_process_spacing();
  const std::array<SpacingKey, 2> a = {{{"p", 1s}, {"p/a", 3s}}};
  const std::array<SpacingKey, 2> b = {{{"p", 1s}, {"p/b", Duration::zero()}}};
  EXPECT_EQ(spacing->reserve(a, kT0, kForever).at, kT0);
  EXPECT_EQ(spacing->reserve(b, kT0, kForever).at, kT0 + 1s);  // the provider's spacing
  EXPECT_EQ(spacing->reserve(a, kT0, kForever).at, kT0 + 3s);  // the model's spacing is the later
  // That reservation moved the provider too: p's next slot is 4s.
  EXPECT_EQ(spacing->reserve(b, kT0, kForever).at, kT0 + 4s);
  // A key listed twice keeps the longer interval.
  const std::array<SpacingKey, 2> twice = {{{"x", 1s}, {"x", 2s}}};
  EXPECT_EQ(spacing->reserve(twice, kT0, kForever).at, kT0);
  EXPECT_EQ(spacing->reserve(twice, kT0, kForever).at, kT0 + 2s);
}

TEST(Spacing, SnapshotAndReset) {
  auto spacing = make_in_process_spacing();
  reserve_one(*spacing, "b", 2s, kT0);
  reserve_one(*spacing, "a", 1s, kT0);
  auto snap = spacing->snapshot(kT0 + 500ms);
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].key, "a");
  EXPECT_EQ(snap[0].interval, 1s);
  EXPECT_EQ(snap[0].next_free_in, 500ms);
  EXPECT_EQ(snap[1].next_free_in, 1500ms);
  EXPECT_EQ(spacing->snapshot(kT0 + 5s)[1].next_free_in, Duration::zero());

  spacing->reset("a");
  EXPECT_EQ(reserve_one(*spacing, "a", 1s, kT0).at, kT0);
  EXPECT_EQ(reserve_one(*spacing, "b", 2s, kT0).at, kT0 + 2s);
  spacing->reset("");
  EXPECT_TRUE(spacing->snapshot(kT0).empty());
  EXPECT_EQ(reserve_one(*spacing, "b", 2s, kT0).at, kT0);
}

TEST(Spacing, ThreadsGetDistinctSlotsAnIntervalApart) {
  auto spacing = make_in_process_spacing();
  constexpr int kThreads = 4, kEach = 50;
  constexpr Duration kInterval = 10ms;
  std::mutex mutex;
  std::vector<TimePoint> slots;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        // Each worker's clock moves on a little; slots must still not collide.
        const TimePoint now = kT0 + std::chrono::microseconds(i * 100 + t);
        const std::array<SpacingKey, 2> keys = {{{"p", kInterval}, {"p/m", Duration::zero()}}};
        const auto slot = spacing->reserve(keys, now, kForever);
        ASSERT_TRUE(slot.granted);
        ASSERT_GE(slot.at, now);
        std::lock_guard lock(mutex);
        slots.push_back(slot.at);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(slots.size(), static_cast<std::size_t>(kThreads * kEach));
  std::sort(slots.begin(), slots.end());
  for (std::size_t i = 1; i < slots.size(); ++i) EXPECT_GE(slots[i] - slots[i - 1], kInterval) << i;
}

}  // namespace
}  // namespace aisbf::limits
