#include "auth/login_throttle.hpp"

#include <gtest/gtest.h>

namespace aisbf::auth {
namespace {

using namespace std::chrono_literals;
using TP = LoginThrottle::Clock::time_point;

const TP t0 = TP{} + 1000h;

TEST(LoginThrottle, FiveFailuresThenDoublingWaitsUpTo15Minutes) {
  LoginThrottle th;
  TP now = t0;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(th.check("bob", "10.0.0.1", now), std::nullopt) << i;
    th.failed("bob", "10.0.0.1", now);
    now += 1s;
  }
  EXPECT_EQ(th.check("bob", "10.0.0.1", now), std::nullopt);
  // From the 5th failure on: 1, 2, 4, … seconds, then the 15-minute cap.
  std::vector<long> waits;
  for (int i = 0; i < 13; ++i) {
    th.failed("bob", "10.0.0.1", now);
    auto wait = th.check("bob", "10.0.0.1", now);
    ASSERT_TRUE(wait) << i;
    waits.push_back(wait->count());
    EXPECT_TRUE(th.check("bob", "10.0.0.1", now + *wait - 1s)) << i;
    now += *wait;
    EXPECT_EQ(th.check("bob", "10.0.0.1", now), std::nullopt) << i;
  }
  EXPECT_EQ(waits, (std::vector<long>{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900}));
}

TEST(LoginThrottle, PerUsernameAndPerAddress) {
  LoginThrottle th;
  // One address trying many names: the address waits.
  for (int i = 0; i < 5; ++i) th.failed("user" + std::to_string(i), "10.0.0.9", t0);
  EXPECT_EQ(th.check("someone-else", "10.0.0.9", t0), 1s);
  EXPECT_EQ(th.check("someone-else", "10.0.0.10", t0), std::nullopt);
  // Many addresses trying one name: the name waits.
  for (int i = 0; i < 5; ++i) th.failed("carol", "10.1.0." + std::to_string(i), t0);
  EXPECT_EQ(th.check("carol", "10.2.0.1", t0), 1s);
  EXPECT_EQ(th.check("dave", "10.2.0.1", t0), std::nullopt);
}

TEST(LoginThrottle, SuccessClearsTheUsernameOnly) {
  LoginThrottle th;
  for (int i = 0; i < 5; ++i) th.failed("erin", "10.0.0.5", t0);
  th.succeeded("erin", "10.0.0.5");
  EXPECT_EQ(th.check("erin", "10.0.0.6", t0), std::nullopt);  // the name is free again
  EXPECT_EQ(th.check("erin", "10.0.0.5", t0), 1s);            // the address still waits
  // The name starts from zero: four more failures are free.
  for (int i = 0; i < 4; ++i) th.failed("erin", "10.0.0.7", t0 + 2s);
  EXPECT_EQ(th.check("erin", "10.0.0.7", t0 + 2s), std::nullopt);
}

TEST(LoginThrottle, FailuresAreForgottenAfterAQuietQuarterHour) {
  LoginThrottle th;
  for (int i = 0; i < 4; ++i) th.failed("frank", "10.0.0.8", t0);
  th.failed("frank", "10.0.0.8", t0 + 15min);  // 15 min after the last: counts from 1 again
  EXPECT_EQ(th.check("frank", "10.0.0.8", t0 + 15min), std::nullopt);
  for (int i = 0; i < 3; ++i) th.failed("frank", "10.0.0.8", t0 + 20min);
  EXPECT_EQ(th.check("frank", "10.0.0.8", t0 + 20min), std::nullopt);  // 4 in a row
  th.failed("frank", "10.0.0.8", t0 + 29min);                          // within 15 min of the previous: the 5th
  EXPECT_EQ(th.check("frank", "10.0.0.8", t0 + 29min), 1s);
}

TEST(LoginThrottle, AFullMapStillThrottlesTheKeysItCannotTrack) {
  LoginThrottle th(3);
  // Three live names fill the username map (one failure each: live for 15 min).
  for (int i = 0; i < 3; ++i) th.failed("filler" + std::to_string(i), "10.9.0." + std::to_string(i), t0);
  // Untracked names share one entry: five failures over new names make them wait.
  for (int i = 0; i < 5; ++i) th.failed("victim", "10.8.0." + std::to_string(i), t0);
  EXPECT_EQ(th.check("victim", "10.7.0.1", t0), 1s);
  EXPECT_EQ(th.check("filler0", "10.9.0.0", t0), std::nullopt);  // tracked, one failure
  // Once the fillers are forgotten, names are tracked one by one again.
  EXPECT_EQ(th.check("victim", "10.7.0.1", t0 + 16min), std::nullopt);
}

TEST(LoginThrottle, RetryAfterRoundsUp) {
  LoginThrottle th;
  for (int i = 0; i < 6; ++i) th.failed("gina", "10.0.0.4", t0);  // waits 2 s
  EXPECT_EQ(th.check("gina", "10.0.0.4", t0 + 500ms), 2s);
  EXPECT_EQ(th.check("gina", "10.0.0.4", t0 + 1500ms), 1s);
  EXPECT_EQ(th.check("gina", "10.0.0.4", t0 + 2s), std::nullopt);
}

}  // namespace
}  // namespace aisbf::auth
