// The response cache's key of a request seen recently, without computing it
// again. A hit (and any request sent twice: a retry, an agent's repeated
// step) would otherwise pay for the canonical form and the SHA-256 each
// time: about 13k instructions for a 120-byte request, a quarter of a
// memory hit. The memo is looked up by the request's raw parts (namespace,
// target, format, body bytes, protocol headers) and an entry counts only
// when all of them are equal byte for byte: its hash picks a slot, it never
// decides. What it returns is what cache_key over canonical_request gives
// for those parts, so it can never be stale.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache_key.hpp"

namespace aisbf::cache {

struct RequestKey {
  std::string key;             // cache_key's 64 hex digits
  bool deterministic = false;  // CanonicalRequest::deterministic
};

// A direct-mapped table: the identity's hash picks one slot, a newer
// request takes the slot of an older one. Bounded by slots and by the bytes
// its strings hold; after the first requests a miss allocates nothing (the
// slots' strings keep their capacity). Not thread-safe: request_key keeps
// one per thread.
class KeyMemo {
 public:
  struct Limits {
    std::size_t slots = 1024;
    std::size_t bytes = 4 * 1024 * 1024;    // all slots' strings
    std::size_t entry_bytes = 256 * 1024;  // a larger request is not kept
  };
  KeyMemo() : KeyMemo(Limits{}) {}
  explicit KeyMemo(Limits limits);

  // `raw.request` is the body as the client sent it. Nullopt: the body is
  // no JSON object (nothing is cached for it).
  std::optional<RequestKey> key_of(const KeyParts& raw);

  std::size_t entries() const;
  std::size_t bytes() const { return bytes_; }

 private:
  struct Slot {
    std::string identity;  // the raw parts, length-prefixed; empty: unused
    RequestKey value;
  };
  static std::size_t held(const Slot& slot);  // the heap bytes of its strings

  Limits limits_;
  std::vector<Slot> slots_;
  std::size_t bytes_ = 0;  // held(), all slots
  std::string scratch_;    // the identity being looked up
};

// KeyMemo::key_of on the calling thread's memo (default limits).
std::optional<RequestKey> request_key(const KeyParts& raw);

}  // namespace aisbf::cache
