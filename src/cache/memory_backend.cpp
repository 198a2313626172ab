#include "cache/memory_backend.hpp"

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace aisbf::cache {

namespace {

// What an entry costs beyond its strings: the list node, the map slot and
// the strings' headers, so that a flood of tiny entries is bounded too.
constexpr std::uint64_t kEntryOverhead = 160;

struct Entry {
  std::string key;
  // Shared: a hit takes a reference under the mutex and copies the bytes
  // after it is released, so a large entry's copy never holds the others up.
  std::shared_ptr<const std::string> value;
  std::string space, provider, model;
  Clock::time_point expires;

  std::uint64_t bytes() const {
    return key.size() + value->size() + space.size() + provider.size() + model.size() + kEntryOverhead;
  }
  EntryLabels labels() const { return {space, provider, model}; }
};

class MemoryBackend final : public Backend {
 public:
  explicit MemoryBackend(const MemoryLimits& limits) : limits_(limits) {}

  std::string_view name() const override { return "memory"; }

  Expected<std::optional<std::string>> get(std::string_view key, Clock::time_point now) override {
    std::shared_ptr<const std::string> value;
    {
      std::lock_guard lock(mutex_);
      auto it = index_.find(key);
      if (it == index_.end()) return std::optional<std::string>{};
      if (it->second->expires <= now) {
        erase(it->second);
        return std::optional<std::string>{};
      }
      lru_.splice(lru_.begin(), lru_, it->second);  // most recently used first
      value = it->second->value;
    }
    return std::optional<std::string>{*value};  // copied outside the lock; evicted meanwhile: still ours
  }

  Expected<bool> put(std::string_view key, const EntryLabels& labels, std::string_view value,
                     Clock::time_point expires) override {
    // Built outside the lock: the copies are the only allocations.
    Entry entry{std::string(key),          std::make_shared<const std::string>(value),
                std::string(labels.space), std::string(labels.provider),
                std::string(labels.model), expires};
    const std::uint64_t size = entry.bytes();
    if (size > limits_.max_bytes || limits_.max_entries == 0) return false;
    std::list<Entry> node;
    node.push_back(std::move(entry));
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(key); it != index_.end()) erase(it->second);
    while (!lru_.empty() && (bytes_ + size > limits_.max_bytes || lru_.size() >= limits_.max_entries)) {
      erase(std::prev(lru_.end()));
      ++evictions_;
    }
    lru_.splice(lru_.begin(), node);
    index_.emplace(lru_.front().key, lru_.begin());
    bytes_ += size;
    return true;
  }

  Expected<std::uint64_t> clear(const ClearFilter& filter) override {
    std::list<Entry> removed;  // freed after the lock is released
    std::lock_guard lock(mutex_);
    const bool all = !filter.space && !filter.provider && !filter.model;
    std::uint64_t count = 0;
    for (auto it = lru_.begin(); it != lru_.end();) {
      auto next = std::next(it);
      if (filter.matches(it->labels())) {
        bytes_ -= it->bytes();
        index_.erase(it->key);
        removed.splice(removed.end(), lru_, it);
        ++count;
      }
      it = next;
    }
    if (all) evictions_ = 0;
    return count;
  }

  Expected<BackendStats> stats() override {
    std::lock_guard lock(mutex_);
    return BackendStats{lru_.size(), bytes_, evictions_};
  }

  // An upper bound (the key and labels take their share too).
  std::uint64_t max_value_bytes() const override {
    if (limits_.max_entries == 0) return 0;
    return limits_.max_bytes > kEntryOverhead ? limits_.max_bytes - kEntryOverhead : 0;
  }

 private:
  using Lru = std::list<Entry>;

  void erase(Lru::iterator it) {
    bytes_ -= it->bytes();
    index_.erase(it->key);
    lru_.erase(it);
  }

  const MemoryLimits limits_;
  std::mutex mutex_;
  Lru lru_;
  // Keys view the entries' own key strings (stable in a list node).
  std::unordered_map<std::string_view, Lru::iterator> index_;
  std::uint64_t bytes_ = 0;
  std::uint64_t evictions_ = 0;
};

}  // namespace

std::unique_ptr<Backend> make_memory_backend(const MemoryLimits& limits) {
  return std::make_unique<MemoryBackend>(limits);
}

}  // namespace aisbf::cache
