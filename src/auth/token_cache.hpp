// The per-thread "recently seen" tokens of AccountIndex: raw token → where
// its entry was found, so that a token seen before skips the SHA-256.
// Internal to auth/. Bounded: at most `capacity` entries, the oldest
// inserted goes first. Held in memory only, never written anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace aisbf::auth {

template <class Entry, class Owner = int>
class TokenCache {
 public:
  struct Slot {
    std::string raw;                      // the token as the client sent it: compared in constant time on a hit
    std::string token_hash;               // to find the entry again in a newer token map without hashing `raw`
    const Entry* entry = nullptr;         // nullptr: the token has been removed since it was seen
    std::uint64_t tokens_generation = 0;  // the token map `entry` points into
    const Owner* owner = nullptr;         // the entry's user (nullptr: not in the index)
    std::uint64_t users_generation = 0;   // the user map `owner` points into
  };

  explicit TokenCache(std::size_t capacity = 4096) : capacity_(capacity == 0 ? 1 : capacity) {}

  // `key`: a fast hash of the raw token; the caller checks slot->raw.
  Slot* find(std::uint64_t key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }

  void put(std::uint64_t key, Slot slot) {
    auto [it, made] = map_.insert_or_assign(key, std::move(slot));
    if (!made) return;  // replaced in place: its place in the ring stays
    if (ring_.size() < capacity_) {
      ring_.push_back(key);
      return;
    }
    // Full: the oldest key leaves (if it is still there) and the new one takes its place in the ring.
    if (ring_[next_] != key) map_.erase(ring_[next_]);
    ring_[next_] = key;
    next_ = (next_ + 1) % capacity_;
  }

  void clear() {
    map_.clear();
    ring_.clear();
    next_ = 0;
  }

  std::size_t size() const { return map_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  std::unordered_map<std::uint64_t, Slot> map_;
  std::vector<std::uint64_t> ring_;  // keys in insertion order, oldest at next_ once full
  std::size_t next_ = 0;
};

}  // namespace aisbf::auth
