// The count pool's two promises beside doing the work: the bytes queued or
// under way stay under its cap (past it, submit refuses and the caller
// works where it is), and work whose waiter left is skipped.
#include "pipeline/count_pool.hpp"

#include <future>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace aisbf {
namespace {

TEST(CountPool, DeliversTheResultOnTheRequestersExecutor) {
  boost::asio::io_context io;
  CountPool pool(1, 1000);
  const std::string input(100, 'x');
  auto result = pool.submit(io.get_executor(), input.size(), std::size_t{0}, [input] { return input.size(); });
  ASSERT_NE(result, nullptr);
  std::size_t got = 0;
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> { got = co_await result->get(); },
                        boost::asio::detached);
  pool.drain();
  io.run();
  EXPECT_EQ(got, 100u);
  EXPECT_EQ(pool.queued_bytes(), 0u);
  EXPECT_EQ(pool.submitted(), 1u);
}

TEST(CountPool, RefusesWorkPastItsCapUntilTheBytesAreGivenBack) {
  boost::asio::io_context io;
  CountPool pool(1, 1000);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  // The pool's one thread is held, so the first input stays queued.
  auto first = pool.submit(io.get_executor(), 600, 0, [released] {
    released.wait();
    return 1;
  });
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(pool.queued_bytes(), 600u);
  EXPECT_EQ(pool.submit(io.get_executor(), 500, 0, [] { return 2; }), nullptr);  // 1100 > 1000
  auto small = pool.submit(io.get_executor(), 400, 0, [] { return 3; });        // 1000: at the cap, accepted
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(pool.submitted(), 2u);
  release.set_value();
  pool.drain();
  io.run();
  EXPECT_EQ(pool.queued_bytes(), 0u);
  EXPECT_NE(pool.submit(io.get_executor(), 1000, 0, [] { return 4; }), nullptr);  // room again
}

TEST(CountPool, SkipsWorkWhoseWaiterLeft) {
  boost::asio::io_context io;
  CountPool pool(1, 1000);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto blocker = pool.submit(io.get_executor(), 1, 0, [released] {
    released.wait();
    return 1;
  });
  bool ran = false;
  auto gone = pool.submit(io.get_executor(), 1, -1, [&ran] {
    ran = true;
    return 2;
  });
  ASSERT_NE(gone, nullptr);
  gone.reset();  // the attempt that wanted it ended
  release.set_value();
  pool.drain();
  io.run();
  EXPECT_FALSE(ran);
  EXPECT_EQ(pool.skipped(), 1u);
  EXPECT_EQ(pool.queued_bytes(), 0u);
}

TEST(CountPool, AThrowingWorkDeliversTheSkippedValue) {
  boost::asio::io_context io;
  CountPool pool(1, 1000);
  auto result = pool.submit(io.get_executor(), 1, -1, []() -> int { throw std::runtime_error("boom"); });
  int got = 0;
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> { got = co_await result->get(); },
                        boost::asio::detached);
  pool.drain();
  io.run();
  EXPECT_EQ(got, -1);
}

}  // namespace
}  // namespace aisbf
