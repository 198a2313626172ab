#include "cache/key_memo.hpp"

#include <algorithm>
#include <functional>

namespace aisbf::cache {

KeyMemo::KeyMemo(Limits limits) : limits_(limits), slots_(limits.slots) {}

std::size_t KeyMemo::entries() const {
  std::size_t n = 0;
  for (const Slot& slot : slots_) n += slot.identity.empty() ? 0 : 1;
  return n;
}

std::optional<RequestKey> KeyMemo::key_of(const KeyParts& raw) {
  scratch_.clear();
  append_parts(raw, scratch_);
  Slot* slot = slots_.empty() ? nullptr : &slots_[std::hash<std::string_view>{}(scratch_) % slots_.size()];
  if (slot != nullptr && slot->identity == scratch_) return slot->value;
  const std::optional<CanonicalRequest> canonical = canonical_request(raw.request);
  if (!canonical) return std::nullopt;
  KeyParts parts = raw;
  parts.request = canonical->text;
  RequestKey computed{cache_key(parts), canonical->deterministic};
  if (slot != nullptr && scratch_.size() <= limits_.entry_bytes) {
    const std::size_t before = slot->identity.capacity() + slot->value.key.capacity();
    // Within the bound, or not kept (the slot keeps what it had).
    const std::size_t after_at_most = std::max(slot->identity.capacity(), scratch_.size()) +
                                      std::max(slot->value.key.capacity(), computed.key.size());
    if (bytes_ - before + after_at_most <= limits_.bytes) {
      slot->identity.assign(scratch_);
      slot->value.key.assign(computed.key);
      slot->value.deterministic = computed.deterministic;
      bytes_ = bytes_ - before + slot->identity.capacity() + slot->value.key.capacity();
    }
  }
  // One huge request does not keep its copy in the scratch.
  if (scratch_.capacity() > limits_.entry_bytes) std::string().swap(scratch_);
  return computed;
}

std::optional<RequestKey> request_key(const KeyParts& raw) {
  thread_local KeyMemo memo;
  return memo.key_of(raw);
}

}  // namespace aisbf::cache
