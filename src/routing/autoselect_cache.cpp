#include "routing/autoselect_cache.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "core/chat_roles.hpp"

namespace aisbf::routing {

namespace {

using Digest = std::array<unsigned char, crypto_shorthash_siphashx24_BYTES>;

static_assert(crypto_shorthash_siphashx24_KEYBYTES == 16);

Digest siphash(const void* data, std::size_t size, const unsigned char* key) {
  Digest out{};
  crypto_shorthash_siphashx24(out.data(), static_cast<const unsigned char*>(data), size, key);
  return out;
}

// state = H(state ‖ tag ‖ H(text)): the chain of the prefix's blocks, each
// tagged with its role and whether it starts a message.
void fold(Digest& state, unsigned char tag, std::string_view text, const unsigned char* key) {
  const Digest block = siphash(text.data(), text.size(), key);
  unsigned char buffer[2 * sizeof(Digest) + 1];
  std::memcpy(buffer, state.data(), state.size());
  buffer[state.size()] = tag;
  std::memcpy(buffer + state.size() + 1, block.data(), block.size());
  state = siphash(buffer, sizeof buffer, key);
}

unsigned char tag_of(Role role, bool first) {
  return static_cast<unsigned char>(static_cast<unsigned>(role) * 2 + (first ? 1 : 0));
}

void fold_message(Digest& state, const Message& message, const unsigned char* key) {
  bool first = true;
  for (const auto& block : message.content) {
    const auto* text = std::get_if<TextBlock>(&block);
    if (text == nullptr) continue;
    fold(state, tag_of(message.role, first), text->text, key);
    first = false;
  }
}

std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void append_sized(std::string& out, std::string_view part) {
  const auto size = static_cast<std::uint32_t>(part.size());
  out.append(reinterpret_cast<const char*>(&size), sizeof size);
  out.append(part);
}

// The map key: every part length-prefixed or fixed-size, so two keys are
// equal only when all their parts are. Built in a per-thread buffer: no
// allocation once it has grown to the longest key.
std::string_view key_text(const DecisionKey& key) {
  thread_local std::string buffer;
  buffer.clear();
  append_sized(buffer, key.autoselect);
  append_sized(buffer, key.space);
  buffer.append(reinterpret_cast<const char*>(&key.generation), sizeof key.generation);
  buffer.append(reinterpret_cast<const char*>(&key.prefix.high), sizeof key.prefix.high);
  buffer.append(reinterpret_cast<const char*>(&key.prefix.low), sizeof key.prefix.low);
  return buffer;
}

}  // namespace

PrefixHash AutoselectDecisionCache::prefix_hash(const ChatRequest& request) const {
  Digest state{};
  for (const Message& message : request.messages) {
    if (message.role == Role::system || message.role == Role::developer) {
      fold_message(state, message, hash_key_.data());
    } else if (message.role == Role::user) {
      fold_message(state, message, hash_key_.data());
      break;
    }
  }
  return {load64(state.data()), load64(state.data() + 8)};
}

void PrefixHasher::add(Role role, bool first, std::string_view text) { fold(state_, tag_of(role, first), text, key_); }

PrefixHash PrefixHasher::result() const { return {load64(state_.data()), load64(state_.data() + 8)}; }

std::string_view decision_source_name(DecisionSource source) {
  switch (source) {
    case DecisionSource::llm:
      return "llm";
    case DecisionSource::semantic:
      return "semantic";
    case DecisionSource::fallback:
      return "fallback";
  }
  return "llm";
}

AutoselectDecisionCache::AutoselectDecisionCache(Limits limits)
    : max_ttl_(limits.ttl), entries_(limits::KeyBounds{limits.max_entries, limits.ttl}) {
  randombytes_buf(hash_key_.data(), hash_key_.size());  // works before sodium_init (which only picks implementations)
}

std::optional<CachedDecision> AutoselectDecisionCache::find(const DecisionKey& key,
                                                            std::span<const std::string> candidates,
                                                            limits::TimePoint now) const {
  const std::string_view text = key_text(key);
  std::lock_guard lock(mutex_);
  const auto* slot = entries_.find(text, now);
  if (slot == nullptr) return std::nullopt;
  const auto it = std::find(candidates.begin(), candidates.end(), slot->value.candidate);
  if (it == candidates.end()) return std::nullopt;
  return CachedDecision{static_cast<std::size_t>(it - candidates.begin()), slot->value.by};
}

void AutoselectDecisionCache::store(const DecisionKey& key, std::string_view candidate, DecisionSource by,
                                    limits::TimePoint now, limits::Duration ttl) {
  if (ttl <= limits::Duration::zero()) return;
  const std::string_view text = key_text(key);
  std::lock_guard lock(mutex_);
  auto* slot = entries_.find_or_insert(text, now);
  if (slot == nullptr) return;  // cannot happen: every entry is idle from the start, so one can go
  slot->value.candidate.assign(candidate);
  slot->value.by = by;
  // Its lifetime starts now, also when it replaced a live entry; a shorter
  // one than the cache's is an entry that went idle that much earlier.
  entries_.set_idle_since(*slot, now - (max_ttl_ - std::min(ttl, max_ttl_)));
}

std::size_t AutoselectDecisionCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

limits::TrackedKeys AutoselectDecisionCache::stats() const {
  std::lock_guard lock(mutex_);
  return entries_.stats();
}

}  // namespace aisbf::routing
