#include "cache/key_memo.hpp"

#include <functional>

namespace aisbf::cache {

namespace {

// What a string holds beyond its own object (an empty one's capacity is
// inside it).
std::size_t heap_bytes(const std::string& s) { return s.capacity() - std::string().capacity(); }

}  // namespace

std::size_t KeyMemo::held(const Slot& slot) { return heap_bytes(slot.identity) + heap_bytes(slot.value.key); }

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
    bytes_ -= held(*slot);
    slot->identity.assign(scratch_);
    slot->value.key.assign(computed.key);
    slot->value.deterministic = computed.deterministic;
    bytes_ += held(*slot);
    // A string may grow to twice what it holds: past the bound, the slot
    // gives its memory back and stays empty.
    if (bytes_ > limits_.bytes) {
      bytes_ -= held(*slot);
      std::string().swap(slot->identity);
      std::string().swap(slot->value.key);
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
