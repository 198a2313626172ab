// Single flight for description vectors: one leader per key, its waiters
// woken on their own executors (another thread's too) with its outcome; a
// leader dropped unsettled abandons; a waiter's deadline and its client's
// leaving end its wait; the table is bounded.
#include "pipeline/vector_flights.hpp"

#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

namespace aisbf {
namespace {

namespace asio = boost::asio;
using Outcome = VectorFlights::Outcome;
using Clock = std::chrono::steady_clock;

struct Waited {
  std::optional<Outcome> outcome;
  std::vector<VectorFlights::Vector> vectors;
};

// A waiter on `io`, which records what it got.
void spawn_waiter(asio::io_context& io, std::shared_ptr<VectorFlights::Flight> flight, Clock::time_point deadline,
                  CancelSlot& cancel, Waited& out) {
  asio::co_spawn(
      io,
      [flight, deadline, &cancel, &out]() -> asio::awaitable<void> {
        auto [outcome, vectors] = co_await VectorFlights::wait(flight, deadline, cancel);
        out.outcome = outcome;
        out.vectors = std::move(vectors);
      },
      asio::detached);
}

TEST(VectorFlights, OneLeadsTheOthersWaitForItsVectors) {
  VectorFlights flights;
  auto first = flights.join("k");
  ASSERT_NE(first.lead, nullptr);
  EXPECT_EQ(first.follow, nullptr);
  auto second = flights.join("k");
  EXPECT_EQ(second.lead, nullptr);
  ASSERT_NE(second.follow, nullptr);
  EXPECT_NE(flights.join("other").lead, nullptr);  // another key: its own flight

  // The waiter runs on another thread's io_context, as on another worker.
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  CancelSlot cancel;
  Waited got;
  spawn_waiter(io, second.follow, Clock::now() + std::chrono::hours(1), cancel, got);
  // Registered and asleep before the worker starts: the leader's settle on
  // this thread must wake it across threads.
  io.poll();
  ASSERT_FALSE(got.outcome.has_value());
  std::thread worker([&] { io.run(); });
  const auto vector = std::make_shared<const std::vector<float>>(std::vector<float>{1.0f, 0.0f});
  first.lead->settle(Outcome::ready, {vector});
  asio::post(io, [&] { work.reset(); });
  worker.join();
  ASSERT_TRUE(got.outcome.has_value());
  EXPECT_EQ(*got.outcome, Outcome::ready);
  ASSERT_EQ(got.vectors.size(), 1u);
  EXPECT_EQ(got.vectors[0], vector);
  // Settled: the key is free, the next request leads anew.
  EXPECT_NE(flights.join("k").lead, nullptr);
}

// A leader and one waiter on `io_`, registered and asleep.
class OneWaiter : public ::testing::Test {
 protected:
  void SetUp() override {
    spawn_waiter(io_, second_.follow, Clock::now() + std::chrono::hours(1), cancel_, got_);
    io_.poll();
  }
  VectorFlights flights_;
  VectorFlights::Joined first_ = flights_.join("k");
  VectorFlights::Joined second_ = flights_.join("k");
  asio::io_context io_;
  CancelSlot cancel_;
  Waited got_;
};

TEST_F(OneWaiter, ALeaderDroppedUnsettledAbandons) {
  first_.lead.reset();
  io_.run();
  EXPECT_EQ(got_.outcome, Outcome::abandoned);
  EXPECT_EQ(flights_.size(), 0u);
}

TEST_F(OneWaiter, AFailedLeaderTellsItsWaiters) {
  first_.lead->settle(Outcome::failed);
  io_.run();
  EXPECT_EQ(got_.outcome, Outcome::failed);
  EXPECT_TRUE(got_.vectors.empty());
}

TEST(VectorFlights, AWaiterStopsAtItsDeadlineOrWhenItsClientLeaves) {
  VectorFlights flights;
  auto first = flights.join("k");
  auto second = flights.join("k");
  asio::io_context io;
  CancelSlot timed_cancel, left_cancel;
  Waited timed, left;
  spawn_waiter(io, second.follow, Clock::now(), timed_cancel, timed);
  spawn_waiter(io, second.follow, Clock::now() + std::chrono::hours(1), left_cancel, left);
  io.poll();  // both wait (the first one's deadline may have ended it already)
  left_cancel.emit();
  io.run();  // both end though the leader never settles
  EXPECT_EQ(timed.outcome, Outcome::timed_out);
  EXPECT_EQ(left.outcome, Outcome::timed_out);
  // The leader settles later: the waiters gone, nothing is woken.
  first.lead->settle(Outcome::ready, {});
  io.restart();
  EXPECT_EQ(io.run(), 0u);
}

TEST(VectorFlights, AFullTableLetsARequestFetchAlone) {
  VectorFlights flights(2);
  auto a = flights.join("a");
  auto b = flights.join("b");
  auto c = flights.join("c");
  EXPECT_EQ(c.lead, nullptr);
  EXPECT_EQ(c.follow, nullptr);
  EXPECT_NE(flights.join("a").follow, nullptr);  // a flight under way is still joined
  a.lead->settle(Outcome::ready, {});
  EXPECT_NE(flights.join("c").lead, nullptr);
}

}  // namespace
}  // namespace aisbf
