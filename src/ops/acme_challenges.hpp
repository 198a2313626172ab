// The http-01 challenges in flight: token → key authorization, written by
// the ACME runner (one worker) and read by the public challenge route (any
// worker). Only tokens put here are answered; the set is small and bounded.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aisbf::acme {

class ChallengeStore {
 public:
  static constexpr std::size_t kMaxInFlight = 16;

  // False when the token is malformed or the store is full.
  bool put(std::string_view token, std::string key_authorization);
  void remove(std::string_view token);
  std::optional<std::string> find(std::string_view token) const;
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;  // the challenge route only: never on the request path of any other route
  std::vector<std::pair<std::string, std::string>> entries_;
};

}  // namespace aisbf::acme
