#include "pipeline/warning_gate.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace aisbf {
namespace {

using std::chrono::seconds;

TEST(WarningGate, TheFirstWarnsThenOnePerIntervalWithTheCountHeldBack) {
  WarningGate gate(seconds(10));
  const WarningGate::Clock::time_point t0{seconds(1000)};
  EXPECT_EQ(gate.admit(t0), 0u);
  EXPECT_EQ(gate.admit(t0 + seconds(1)), std::nullopt);
  EXPECT_EQ(gate.admit(t0 + seconds(9)), std::nullopt);
  EXPECT_EQ(gate.admit(t0 + seconds(10)), 2u);  // the two held back
  EXPECT_EQ(gate.admit(t0 + seconds(11)), std::nullopt);
  EXPECT_EQ(gate.admit(t0 + seconds(60)), 1u);
  EXPECT_EQ(gate.admit(t0 + seconds(71)), 0u);  // a quiet interval: nothing held
}

TEST(WarningGate, AStartAtTheClocksEpochStillWarns) {
  WarningGate gate(seconds(10));
  EXPECT_EQ(gate.admit(WarningGate::Clock::time_point{}), 0u);
}

TEST(WarningGate, ThreadsAtTheSameInstantGetOneWarningAndEveryOtherCallIsCounted) {
  WarningGate gate(seconds(10));
  const WarningGate::Clock::time_point t0{seconds(5)};
  std::atomic<int> warned{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int n = 0; n < 1000; ++n) {
        if (gate.admit(t0)) warned.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(warned.load(), 1);
  EXPECT_EQ(gate.admit(t0 + seconds(10)), 3999u);
}

}  // namespace
}  // namespace aisbf
