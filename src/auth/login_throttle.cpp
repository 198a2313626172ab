#include "auth/login_throttle.hpp"

#include <algorithm>
#include <mutex>
#include <string>

#include "limits/bounded_keys.hpp"

namespace aisbf::auth {

namespace {

using std::chrono::seconds;
using TimePoint = LoginThrottle::Clock::time_point;

constexpr int kFreeFailures = 4;  // the 5th failure starts the waits
constexpr auto kWindow = std::chrono::minutes(15);
constexpr auto kMaxWait = std::chrono::minutes(15);

struct Failures {
  int count = 0;
  TimePoint last{};
  TimePoint blocked_until{};
};

// One dimension (usernames or addresses): a bounded map plus the entry the
// keys it cannot track share.
class KeyThrottle {
 public:
  explicit KeyThrottle(std::size_t max_keys) : keys_({max_keys, {}}) {}

  TimePoint blocked_until(std::string_view key, TimePoint now) const {
    if (const auto* slot = keys_.find(key, now)) return slot->value.blocked_until;
    return overflow_active(now) ? overflow_.blocked_until : TimePoint{};
  }

  void failed(std::string_view key, TimePoint now) {
    if (auto* slot = keys_.find_or_insert(key, now)) {
      count(slot->value, now);
      keys_.set_idle_since(*slot, idle_since(slot->value));
    } else {
      if (!overflow_active(now)) overflow_ = {};
      count(overflow_, now);
    }
  }

  void clear(std::string_view key) { keys_.erase(key); }

 private:
  // Remembered for a quarter of an hour after the last failure or the end of
  // its wait, whichever is later: waiting out a lockout does not reset it.
  static TimePoint idle_since(const Failures& f) { return std::max(f.last, f.blocked_until) + kWindow; }
  bool overflow_active(TimePoint now) const { return overflow_.count > 0 && idle_since(overflow_) > now; }

  static void count(Failures& f, TimePoint now) {
    if (f.count > 0 && idle_since(f) <= now) f = {};  // forgotten: a quiet quarter of an hour
    ++f.count;
    f.last = now;
    if (f.count > kFreeFailures) {
      const int doublings = std::min(f.count - kFreeFailures - 1, 10);  // 2^10 s > 15 min
      const auto wait = std::min<LoginThrottle::Clock::duration>(seconds(1) * (1 << doublings), kMaxWait);
      f.blocked_until = now + wait;
    }
  }

  limits::BoundedKeys<Failures> keys_;
  Failures overflow_;
};

// Whole seconds, rounded up: a Retry-After of 0 would invite an immediate retry.
seconds ceil_seconds(LoginThrottle::Clock::duration d) { return std::chrono::ceil<seconds>(d); }

}  // namespace

struct LoginThrottle::Impl {
  explicit Impl(std::size_t max_keys) : users(max_keys), addresses(max_keys) {}
  std::mutex mutex;
  KeyThrottle users, addresses;
};

LoginThrottle::LoginThrottle(std::size_t max_keys) : impl_(std::make_unique<Impl>(max_keys)) {}
LoginThrottle::~LoginThrottle() = default;

std::optional<std::chrono::seconds> LoginThrottle::check(std::string_view username, std::string_view address,
                                                         Clock::time_point now) {
  std::lock_guard lock(impl_->mutex);
  const TimePoint until =
      std::max(impl_->users.blocked_until(username, now), impl_->addresses.blocked_until(address, now));
  if (until <= now) return std::nullopt;
  return ceil_seconds(until - now);
}

void LoginThrottle::failed(std::string_view username, std::string_view address, Clock::time_point now) {
  std::lock_guard lock(impl_->mutex);
  impl_->users.failed(username, now);
  impl_->addresses.failed(address, now);
}

void LoginThrottle::succeeded(std::string_view username, std::string_view address) {
  std::lock_guard lock(impl_->mutex);
  impl_->users.clear(username);
}

}  // namespace aisbf::auth
