// The in-process circuit breaker store: one mutex over a bounded map of the
// keys that have failures on record. Healthy keys without history have no
// entry, so the common case (nothing failing) is answered from a counter
// alone, without the lock.
#include "routing/health.hpp"

#include <algorithm>
#include <mutex>

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

using limits::BoundedKeys;

// The last error is shown in the admin view; upstream messages can be long.
constexpr std::size_t kMaxErrorBytes = 512;

void assign_truncated(std::string& out, std::string_view text) {
  if (text.size() > kMaxErrorBytes) {
    std::size_t cut = kMaxErrorBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // a UTF-8 boundary
    text = text.substr(0, cut);
  }
  out.assign(text);
}

struct Entry {
  int consecutive_failures = 0;
  bool open = false;         // threshold reached: cooling down or half-open until a success
  TimePoint cooldown_until;  // meaningful when open
  bool trial_in_flight = false;
  std::uint64_t trial = 0;  // the handle of the trial in flight
  TimePoint trial_expires;  // a trial whose verdict never comes stops blocking here
  TimePoint touched;        // the last failure or trial
  std::string last_error;

  HealthStatus status(TimePoint now) const {
    if (!open) return HealthStatus::healthy;
    return now < cooldown_until ? HealthStatus::cooling_down : HealthStatus::half_open;
  }
  bool trial_out(TimePoint now) const { return trial_in_flight && now < trial_expires; }
  // Live until its cooldown and its trial are over.
  TimePoint idle_since() const {
    TimePoint t = touched;
    if (open) t = std::max(t, cooldown_until);
    if (trial_in_flight) t = std::max(t, trial_expires);
    return t;
  }
};

using Slot = BoundedKeys<Entry>::Slot;

class InProcessHealth final : public HealthStore {
 public:
  InProcessHealth(std::size_t max_keys, Duration idle_ttl) : entries_({max_keys, idle_ttl}) {}

  bool available(std::string_view key, TimePoint now) const override {
    if (!entries_.maybe_tracked()) return true;
    std::lock_guard lock(mutex_);
    const Slot* s = entries_.find(key, now);
    if (s == nullptr) return true;
    const Entry& e = s->value;
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
    if (!entries_.maybe_tracked()) return out;
    std::lock_guard lock(mutex_);
    // Some cleanup while the lock is held anyway: once every entry has
    // expired, the lock-free answers above apply again.
    entries_.purge(now, BoundedKeys<Entry>::kPurgeStep);
    Slot* s = entries_.find(key, now);
    if (s == nullptr) return out;
    Entry& e = s->value;
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
    e.trial = ++last_trial_;
    e.trial_expires = now + std::max(trial_timeout, Duration::zero());
    e.touched = now;
    entries_.set_idle_since(*s, e.idle_since());
    out.trial = e.trial;
    return out;
  }

  void on_success(std::string_view key, TimePoint now) override {
    // Nothing on record (the common case): nothing to clear, no lock. A
    // failure recorded concurrently is kept, as if this success came first.
    if (!entries_.maybe_tracked()) return;
    std::lock_guard lock(mutex_);
    entries_.erase(key);
    entries_.purge(now, BoundedKeys<Entry>::kPurgeStep);  // back to the lock-free path once all expired
  }

  void on_failure(std::string_view key, int threshold, Duration cooldown, std::string_view why,
                  TimePoint now) override {
    std::lock_guard lock(mutex_);
    Slot* s = entries_.find_or_insert(key, now);
    if (s == nullptr) return;  // every tracked key is cooling down: this one is not tracked
    Entry& e = s->value;
    ++e.consecutive_failures;
    e.touched = now;
    assign_truncated(e.last_error, why);
    // An open breaker (a failed trial, or a late failure while resting)
    // rests again at once: the key has just shown it is still broken.
    if (e.open || e.consecutive_failures >= std::max(threshold, 1)) {
      e.open = true;
      e.cooldown_until = std::max(e.cooldown_until, now + std::max(cooldown, Duration::zero()));
      e.trial_in_flight = false;
    }
    entries_.set_idle_since(*s, e.idle_since());
  }

  void on_abandoned(std::string_view key, std::uint64_t trial, TimePoint now) override {
    if (trial == 0) return;
    std::lock_guard lock(mutex_);
    Slot* s = entries_.find(key, now);
    if (s == nullptr || !s->value.trial_in_flight || s->value.trial != trial) return;
    s->value.trial_in_flight = false;
    entries_.set_idle_since(*s, s->value.idle_since());
  }

  std::vector<HealthSnapshot> snapshot(TimePoint now) const override {
    std::lock_guard lock(mutex_);
    std::vector<HealthSnapshot> out;
    out.reserve(entries_.size());
    entries_.for_each(now, [&](const std::string& key, const Slot& slot) {
      const Entry& e = slot.value;
      HealthSnapshot s;
      s.key = key;
      s.status = e.status(now);
      s.consecutive_failures = e.consecutive_failures;
      if (s.status == HealthStatus::cooling_down) s.cooldown_left = e.cooldown_until - now;
      s.last_error = e.last_error;
      s.trial_in_flight = s.status == HealthStatus::half_open && e.trial_out(now);
      out.push_back(std::move(s));
    });
    // Map order is arbitrary; a stable order keeps the dashboard from jumping.
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
  }

  bool reset(std::string_view key) override {
    std::lock_guard lock(mutex_);
    return entries_.erase_or_clear(key);
  }

  limits::TrackedKeys tracked() const override {
    std::lock_guard lock(mutex_);
    return entries_.stats();
  }

 private:
  mutable std::mutex mutex_;
  BoundedKeys<Entry> entries_;  // only keys with failures on record
  std::uint64_t last_trial_ = 0;
};

}  // namespace

std::unique_ptr<HealthStore> make_in_process_health(std::size_t max_keys, Duration idle_ttl) {
  return std::make_unique<InProcessHealth>(max_keys, idle_ttl);
}

}  // namespace aisbf::routing
