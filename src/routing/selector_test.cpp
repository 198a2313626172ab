// Weighted selection and failover order: shares, tiers, caps, capabilities.
#include <gtest/gtest.h>

#include <array>
#include <set>

#include "routing/selector.hpp"

namespace aisbf::routing {
namespace {

std::vector<Candidate> weighted(std::initializer_list<double> weights) {
  std::vector<Candidate> out;
  for (double w : weights) {
    Candidate c;
    c.key = "p/m" + std::to_string(out.size());
    c.weight = w;
    out.push_back(std::move(c));
  }
  return out;
}

const auto kAll = [](std::size_t) { return true; };

// Plays a request to the end: every attempt fails with the given verdict.
std::vector<std::size_t> play_out(AttemptPlanner& planner, bool transient) {
  std::vector<std::size_t> order;
  while (auto i = planner.next(kAll)) {
    order.push_back(*i);
    planner.failed(*i, transient);
  }
  return order;
}

TEST(SelectorSplitMix, KnownSequenceAndRange) {
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafull);  // the reference implementation's first outputs
  EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ull);
  SplitMix64 u(7);
  for (int i = 0; i < 1000; ++i) {
    double x = u.uniform();
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 1.0);
  }
}

// First picks of `n` requests, each planner seeded from one master stream.
std::vector<int> first_pick_counts(const std::vector<Candidate>& cands, int n,
                                   const std::function<bool(std::size_t)>& usable) {
  std::vector<int> counts(cands.size(), 0);
  SplitMix64 seeds(20240601);
  for (int i = 0; i < n; ++i) {
    AttemptPlanner planner(cands, {}, 5, 2, seeds.next());
    auto pick = planner.next(usable);
    if (pick) ++counts[*pick];
  }
  return counts;
}

TEST(SelectorPlanner, WeightSharesOverTenThousandRequests) {
  auto cands = weighted({3, 1, 0, 2});
  constexpr int kN = 10'000;
  std::vector<int> counts = first_pick_counts(cands, kN, kAll);
  const std::array<double, 4> expected = {3.0 / 6, 1.0 / 6, 0, 2.0 / 6};
  // Binomial sd at n = 10,000 is at most 0.5 pp (p = 1/2; 0.37 pp at 1/6,
  // 0.47 pp at 1/3), so ±2 pp is ≥ 4 sd per share: a correct sampler fails
  // it with probability < 1e-4, and the fixed seeds make the run repeatable.
  double chi_square = 0;
  for (std::size_t i = 0; i < cands.size(); ++i) {
    EXPECT_NEAR(counts[i] / double(kN), expected[i], 0.02) << "candidate " << i;
    if (expected[i] > 0) {
      double e = expected[i] * kN;
      chi_square += (counts[i] - e) * (counts[i] - e) / e;
    }
  }
  EXPECT_EQ(counts[2], 0);  // a backup is never a first pick while others are usable
  // Three weighted shares: 2 degrees of freedom, 13.82 is the 0.1% point.
  EXPECT_LT(chi_square, 13.82);
}

TEST(SelectorPlanner, SharesAreAmongUsableCandidatesOnly) {
  auto cands = weighted({3, 1, 0, 2});
  constexpr int kN = 10'000;
  auto counts = first_pick_counts(cands, kN, [](std::size_t i) { return i != 0; });
  EXPECT_EQ(counts[0], 0);
  EXPECT_EQ(counts[2], 0);
  // 1:2 between the two left; same ±2 pp (≥ 4 sd) bound as above.
  EXPECT_NEAR(counts[1] / double(kN), 1.0 / 3, 0.02);
  EXPECT_NEAR(counts[3] / double(kN), 2.0 / 3, 0.02);
}

TEST(SelectorPlanner, BackupsOnlyAfterWeightedAreExhausted) {
  auto cands = weighted({0, 2, 0, 1});
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    AttemptPlanner planner(cands, {}, 10, 2, seed);
    auto order = play_out(planner, false);
    ASSERT_EQ(order.size(), 4u);
    EXPECT_EQ(std::set<std::size_t>(order.begin(), order.begin() + 2), (std::set<std::size_t>{1, 3}));
    EXPECT_EQ(order[2], 0u);  // backups in file order
    EXPECT_EQ(order[3], 2u);
  }
}

TEST(SelectorPlanner, BackupStepsInWhenWeightedAreUnusable) {
  auto cands = weighted({1, 0, 0});
  AttemptPlanner planner(cands, {}, 5, 2, 1);
  EXPECT_EQ(planner.next([](std::size_t i) { return i != 0 && i != 1; }), 2u);
  // The weighted one, untried, is preferred again as soon as it is usable.
  EXPECT_EQ(planner.next(kAll), 0u);
}

TEST(SelectorPlanner, UsableAskedOnlyWithinTheTier) {
  auto cands = weighted({1, 1, 0});
  AttemptPlanner planner(cands, {}, 5, 2, 3);
  std::vector<std::size_t> asked;
  auto record = [&](std::size_t i) {
    asked.push_back(i);
    return true;
  };
  auto first = planner.next(record);
  ASSERT_TRUE(first);
  EXPECT_EQ(asked, (std::vector<std::size_t>{0, 1}));
  asked.clear();
  planner.failed(*first, false);
  auto second = planner.next(record);
  EXPECT_EQ(asked, (std::vector<std::size_t>{1 - *first}));
  asked.clear();
  planner.failed(*second, false);
  EXPECT_EQ(planner.next(record), 2u);
  EXPECT_EQ(asked, (std::vector<std::size_t>{2}));
}

TEST(SelectorPlanner, MaxAttemptsInAll) {
  auto cands = weighted({1, 1, 1, 1});
  AttemptPlanner planner(cands, {}, 2, 2, 9);
  auto order = play_out(planner, true);
  EXPECT_EQ(order.size(), 2u);
  EXPECT_EQ(planner.attempts(), 2);
}

TEST(SelectorPlanner, SkippedCandidatesSpendNoAttemptAndDoNotReturn) {
  auto cands = weighted({1, 1, 1});
  AttemptPlanner planner(cands, {}, 2, 2, 4);
  auto first = planner.next(kAll);
  ASSERT_TRUE(first);
  planner.skipped(*first);  // refused at claim time: never sent
  EXPECT_EQ(planner.attempts(), 0);
  std::vector<std::size_t> sent;
  while (auto i = planner.next(kAll)) {
    EXPECT_NE(*i, *first);
    sent.push_back(*i);
    planner.failed(*i, true);
  }
  EXPECT_EQ(sent.size(), 2u);  // the whole budget of 2 still went to the others
  EXPECT_EQ(planner.attempts(), 2);
}

TEST(SelectorPlanner, SecondTriesOnlyAfterTransientFailures) {
  auto cands = weighted({1});
  AttemptPlanner once(cands, {}, 5, 2, 1);
  EXPECT_EQ(play_out(once, false), (std::vector<std::size_t>{0}));

  AttemptPlanner twice(cands, {}, 5, 2, 1);
  EXPECT_EQ(play_out(twice, true), (std::vector<std::size_t>{0, 0}));  // per-model cap: 2
  EXPECT_EQ(twice.tries(0), 2);

  AttemptPlanner thrice(cands, {}, 5, 3, 1);
  EXPECT_EQ(play_out(thrice, true).size(), 3u);
}

TEST(SelectorPlanner, RetryTierComesAfterUntriedBackups) {
  auto cands = weighted({1, 0});
  AttemptPlanner planner(cands, {}, 10, 2, 5);
  // Weighted, backup, weighted retry, backup retry; then both are capped.
  EXPECT_EQ(play_out(planner, true), (std::vector<std::size_t>{0, 1, 0, 1}));
}

TEST(SelectorPlanner, CapabilityFilterIsStatic) {
  auto cands = weighted({5, 1, 1});
  cands[0].capabilities = {"vision"};
  cands[2].capabilities = {"function_calling"};
  AttemptPlanner planner(cands, RequestNeeds{.tools = true}, 10, 2, 11);
  EXPECT_FALSE(planner.capable(0));
  EXPECT_TRUE(planner.capable(1));
  EXPECT_TRUE(planner.capable(2));
  EXPECT_TRUE(planner.any_capable());
  std::vector<std::size_t> asked;
  while (auto i = planner.next([&](std::size_t j) {
    asked.push_back(j);
    return true;
  })) {
    planner.failed(*i, true);
  }
  EXPECT_EQ(std::count(asked.begin(), asked.end(), 0u), 0);
  EXPECT_EQ(planner.tries(0), 0);
  EXPECT_EQ(planner.attempts(), 4);

  cands[1].capabilities = {"chat"};  // now every candidate declares, and none has both
  AttemptPlanner none(cands, RequestNeeds{.tools = true, .images = true}, 10, 2, 11);
  EXPECT_FALSE(none.any_capable());
  EXPECT_FALSE(none.next(kAll));
}

TEST(SelectorPlanner, NothingUsableGivesNothing) {
  auto cands = weighted({1, 0});
  AttemptPlanner planner(cands, {}, 5, 2, 1);
  EXPECT_FALSE(planner.next([](std::size_t) { return false; }));
  EXPECT_EQ(planner.attempts(), 0);
  AttemptPlanner empty(std::span<const Candidate>{}, {}, 5, 2, 1);
  EXPECT_FALSE(empty.any_capable());
  EXPECT_FALSE(empty.next(kAll));
}

TEST(SelectorPlanner, DeterministicForASeed) {
  auto cands = weighted({1, 1, 1, 1, 1, 1});
  std::set<std::vector<std::size_t>> distinct;
  for (std::uint64_t seed = 100; seed < 120; ++seed) {
    AttemptPlanner a(cands, {}, 12, 2, seed), b(cands, {}, 12, 2, seed);
    auto order = play_out(a, true);
    EXPECT_EQ(order, play_out(b, true));
    EXPECT_EQ(order.size(), 12u);
    distinct.insert(order);
  }
  EXPECT_GT(distinct.size(), 10u);  // and seeds do change the order
}

}  // namespace
}  // namespace aisbf::routing
