// Failed dashboard logins, throttled per username and per client address:
// after 5 failures within 15 minutes a key waits, doubling from 1 s up to
// 15 min; a success clears the username's key. Bounded (limits/bounded_keys).
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
