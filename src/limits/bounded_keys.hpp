// A string-keyed map with a bounded size, for the per-key shared state
// (health, spacing, learned limits, token windows). Keys can come from
// clients (a provider without a `models` list takes any model name), so no
// such map may grow without end.
//
// Each entry says when it stops holding live state — state a decision still
// needs (a cooldown, a block, a future slot, tokens in a limited window):
// `idle_since`, set by the store after every change. From then on it is
// idle, and `idle_ttl` later it has expired: lookups treat it as absent and
// the cleanup removes it. A store whose idle entries hold nothing (spacing,
// token windows) uses a zero `idle_ttl`.
//
// The map keeps at most `max_keys` entries. A new key in a full map first
// evicts the entry idle the longest; when every entry is still live, the
// new key is refused (not tracked) rather than let the map grow, and the
// store decides what that means for its caller.
//
// Cleanup is amortised: an index ordered by `idle_since` gives the next
// entry to go, and each insertion removes at most a few expired ones; a
// change costs O(log n) without allocation. Not thread-safe: the store's
// mutex guards it, apart from maybe_tracked().
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/string_map.hpp"
#include "limits/clock.hpp"

namespace aisbf::limits {

inline constexpr std::size_t kDefaultMaxTrackedKeys = 10'000;

struct KeyBounds {
  std::size_t max_keys = kDefaultMaxTrackedKeys;
  Duration idle_ttl{};  // how long an idle entry is kept (for the admin view and counts)
};

// How full one store is (the admin view).
struct TrackedKeys {
  std::size_t keys = 0;
  std::size_t max_keys = 0;
  std::uint64_t evicted = 0;  // idle entries dropped to make room
  std::uint64_t refused = 0;  // new keys not tracked: every entry was live
};

template <class Value>
class BoundedKeys {
  using Index = std::multimap<TimePoint, const std::string*>;

 public:
  struct Slot {
    Value value{};
    TimePoint idle_since;
    typename Index::iterator at;  // this slot in index_
  };

  // Expired entries removed per insertion: more than one, so that they
  // leave faster than new ones arrive.
  static constexpr std::size_t kPurgeStep = 4;

  explicit BoundedKeys(KeyBounds bounds) : bounds_(bounds) {
    bounds_.max_keys = std::max<std::size_t>(1, bounds_.max_keys);
  }

  // Lock-free: false only while the map is empty (the hot path's shortcut).
  // Acquire pairs with the release in sync_count(): an entry made before
  // this read is seen by a locked lookup after it.
  bool maybe_tracked() const { return count_.load(std::memory_order_acquire) != 0; }

  bool expired(const Slot& s, TimePoint now) const { return s.idle_since <= now - bounds_.idle_ttl; }
  bool idle(const Slot& s, TimePoint now) const { return s.idle_since <= now; }

  // `key`'s entry; nullptr when absent or expired.
  Slot* find(std::string_view key, TimePoint now) {
    auto it = map_.find(key);
    return it == map_.end() || expired(it->second, now) ? nullptr : &it->second;
  }
  const Slot* find(std::string_view key, TimePoint now) const {
    auto it = map_.find(key);
    return it == map_.end() || expired(it->second, now) ? nullptr : &it->second;
  }

  // `key`'s entry, made (or, when expired, reset) with a default value idle
  // since `now`; set_idle_since() after changing it. nullptr: the map is full
  // of live entries and `key` is not tracked.
  Slot* find_or_insert(std::string_view key, TimePoint now) {
    purge(now, kPurgeStep);
    if (auto it = map_.find(key); it != map_.end()) {
      if (expired(it->second, now)) {
        it->second.value = Value{};
        set_idle_since(it->second, now);
      }
      return &it->second;
    }
    if (map_.size() >= bounds_.max_keys && !evict_one(now)) {
      ++refused_;
      return nullptr;
    }
    auto [it, made] = map_.try_emplace(std::string(key));
    Slot& s = it->second;
    s.idle_since = now;
    s.at = index_.emplace(now, &it->first);  // after equal times: ties leave in arrival order
    sync_count();
    return &s;
  }

  // Repositions `s` after its store changed it. Reuses the index node.
  void set_idle_since(Slot& s, TimePoint when) {
    if (when == s.idle_since) return;
    auto node = index_.extract(s.at);
    node.key() = when;
    s.at = index_.insert(std::move(node));
    s.idle_since = when;
  }

  void erase(std::string_view key) {
    auto it = map_.find(key);
    if (it == map_.end()) return;
    index_.erase(it->second.at);
    map_.erase(it);
    sync_count();
  }

  // Removes `key`, or every entry when `key` is empty (the admin reset).
  // Returns whether anything was removed.
  bool erase_or_clear(std::string_view key) {
    bool any = false;
    if (key.empty()) {
      any = !map_.empty();
      map_.clear();
      index_.clear();
    } else if (auto it = map_.find(key); it != map_.end()) {
      any = true;
      index_.erase(it->second.at);
      map_.erase(it);
    }
    sync_count();
    return any;
  }

  // Removes up to `limit` expired entries, those idle the longest first.
  void purge(TimePoint now, std::size_t limit) {
    const std::size_t before = map_.size();
    for (; limit > 0 && !index_.empty() && index_.begin()->first <= now - bounds_.idle_ttl; --limit) {
      map_.erase(map_.find(*index_.begin()->second));  // the key index_ points at goes with it: not read after
      index_.erase(index_.begin());
    }
    // Only on a change: the count is read by every request's lock-free check.
    if (map_.size() != before) sync_count();
  }

  // When the entry that goes idle first does: when a full map can take a
  // new key again (`now` when it already could).
  TimePoint room_at(TimePoint now) const {
    if (map_.size() < bounds_.max_keys || index_.empty()) return now;
    return std::max(now, index_.begin()->first);
  }

  // `f(key, slot)` for every entry that has not expired, in no order.
  template <class F>
  void for_each(TimePoint now, F&& f) const {
    for (const auto& [key, s] : map_) {
      if (!expired(s, now)) f(key, s);
    }
  }

  std::size_t size() const { return map_.size(); }
  TrackedKeys stats() const { return {map_.size(), bounds_.max_keys, evicted_, refused_}; }

 private:
  // Drops the entry idle the longest, if any is idle.
  bool evict_one(TimePoint now) {
    if (index_.empty() || index_.begin()->first > now) return false;
    map_.erase(map_.find(*index_.begin()->second));
    index_.erase(index_.begin());
    ++evicted_;
    return true;
  }

  void sync_count() { count_.store(map_.size(), std::memory_order_release); }

  KeyBounds bounds_;
  StringMap<Slot> map_;  // node-based: the key strings index_ points at never move
  Index index_;          // idle_since → key, the next to go first
  std::atomic<std::size_t> count_{0};
  std::uint64_t evicted_ = 0, refused_ = 0;
};

}  // namespace aisbf::limits
