#include "limits/spacing.hpp"

#include <algorithm>
#include <mutex>

namespace aisbf::limits {
namespace {

struct SpacingEntry {
  TimePoint next_free;  // the earliest time the next request may go
  Duration interval{};  // as last reserved with (for the snapshot)
};

using Slot = BoundedKeys<SpacingEntry>::Slot;

class InProcessSpacing final : public RequestSpacing {
 public:
  explicit InProcessSpacing(std::size_t max_keys) : entries_({max_keys, kSpacingIdleTtl}) {}

  SpacingSlot reserve(std::span<const SpacingKey> keys, TimePoint now, Duration max_wait) override {
    // Most targets have no `rate_limit`: answer those without the lock.
    const bool any =
        std::any_of(keys.begin(), keys.end(), [](const SpacingKey& k) { return k.interval > Duration::zero(); });
    if (!any) return {true, now};

    std::lock_guard lock(mutex_);
    TimePoint slot = now;
    for (const auto& k : keys) {
      if (k.interval <= Duration::zero()) continue;
      // An entry whose next free time has passed has expired: absent.
      if (const Slot* s = entries_.find(k.key, now)) slot = std::max(slot, s->value.next_free);
    }
    if (slot - now > std::max(max_wait, Duration::zero())) return {false, slot};
    for (const auto& k : keys) {
      if (k.interval <= Duration::zero()) continue;
      // Updated at once: a later insertion may evict or purge what is still idle.
      Slot* s = entries_.find_or_insert(k.key, now);
      // Every tracked key holds a future slot. A key reserved above keeps
      // its reservation: rare (a full table), and it only delays that key.
      if (s == nullptr) return {false, std::max(entries_.room_at(now), now + k.interval), true};
      // max(): the same key may be listed twice (a provider that is its own model).
      s->value.next_free = std::max(s->value.next_free, slot + k.interval);
      s->value.interval = k.interval;
      entries_.set_idle_since(*s, s->value.next_free);
    }
    return {true, slot};
  }

  std::vector<SpacingSnapshot> snapshot(TimePoint now) const override {
    std::lock_guard lock(mutex_);
    std::vector<SpacingSnapshot> out;
    out.reserve(entries_.size());
    entries_.for_each(now, [&](const std::string& key, const Slot& s) {
      out.push_back({key, s.value.interval, std::max(s.value.next_free - now, Duration::zero())});
    });
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
  }

  void reset(std::string_view key) override {
    std::lock_guard lock(mutex_);
    entries_.erase_or_clear(key);
  }

  TrackedKeys tracked() const override {
    std::lock_guard lock(mutex_);
    return entries_.stats();
  }

 private:
  mutable std::mutex mutex_;
  // An idle key (its slot passed) holds nothing, but is kept a while so that
  // a key used steadily is not made and dropped on every request.
  BoundedKeys<SpacingEntry> entries_;
};

}  // namespace

std::unique_ptr<RequestSpacing> make_in_process_spacing(std::size_t max_keys) {
  return std::make_unique<InProcessSpacing>(max_keys);
}

}  // namespace aisbf::limits
