// Deadline: a time limit on a socket's I/O that costs a store, not a
// syscall, to move. The timer sleeps until the time it was armed for, then
// either fires (the deadline has passed: `on_expire` runs, typically
// cancelling the socket's operations) or sleeps again until the deadline it
// was moved to. Moving a deadline earlier re-arms the timer.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

namespace aisbf::http {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  Deadline(const boost::asio::any_io_executor& executor, std::function<void()> on_expire);
  ~Deadline();
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  void expire_after(Clock::duration limit);
  void expire_at(Clock::time_point when);
  void disarm();                // no limit until the next expire_*()
  bool expired() const;         // the last limit was reached (reset by expire_*())

 private:
  struct State;
  std::shared_ptr<State> s_;
};

}  // namespace aisbf::http
