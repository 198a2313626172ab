// Coroutines waiting on another's progress (the single-flight tables:
// vector_flights.hpp, response_flights.hpp). Waiters may be on any worker:
// each sleeps on a timer of its own executor, and the one that makes
// progress cancels their timers by a post that holds each timer weakly, so
// a waiter that gave up (its deadline, its client gone) leaves nothing
// behind to touch. With nobody waiting, progress posts nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "pipeline/request_context.hpp"

namespace aisbf {

class FlightWaiters {
 public:
  // Under the flight's mutex: the waiters to wake once it is released.
  FlightWaiters take() {
    FlightWaiters out;
    if (!list_.empty()) out.list_.swap(list_);
    return out;
  }

  // Outside the flight's mutex.
  void wake() {
    for (auto& [executor, timer] : list_) {
      // A waiter gone is not woken: at shutdown its io_context may be gone
      // too (frames are destroyed with their io_context, leaders' included).
      if (timer.expired()) continue;
      boost::asio::post(executor, [timer = std::move(timer)] {
        if (auto t = timer.lock()) t->cancel();
      });
    }
    list_.clear();
  }

  enum class Woke : std::uint8_t {
    ready,     // `ready()` held, before or after a sleep
    deadline,  // the deadline came first (ready() did not hold then)
    cancelled, // `cancel` fired
  };

  // Sleeps until `ready()` holds (tested under `mutex`, which whoever makes
  // progress holds while changing what it reads, then calls take() and
  // wake()), until `deadline`, or until `cancel` fires. A timer per sleep:
  // a wake meant for an earlier one finds it gone.
  template <class Ready>
  static boost::asio::awaitable<Woke> sleep_until(std::mutex& mutex, FlightWaiters& waiters, Ready ready,
                                                  std::chrono::steady_clock::time_point deadline,
                                                  CancelSlot& cancel) {
    auto executor = co_await boost::asio::this_coro::executor;
    while (!cancel.cancelled()) {
      auto timer = std::make_shared<boost::asio::steady_timer>(executor, deadline);
      {
        std::lock_guard lock(mutex);
        if (ready()) co_return Woke::ready;
        waiters.list_.emplace_back(executor, timer);
      }
      cancel.connect([&timer] { timer->cancel(); });
      auto [ec] = co_await timer->async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      cancel.disconnect();
      if (!ec) {  // the deadline: what came by then still counts
        std::lock_guard lock(mutex);
        co_return ready() ? Woke::ready : Woke::deadline;
      }
    }
    co_return Woke::cancelled;
  }

 private:
  std::vector<std::pair<boost::asio::any_io_executor, std::weak_ptr<boost::asio::steady_timer>>> list_;
};

}  // namespace aisbf
