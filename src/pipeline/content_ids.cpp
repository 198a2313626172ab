#include "pipeline/content_ids.hpp"

#include <algorithm>
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

namespace {

// What an entry counts against the byte budget: its strings, the id three
// times (map key and two lists) and the nodes around them.
std::size_t entry_bytes(const ContentEntry& e) {
  return e.url.size() + e.owner.size() + e.provider_id.size() + e.provider_user.size() + 3 * 22 + 256;
}

}  // namespace

ContentLimits content_limits(std::uint64_t max_entries) {
  ContentLimits limits;
  limits.max_entries = static_cast<std::size_t>(std::max<std::uint64_t>(max_entries, 1));
  limits.max_per_owner = std::max(limits.max_entries / 16, std::min(limits.max_entries, kMaxContentUrlsPerAnswer));
  return limits;
}

void ContentIds::drop_locked(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Slot& slot = it->second;
  auto owner = owners_.find(slot.entry.owner);
  if (owner != owners_.end()) {
    owner->second.erase(slot.in_owner);
    if (owner->second.empty()) owners_.erase(owner);
  }
  order_.erase(slot.in_order);
  bytes_ -= entry_bytes(slot.entry);
  entries_.erase(it);
}

std::string ContentIds::add(ContentEntry entry, const ContentLimits& limits, Clock::time_point now) {
  std::string id = new_content_id();
  const std::size_t size = entry_bytes(entry);
  const std::lock_guard lock(mu_);
  // Ids are inserted in order and share one TTL per snapshot: the expired
  // ones are at the front (a reload that shortened the TTL leaves a few
  // behind until the older ones go; the bounds still hold).
  while (!order_.empty()) {
    auto it = entries_.find(order_.front());
    if (it != entries_.end() && it->second.entry.expires > now) break;
    drop_locked(std::string(order_.front()));
  }
  // The owner's share first: its own oldest make room for it.
  if (auto own = owners_.find(entry.owner); own != owners_.end()) {
    while (!own->second.empty() && own->second.size() >= std::max<std::size_t>(limits.max_per_owner, 1)) {
      const bool last = own->second.size() == 1;
      drop_locked(std::string(own->second.front()));
      ++evicted_;
      if (last) break;  // drop_locked erased the owner's list
    }
  }
  while (!order_.empty() &&
         (entries_.size() >= std::max<std::size_t>(limits.max_entries, 1) || bytes_ + size > limits.max_bytes)) {
    drop_locked(std::string(order_.front()));
    ++evicted_;
  }
  // 128 random bits do not collide; were one to, the older entry is kept
  // and this one is not served rather than handed to another owner.
  auto [it, fresh] = entries_.try_emplace(id);
  if (!fresh) return id;
  Order& own = owners_[entry.owner];
  it->second.in_order = order_.insert(order_.end(), id);
  it->second.in_owner = own.insert(own.end(), id);
  it->second.entry = std::move(entry);
  bytes_ += size;
  return id;
}

std::optional<ContentEntry> ContentIds::find(std::string_view id, std::string_view owner, Clock::time_point now) const {
  const std::lock_guard lock(mu_);
  auto it = entries_.find(std::string(id));
  if (it == entries_.end() || it->second.entry.expires <= now || it->second.entry.owner != owner) return std::nullopt;
  return it->second.entry;
}

std::size_t ContentIds::size() const {
  const std::lock_guard lock(mu_);
  return entries_.size();
}

std::size_t ContentIds::bytes() const {
  const std::lock_guard lock(mu_);
  return bytes_;
}

std::uint64_t ContentIds::evicted() const {
  const std::lock_guard lock(mu_);
  return evicted_;
}

}  // namespace aisbf
