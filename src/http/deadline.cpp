#include "http/deadline.hpp"

#include <boost/asio/steady_timer.hpp>

namespace aisbf::http {

namespace asio = boost::asio;

struct Deadline::State : std::enable_shared_from_this<State> {
  asio::steady_timer timer;
  Clock::time_point deadline = Clock::time_point::max();
  Clock::time_point armed_for = Clock::time_point::max();
  bool waiting = false;
  bool expired = false;
  bool closed = false;
  std::function<void()> on_expire;

  State(const asio::any_io_executor& ex, std::function<void()> f) : timer(ex), on_expire(std::move(f)) {}

  void arm() {
    if (waiting || closed || deadline == Clock::time_point::max()) return;
    waiting = true;
    armed_for = deadline;
    timer.expires_at(deadline);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code&) { self->woke(); });
  }

  void woke() {
    waiting = false;
    if (closed || deadline == Clock::time_point::max()) return;
    if (Clock::now() >= deadline) {
      expired = true;
      deadline = Clock::time_point::max();
      if (on_expire) on_expire();
      return;
    }
    arm();  // the deadline moved while the timer slept
  }
};

Deadline::Deadline(const asio::any_io_executor& executor, std::function<void()> on_expire)
    : s_(std::make_shared<State>(executor, std::move(on_expire))) {}

Deadline::~Deadline() {
  s_->closed = true;
  s_->on_expire = nullptr;
  s_->timer.cancel();
}

void Deadline::expire_after(Clock::duration limit) { expire_at(Clock::now() + limit); }

void Deadline::expire_at(Clock::time_point when) {
  auto& s = *s_;
  s.expired = false;
  s.deadline = when;
  if (!s.waiting) {
    s.arm();
  } else if (when < s.armed_for) {
    s.timer.cancel();  // woke() runs soon and re-arms for the earlier time
  }
}

void Deadline::disarm() { s_->deadline = Clock::time_point::max(); }

bool Deadline::expired() const { return s_->expired; }

}  // namespace aisbf::http
