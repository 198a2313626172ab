// Failed dashboard logins, throttled per username and per client address:
// after 5 failures within 15 minutes a key waits, doubling from 1 s up to
// 15 min; a success clears the username's key. Bounded (limits/bounded_keys).
//
// The schedule, per key: failures count while each comes within 15 minutes
// of the previous one; the 5th makes the key wait 1 s, the 6th 2 s, the 7th
// 4 s, … up to 15 min. A key is forgotten 15 minutes after its last failure
// or the end of its wait, whichever is later (waiting out a lockout does not
// reset the count). A success clears the username's key only: the
// address keeps its count (one valid account cannot reset a guessing IP).
// When a map is full of live keys, the keys it cannot track share one
// overflow entry, so filling it does not lift the throttle. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace aisbf::auth {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LoginThrottle(std::size_t max_keys = 10'000);
  ~LoginThrottle();

  // nullopt: may try now; else how long to wait (429 with Retry-After).
  std::optional<std::chrono::seconds> check(std::string_view username, std::string_view address, Clock::time_point now);
  void failed(std::string_view username, std::string_view address, Clock::time_point now);
  void succeeded(std::string_view username, std::string_view address);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aisbf::auth
