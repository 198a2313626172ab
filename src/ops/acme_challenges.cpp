#include "ops/acme_challenges.hpp"

#include <algorithm>

#include "ops/acme_messages.hpp"

namespace aisbf::acme {

bool ChallengeStore::put(std::string_view token, std::string key_authorization) {
  if (!is_valid_token(token)) return false;
  std::lock_guard lock(mutex_);
  for (auto& [t, auth] : entries_) {
    if (t == token) {
      auth = std::move(key_authorization);
      return true;
    }
  }
  if (entries_.size() >= kMaxInFlight) return false;
  entries_.emplace_back(std::string(token), std::move(key_authorization));
  return true;
}

void ChallengeStore::remove(std::string_view token) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const auto& e) { return e.first == token; });
}

std::optional<std::string> ChallengeStore::find(std::string_view token) const {
  if (!is_valid_token(token)) return std::nullopt;
  std::lock_guard lock(mutex_);
  for (const auto& [t, auth] : entries_) {
    if (t == token) return auth;
  }
  return std::nullopt;
}

std::size_t ChallengeStore::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace aisbf::acme
