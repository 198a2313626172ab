#include "pipeline/content_ids.hpp"

#include <array>

#include <sodium.h>

namespace aisbf {

std::string content_owner(const auth::Principal& principal) {
  using auth::PrincipalKind;
  switch (principal.kind) {
    case PrincipalKind::user_token:
    case PrincipalKind::session:
      return "user:" + principal.user_id;
    case PrincipalKind::global_token:
      return "global";
    case PrincipalKind::anonymous:
      break;
  }
  return "anonymous";
}

std::string new_content_id() {
  std::array<unsigned char, 16> raw{};
  randombytes_buf(raw.data(), raw.size());  // works before sodium_init (which only picks implementations)
  std::array<char, sodium_base64_ENCODED_LEN(16, sodium_base64_VARIANT_URLSAFE_NO_PADDING)> text{};
  sodium_bin2base64(text.data(), text.size(), raw.data(), raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string(text.data());
}

void ContentIds::drop_front_locked() {
  entries_.erase(order_.front());
  order_.pop_front();
}

std::string ContentIds::add(ContentEntry entry, std::size_t max_entries, Clock::time_point now) {
  std::string id = new_content_id();
  const std::lock_guard lock(mu_);
  // Ids are inserted in order and share one TTL per snapshot: the expired
  // ones are at the front (a reload that shortened the TTL leaves a few
  // behind until the older ones go; the size cap still holds).
  while (!order_.empty()) {
    auto it = entries_.find(order_.front());
    if (it != entries_.end() && it->second.expires > now) break;
    drop_front_locked();
  }
  while (!order_.empty() && entries_.size() >= std::max<std::size_t>(max_entries, 1)) {
    drop_front_locked();
    ++evicted_;
  }
  // 128 random bits do not collide; were one to, the older entry is kept
  // and this one is not served rather than handed to another owner.
  if (entries_.emplace(id, std::move(entry)).second) order_.push_back(id);
  return id;
}

std::optional<ContentEntry> ContentIds::find(std::string_view id, std::string_view owner, Clock::time_point now) const {
  const std::lock_guard lock(mu_);
  auto it = entries_.find(std::string(id));
  if (it == entries_.end() || it->second.expires <= now || it->second.owner != owner) return std::nullopt;
  return it->second;
}

std::size_t ContentIds::size() const {
  const std::lock_guard lock(mu_);
  return entries_.size();
}

std::uint64_t ContentIds::evicted() const {
  const std::lock_guard lock(mu_);
  return evicted_;
}

}  // namespace aisbf
