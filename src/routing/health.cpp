// The in-process circuit breaker store: one mutex over a map of the keys
// that have failures on record. Healthy keys without history have no entry,
// so the common case (nothing failing) is answered from a counter alone.
#include "routing/health.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>

#include "core/string_map.hpp"

namespace aisbf::routing {

std::string_view health_status_name(HealthStatus status) {
  switch (status) {
    case HealthStatus::healthy:
      return "healthy";
    case HealthStatus::cooling_down:
      return "cooling_down";
    case HealthStatus::half_open:
      return "half_open";
  }
  return "healthy";
}

namespace {

struct Entry {
  int consecutive_failures = 0;
  bool open = false;         // threshold reached: cooling down or half-open until a success
  TimePoint cooldown_until;  // meaningful when open
  bool trial_in_flight = false;
  TimePoint trial_expires;  // a trial whose verdict never comes stops blocking here
  std::string last_error;

  HealthStatus status(TimePoint now) const {
    if (!open) return HealthStatus::healthy;
    return now < cooldown_until ? HealthStatus::cooling_down : HealthStatus::half_open;
  }
  bool trial_out(TimePoint now) const { return trial_in_flight && now < trial_expires; }
};

class InProcessHealth final : public HealthStore {
 public:
  bool available(std::string_view key, TimePoint now) const override {
    // Acquire pairs with the release in sync_count(): a failure recorded
    // before this read is seen by the locked path below.
    if (tracked_.load(std::memory_order_acquire) == 0) return true;
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return true;
    const Entry& e = it->second;
    switch (e.status(now)) {
      case HealthStatus::healthy:
        return true;
      case HealthStatus::cooling_down:
        return false;
      case HealthStatus::half_open:
        return !e.trial_out(now);
    }
    return true;
  }

  HealthAdmission admit(std::string_view key, TimePoint now, Duration trial_timeout) override {
    HealthAdmission out;
    out.allowed = true;
    if (tracked_.load(std::memory_order_acquire) == 0) return out;
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return out;
    Entry& e = it->second;
    switch (e.status(now)) {
      case HealthStatus::healthy:
        return out;
      case HealthStatus::cooling_down:
        out.allowed = false;
        out.available_at = e.cooldown_until;
        return out;
      case HealthStatus::half_open:
        break;
    }
    if (e.trial_out(now)) {
      out.allowed = false;
      out.available_at = e.trial_expires;
      return out;
    }
    e.trial_in_flight = true;
    e.trial_expires = now + std::max(trial_timeout, Duration::zero());
    out.trial = true;
    return out;
  }

  void on_success(std::string_view key) override {
    // Nothing on record (the common case): nothing to clear, no lock. A
    // failure recorded concurrently is kept, as if this success came first.
    if (tracked_.load(std::memory_order_acquire) == 0) return;
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    entries_.erase(it);
    sync_count();
  }

  void on_failure(std::string_view key, int threshold, Duration cooldown, std::string_view why,
                  TimePoint now) override {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      it = entries_.emplace(std::string(key), Entry{}).first;
      sync_count();
    }
    Entry& e = it->second;
    ++e.consecutive_failures;
    e.last_error.assign(why);
    // An open breaker (a failed trial, or a late failure while resting)
    // rests again at once: the key has just shown it is still broken.
    if (e.open || e.consecutive_failures >= std::max(threshold, 1)) {
      e.open = true;
      e.cooldown_until = std::max(e.cooldown_until, now + std::max(cooldown, Duration::zero()));
      e.trial_in_flight = false;
    }
  }

  void on_abandoned(std::string_view key) override {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end()) it->second.trial_in_flight = false;
  }

  std::vector<HealthSnapshot> snapshot(TimePoint now) const override {
    std::lock_guard lock(mutex_);
    std::vector<HealthSnapshot> out;
    out.reserve(entries_.size());
    for (const auto& [key, e] : entries_) {
      HealthSnapshot s;
      s.key = key;
      s.status = e.status(now);
      s.consecutive_failures = e.consecutive_failures;
      if (s.status == HealthStatus::cooling_down) s.cooldown_left = e.cooldown_until - now;
      s.last_error = e.last_error;
      s.trial_in_flight = s.status == HealthStatus::half_open && e.trial_out(now);
      out.push_back(std::move(s));
    }
    // Map order is arbitrary; a stable order keeps the dashboard from jumping.
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
  }

  bool reset(std::string_view key) override {
    std::lock_guard lock(mutex_);
    const bool cleared = erase_or_clear(entries_, key);
    sync_count();
    return cleared;
  }

 private:
  // Called with the mutex held whenever the map changes size.
  void sync_count() { tracked_.store(entries_.size(), std::memory_order_release); }

  mutable std::mutex mutex_;
  StringMap<Entry> entries_;
  std::atomic<std::size_t> tracked_{0};
};

}  // namespace

std::unique_ptr<HealthStore> make_in_process_health() { return std::make_unique<InProcessHealth>(); }

}  // namespace aisbf::routing
