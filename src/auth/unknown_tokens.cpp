#include "auth/unknown_tokens.hpp"

namespace aisbf::auth {

UnknownTokens::UnknownTokens(std::size_t capacity, store::UnixMs ttl_ms)
    : capacity_(capacity == 0 ? 1 : capacity), ttl_ms_(ttl_ms) {}

void UnknownTokens::remember(std::string_view token_hash, store::UnixMs now) {
  std::lock_guard lock(mutex_);
  const store::UnixMs until = now + ttl_ms_;
  if (auto it = until_.find(token_hash); it != until_.end()) {
    it->second = until;  // its place in the ring stays
    return;
  }
  until_.emplace(std::string(token_hash), until);
  if (ring_.size() < capacity_) {
    ring_.emplace_back(token_hash);
    return;
  }
  // Full: the oldest leaves (unless forgotten or already gone) and the new one takes its place.
  until_.erase(ring_[next_]);
  ring_[next_].assign(token_hash);
  next_ = (next_ + 1) % capacity_;
}

bool UnknownTokens::contains(std::string_view token_hash, store::UnixMs now) const {
  std::lock_guard lock(mutex_);
  auto it = until_.find(token_hash);
  return it != until_.end() && now < it->second;
}

void UnknownTokens::forget(std::string_view token_hash) {
  std::lock_guard lock(mutex_);
  if (auto it = until_.find(token_hash); it != until_.end()) until_.erase(it);
}

void UnknownTokens::clear() {
  std::lock_guard lock(mutex_);
  until_.clear();
  ring_.clear();
  next_ = 0;
}

std::size_t UnknownTokens::size() const {
  std::lock_guard lock(mutex_);
  return until_.size();
}

}  // namespace aisbf::auth
