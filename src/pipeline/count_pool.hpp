// The few threads that do a large request's CPU work off the event loops:
// counting a big prompt (sent_prompt.hpp), splitting it (split_attempt.hpp).
// Work goes with a copy of its input and its result comes back on the
// requester's executor, so a request that ends meanwhile leaves nothing
// dangling; the bytes of the inputs queued or under way are capped, so that
// what clients send cannot grow the queue however slow the pool is.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace aisbf {

// One result of the pool, awaited on the executor it was asked from. Its
// value is only ever touched there, so waiters need no lock; any number of
// them may wait (a rotation's attempts share a job's count).
template <class T>
class PoolResult {
 public:
  explicit PoolResult(const boost::asio::any_io_executor& executor)
      : wake_(executor, boost::asio::steady_timer::time_point::max()) {}

  // The value, once the pool delivered it. On the executor.
  boost::asio::awaitable<T> get() {
    while (!value_) co_await wake_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return *value_;
  }

  // From the pool: hands `value` over on the executor. This reference goes
  // with it, so the last one (and the timer) is released there.
  static void deliver(std::shared_ptr<PoolResult> self, T value) {
    auto executor = self->wake_.get_executor();
    boost::asio::post(executor, [self = std::move(self), value = std::move(value)]() mutable {
      self->value_ = std::move(value);
      self->wake_.cancel();
    });
  }

 private:
  std::optional<T> value_;
  boost::asio::steady_timer wake_;
};

class CountPool {
 public:
  static constexpr std::size_t kDefaultMaxBytes = 64 * 1024 * 1024;

  explicit CountPool(std::size_t threads, std::size_t max_bytes = kDefaultMaxBytes);
  ~CountPool();
  CountPool(const CountPool&) = delete;
  CountPool& operator=(const CountPool&) = delete;

  // Runs `work()` (which returns a T) on the pool for an input of `bytes`,
  // its result delivered on `executor`. Null when the inputs queued or
  // under way would pass the cap: the caller then works where it is (a
  // stall under overload, no longer unbounded memory). When nobody but the
  // pool holds the result by the time the work's turn comes, the work is
  // skipped and `skipped` delivered. An exception from `work` is logged and
  // `skipped` delivered: it must neither end a pool thread nor leave a
  // waiter asleep.
  template <class T, class Work>
  std::shared_ptr<PoolResult<T>> submit(const boost::asio::any_io_executor& executor, std::size_t bytes, T skipped,
                                        Work work);

  // Waits for the work under way: each hands its result to a worker's
  // io_context, so the server calls this once its workers have stopped and
  // before their io_contexts go (main.cpp). Idempotent.
  void drain();

  // For tests and metrics: works accepted, works skipped because their
  // waiter left, and the bytes of inputs queued or under way.
  std::uint64_t submitted() const { return submitted_.load(std::memory_order_relaxed); }
  std::uint64_t skipped() const { return skipped_.load(std::memory_order_relaxed); }
  std::size_t queued_bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  static void log_failure(const std::exception& e);

  std::unique_ptr<boost::asio::thread_pool> pool_;
  std::size_t max_bytes_;
  std::atomic<std::size_t> bytes_{0};
  std::atomic<std::uint64_t> submitted_{0};
  std::atomic<std::uint64_t> skipped_{0};
};

template <class T, class Work>
std::shared_ptr<PoolResult<T>> CountPool::submit(const boost::asio::any_io_executor& executor, std::size_t bytes,
                                                 T skipped, Work work) {
  if (bytes_.fetch_add(bytes, std::memory_order_relaxed) + bytes > max_bytes_) {
    bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    return nullptr;
  }
  submitted_.fetch_add(1, std::memory_order_relaxed);
  auto result = std::make_shared<PoolResult<T>>(executor);
  boost::asio::post(*pool_, [this, result, bytes, value = std::move(skipped),
                             work = std::optional<Work>(std::move(work))]() mutable {
    if (result.use_count() > 1) {
      try {
        value = (*work)();
      } catch (const std::exception& e) {
        log_failure(e);
      }
    } else {
      skipped_.fetch_add(1, std::memory_order_relaxed);
    }
    work.reset();  // the input's copy goes before the bytes are given back
    bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    PoolResult<T>::deliver(std::move(result), std::move(value));
  });
  return result;
}

}  // namespace aisbf
