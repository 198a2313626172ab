// DbPool: the few threads that may block on the database. A coroutine on an
// event-loop thread hands a blocking call over and awaits its result; the
// loop serves other requests meanwhile (no database call ever runs on a
// worker's loop, DESIGN §4).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace aisbf {

class DbPool {
 public:
  explicit DbPool(std::size_t threads = 4) : pool_(threads) {}
  ~DbPool() { pool_.join(); }
  DbPool(const DbPool&) = delete;
  DbPool& operator=(const DbPool&) = delete;

  // Runs `fn()` (which must not throw: store calls return errors as values)
  // on a DB thread and resumes the awaiting coroutine on its own executor.
  // R must be movable; it need not be default-constructible. Capture by
  // reference (the awaiting frame outlives the call): g++ 12 destroys a
  // lambda temporary inside a co_await expression twice, which frees a
  // by-value capture twice.
  template <class Fn>
  auto run(Fn fn) -> boost::asio::awaitable<std::invoke_result_t<Fn&>> {
    using R = std::invoke_result_t<Fn&>;
    // co_spawn default-constructs its result on its exception path: carried
    // in an optional, R need not be default-constructible. The task is named:
    // g++ 12 destroys a lambda temporary inside a co_await expression twice.
    auto task = [f = std::move(fn)]() mutable -> boost::asio::awaitable<std::optional<R>> { co_return f(); };
    auto result = co_await boost::asio::co_spawn(pool_, std::move(task), boost::asio::use_awaitable);
    co_return std::move(*result);
  }

  // Fire and forget (usage batches, last-used stamps).
  void post(std::function<void()> fn);

  // Waits for queued work to finish (shutdown).
  void join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace aisbf
