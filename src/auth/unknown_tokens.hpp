// The user tokens the store said it does not hold, remembered so that a
// client repeating a garbage `aisbf_…` token costs one store lookup, not one
// per request. Internal to auth/ (AccountIndex).
//
// Keyed by the token's SHA-256 hex (never the raw secret: a token made on
// another instance may still be real). Bounded: at most `capacity` hashes,
// the oldest remembered goes first, so a flood of distinct tokens neither
// grows the process nor touches the known tokens (they live elsewhere). An
// entry lasts `ttl_ms`, and clear() (the index's full refresh from the
// store) forgets them all: a token made on another instance since is then
// found. Thread-safe; only requests with a token the index does not know
// take its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/string_map.hpp"
#include "store/store.hpp"

namespace aisbf::auth {

class UnknownTokens {
 public:
  explicit UnknownTokens(std::size_t capacity = 4096, store::UnixMs ttl_ms = 60'000);

  void remember(std::string_view token_hash, store::UnixMs now);
  bool contains(std::string_view token_hash, store::UnixMs now) const;
  void forget(std::string_view token_hash);  // the token was made on this instance
  void clear();

  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

 private:
  const std::size_t capacity_;
  const store::UnixMs ttl_ms_;
  mutable std::mutex mutex_;
  StringMap<store::UnixMs> until_;  // hash → when it stops counting
  std::vector<std::string> ring_;   // hashes in the order remembered, oldest at next_ once full
  std::size_t next_ = 0;
};

}  // namespace aisbf::auth
