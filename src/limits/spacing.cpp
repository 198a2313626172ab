#include "limits/spacing.hpp"

#include <algorithm>
#include <mutex>

#include "core/string_map.hpp"

namespace aisbf::limits {
namespace {

struct SpacingEntry {
  TimePoint next_free;  // the earliest time the next request may go
  Duration interval{};  // as last reserved with (for the snapshot)
};

class InProcessSpacing final : public RequestSpacing {
 public:
  SpacingSlot reserve(std::span<const SpacingKey> keys, TimePoint now, Duration max_wait) override {
    // Most targets have no `rate_limit`: answer those without the lock.
    const bool any =
        std::any_of(keys.begin(), keys.end(), [](const SpacingKey& k) { return k.interval > Duration::zero(); });
    if (!any) return {true, now};

    std::lock_guard lock(mutex_);
    TimePoint slot = now;
    for (const auto& k : keys) {
      if (k.interval <= Duration::zero()) continue;
      if (auto it = entries_.find(k.key); it != entries_.end()) slot = std::max(slot, it->second.next_free);
    }
    if (slot - now > std::max(max_wait, Duration::zero())) return {false, slot};
    for (const auto& k : keys) {
      if (k.interval <= Duration::zero()) continue;
      auto& entry = find_or_create(entries_, k.key);
      // max(): the same key may be listed twice (a provider that is its own model).
      entry.next_free = std::max(entry.next_free, slot + k.interval);
      entry.interval = k.interval;
    }
    return {true, slot};
  }

  std::vector<SpacingSnapshot> snapshot(TimePoint now) const override {
    std::lock_guard lock(mutex_);
    std::vector<SpacingSnapshot> out;
    out.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) {
      out.push_back({key, entry.interval, std::max(entry.next_free - now, Duration::zero())});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
  }

  void reset(std::string_view key) override {
    std::lock_guard lock(mutex_);
    erase_or_clear(entries_, key);
  }

 private:
  mutable std::mutex mutex_;
  // Keys come from the configuration (providers and models), so the map
  // stays small; entries are kept once created.
  StringMap<SpacingEntry> entries_;
};

}  // namespace

std::unique_ptr<RequestSpacing> make_in_process_spacing() { return std::make_unique<InProcessSpacing>(); }

}  // namespace aisbf::limits
