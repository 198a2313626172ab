// Autoselect's decision cache (issue 11): the later turns of one
// conversation reuse the first turn's choice instead of each paying a
// selection call (they report `by=cache`).
//
// A conversation is known by its stable prefix: the system and developer
// messages before the first user message, and that user message, their text
// blocks only (what an agent resends unchanged with every turn; images and
// later messages change). The key also holds the autoselect id, the
// namespace (a user's name, empty for the global one) and the config
// generation, so that a reload or another user never sees a stale choice.
//
// The prefix is hashed with SipHash-2-4 (128-bit output, libsodium) under a
// key each cache draws for itself: a client cannot make two of its
// conversations collide on purpose. Hashing costs about 3 GB/s (a 30 KB agent system
// prompt: 10 µs); a lookup a few hundred ns, without allocation once the
// thread's key buffer has grown.
//
// Entries live `ttl` after they were stored; at most `max_entries` are kept
// (a full cache drops the oldest). One mutex: every operation is short.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/chat_types.hpp"
#include "limits/bounded_keys.hpp"
#include "limits/clock.hpp"

namespace aisbf::routing {

struct PrefixHash {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  friend bool operator==(const PrefixHash&, const PrefixHash&) = default;
};

// How a decision was first made (the cache reports its own `by=cache`).
enum class DecisionSource : std::uint8_t { llm, semantic, fallback };
std::string_view decision_source_name(DecisionSource source);  // "llm", "semantic", "fallback"

struct DecisionKey {
  std::string_view autoselect;   // the autoselect's id
  std::string_view space;        // the namespace: a user's name, empty for the global one
  std::uint64_t generation = 0;  // of the config the candidates come from
  PrefixHash prefix;
};

// Folds a conversation's stable prefix block by block, as prefix_hash does
// over a decoded request: for a reader of the raw body
// (pipeline/conversation_scan.hpp), which then needs no canonical messages.
class PrefixHasher {
 public:
  // A non-empty text block of a message of `role`; `first`: the message's
  // first text block (message boundaries count).
  void add(Role role, bool first, std::string_view text);
  PrefixHash result() const;

 private:
  friend class AutoselectDecisionCache;
  explicit PrefixHasher(const unsigned char* key) : key_(key) {}
  const unsigned char* key_;
  std::array<unsigned char, 16> state_{};
};

struct CachedDecision {
  std::size_t index = 0;  // into the candidates passed to find()
  DecisionSource by = DecisionSource::llm;
};

class AutoselectDecisionCache {
 public:
  struct Limits {
    std::size_t max_entries = 10'000;
    limits::Duration ttl = std::chrono::minutes(30);  // zero: nothing is kept
  };

  explicit AutoselectDecisionCache(Limits limits);

  // The hash of `request`'s stable prefix (see above), under this cache's
  // key. Block and message boundaries count: ("ab", "c") and ("a", "bc")
  // differ.
  PrefixHash prefix_hash(const ChatRequest& request) const;
  // The same fold, fed a block at a time.
  PrefixHasher hasher() const { return PrefixHasher(hash_key_.data()); }

  // The decision stored for `key`, as its place among `candidates` (the ids
  // this request may use, after its privacy, NSFW and capability filter): a
  // stored choice that is not among them is a miss, so a cached decision
  // never routes a request where a fresh one could not.
  std::optional<CachedDecision> find(const DecisionKey& key, std::span<const std::string> candidates,
                                     limits::TimePoint now) const;

  // Keeps (or replaces, with a new lifetime) the decision for `key`, for
  // `ttl` (each autoselect has its own cache_ttl), at most the cache's.
  void store(const DecisionKey& key, std::string_view candidate, DecisionSource by, limits::TimePoint now,
             limits::Duration ttl);
  void store(const DecisionKey& key, std::string_view candidate, DecisionSource by, limits::TimePoint now) {
    store(key, candidate, by, now, max_ttl_);
  }

  std::size_t size() const;
  limits::TrackedKeys stats() const;

 private:
  struct Entry {
    std::string candidate;
    DecisionSource by = DecisionSource::llm;
  };
  std::array<unsigned char, 16> hash_key_{};  // SipHash's key, drawn at construction
  limits::Duration max_ttl_;
  mutable std::mutex mutex_;
  limits::BoundedKeys<Entry> entries_;
};

}  // namespace aisbf::routing
