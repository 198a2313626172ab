#include "limits/adaptive.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <mutex>
#include <random>

namespace aisbf::limits {
namespace {

// Intervals are kept in seconds (double), as configured, and converted at
// the edge; a week bounds them so that a silly setting cannot overflow a
// time point.
constexpr double kMaxSeconds = 7 * 24 * 3600.0;
// With `min_rate_limit` 0 and nothing learned, backoff needs a first step.
constexpr double kFirstBackoffSeconds = 0.1;
// 429s remembered per key for the count: enough for any dashboard, and
// small enough that a full table of keys stays a few tens of MiB.
constexpr std::size_t kMaxRemembered429s = 512;

Duration to_duration(double s) { return seconds(std::min(s, kMaxSeconds)); }

double finite_or(double value, double fallback) { return std::isfinite(value) ? value : fallback; }

// The settings as used: out-of-range values are clamped, never trusted
// (division by 1 - headroom, multiplication by the backoff base).
struct Params {
  bool enabled = true;
  double initial = 0, min = 0, max = 0;
  double learning_rate = 0, headroom = 0, recovery_rate = 0, backoff = 1, jitter = 0;
  Duration history{};  // zero: 429s never expire
  int successes_needed = 1;
};

Params params_from(const AdaptiveRateLimitConfig& s) {
  Params p;
  p.enabled = s.enabled;
  p.min = std::clamp(finite_or(s.min_rate_limit, 0), 0.0, kMaxSeconds);
  p.max = std::clamp(finite_or(s.max_rate_limit, p.min), p.min, kMaxSeconds);
  p.initial = std::clamp(finite_or(s.initial_rate_limit, 0), 0.0, p.max);
  p.learning_rate = std::clamp(finite_or(s.learning_rate, 0), 0.0, 1.0);
  p.headroom = std::clamp(finite_or(s.headroom_percent, 0), 0.0, 90.0) / 100;
  p.recovery_rate = std::clamp(finite_or(s.recovery_rate, 0), 0.0, 1.0);
  p.backoff = std::clamp(finite_or(s.backoff_base, 1), 1.0, 1000.0);
  p.jitter = std::clamp(finite_or(s.jitter_factor, 0), 0.0, 1.0);
  p.history = to_duration(finite_or(s.history_window, 0));
  p.successes_needed = std::max(1, s.consecutive_successes_for_recovery);
  return p;
}

// params_from(s).initial without the rest (or 0 when disabled): what
// state() answers for a key with nothing learned, on every request.
double initial_interval(const AdaptiveRateLimitConfig& s) {
  // The usual setting, none: no clamping to do (NaN and ±0 land here too).
  if (!s.enabled || !(s.initial_rate_limit > 0)) return 0;
  const double min = std::clamp(finite_or(s.min_rate_limit, 0), 0.0, kMaxSeconds);
  const double max = std::clamp(finite_or(s.max_rate_limit, min), min, kMaxSeconds);
  return std::clamp(finite_or(s.initial_rate_limit, 0), 0.0, max);
}

struct Entry {
  bool learned = false;
  double interval = 0;  // seconds, meaningful when `learned`
  TimePoint blocked_until;
  TimePoint last_429;
  std::deque<TimePoint> recent_429s;
  Duration history{};  // the window last configured, for snapshot()
  int consecutive_successes = 0;
  TimePoint touched;  // the last 429 or success
};

bool expired(const Entry& e, Duration history, TimePoint now) {
  return history > Duration::zero() && now - e.last_429 >= history;
}

// Live while blocked and while a learned interval holds (for ever when
// history_window is 0: nothing but recovery forgets it then).
TimePoint idle_since(const Entry& e) {
  TimePoint t = std::max(e.touched, e.blocked_until);
  if (e.learned) t = std::max(t, e.history > Duration::zero() ? e.last_429 + e.history : TimePoint::max());
  return t;
}

// The interval requests to `e`'s key should be spaced by.
double effective_interval(const Entry* e, const Params& p, TimePoint now) {
  if (!p.enabled) return 0;
  if (e != nullptr && e->learned && !expired(*e, p.history, now)) return e->interval;
  return p.initial;
}

// The spacing the announced request budget allows. The reset header is the
// time until the budget is *full* again (OpenAI, Anthropic), so the refill
// rate is (limit - remaining) / reset and one request's worth refills in
// reset / (limit - remaining); at a 429 remaining is usually 0, giving
// window / limit. Kept `headroom` under the budget: / (1 - headroom).
std::optional<double> budget_interval(const RateHints& h, const Params& p) {
  if (!h.requests_limit || !h.requests_reset || !(*h.requests_limit > 0)) return std::nullopt;
  const double limit = *h.requests_limit;
  const double used = limit - std::clamp(h.requests_remaining.value_or(0), 0.0, limit);
  const double reset_s = static_cast<double>(h.requests_reset->count()) / 1000;
  // A full request budget at a 429: another limit (tokens) was hit; the
  // request budget says nothing about the spacing needed.
  if (!(used > 0) || !(reset_s > 0)) return std::nullopt;
  return reset_s / used / (1 - p.headroom);
}

void learn(Entry& e, const RateHints& hints, const Params& p) {
  const double current = e.learned ? e.interval : p.initial;
  double next = 0;
  if (const auto estimate = budget_interval(hints, p)) {
    // The upstream's own numbers: taken as they are the first time; later
    // blended in, but a 429 never lets the interval drop below them.
    next = e.learned ? std::max(*estimate, current + p.learning_rate * (*estimate - current)) : *estimate;
  } else {
    double base = std::max(current, p.min);
    if (base <= 0) base = kFirstBackoffSeconds;
    next = base * p.backoff;
  }
  e.interval = std::clamp(next, p.min, p.max);
  e.learned = true;
}

void forget_if_expired(Entry& e, const Params& p, TimePoint now) {
  if (!expired(e, p.history, now)) return;
  e.learned = false;
  e.interval = 0;
  e.recent_429s.clear();
  e.consecutive_successes = 0;
}

void record_429(Entry& e, const Params& p, TimePoint now) {
  while (!e.recent_429s.empty() && (e.recent_429s.size() >= kMaxRemembered429s ||
                                    (p.history > Duration::zero() && now - e.recent_429s.front() >= p.history))) {
    e.recent_429s.pop_front();
  }
  e.recent_429s.push_back(now);
  e.last_429 = now;
  e.history = p.history;
  e.consecutive_successes = 0;
}

class InProcessAdaptive final : public AdaptiveLimits {
 public:
  InProcessAdaptive(std::uint64_t seed, std::size_t max_keys) : entries_({max_keys, kAdaptiveIdleTtl}), rng_(seed) {}

  AdaptiveState on_rate_limited(std::string_view key, const RateHints& hints, const AdaptiveRateLimitConfig& settings,
                                TimePoint now) override {
    const Params p = params_from(settings);
    std::lock_guard lock(mutex_);
    Slot* slot = entries_.find_or_insert(key, now);
    // Every tracked key is blocked or learning: this one is answered (its
    // caller still learns the block) but not tracked.
    Entry untracked;
    Entry& e = slot != nullptr ? slot->value : untracked;
    forget_if_expired(e, p, now);
    record_429(e, p, now);
    if (p.enabled) learn(e, hints, p);
    TimePoint until = now;  // disabled and no Retry-After: no block
    if (hints.retry_after) {
      until = now + std::chrono::duration_cast<Duration>(*hints.retry_after);
    } else if (p.enabled) {
      until = now + to_duration(jittered(e.interval, p.jitter));
    }
    // max(): concurrent 429s must not shorten a block one of them set.
    e.blocked_until = std::max(e.blocked_until, until);
    e.touched = now;
    if (slot != nullptr) entries_.set_idle_since(*slot, idle_since(e));
    return {to_duration(effective_interval(&e, p, now)), blocked_or_epoch(e.blocked_until, now)};
  }

  void on_success(std::string_view key, const AdaptiveRateLimitConfig& settings, TimePoint now) override {
    if (!entries_.maybe_tracked()) return;
    const Params p = params_from(settings);
    std::lock_guard lock(mutex_);
    entries_.purge(now, BoundedKeys<Entry>::kPurgeStep);  // back to the lock-free path once all expired
    Slot* slot = entries_.find(key, now);
    if (slot == nullptr) return;
    Entry& e = slot->value;
    forget_if_expired(e, p, now);
    if (e.learned && ++e.consecutive_successes >= p.successes_needed) {
      e.consecutive_successes = 0;
      e.interval *= 1 - p.recovery_rate;
      // Recovered: back to the configured baseline (initial, usually 0).
      if (e.interval < std::max(p.min, p.initial)) forget_learned(e);
    }
    if (!e.learned && e.blocked_until <= now) {
      entries_.erase(key);
      return;
    }
    e.touched = now;
    entries_.set_idle_since(*slot, idle_since(e));
  }

  AdaptiveState state(std::string_view key, const AdaptiveRateLimitConfig& settings, TimePoint now) const override {
    // The common case, nothing ever rate limited: no lock at all.
    if (!entries_.maybe_tracked()) return {to_duration(initial_interval(settings)), {}};
    const Params p = params_from(settings);
    std::lock_guard lock(mutex_);
    const Slot* slot = entries_.find(key, now);
    if (slot == nullptr) return {to_duration(initial_interval(settings)), {}};
    const Entry& e = slot->value;
    return {to_duration(effective_interval(&e, p, now)), blocked_or_epoch(e.blocked_until, now)};
  }

  std::vector<AdaptiveSnapshot> snapshot(TimePoint now) const override {
    std::lock_guard lock(mutex_);
    std::vector<AdaptiveSnapshot> out;
    out.reserve(entries_.size());
    entries_.for_each(now, [&](const std::string& key, const Slot& slot) {
      const Entry& e = slot.value;
      const bool live = e.learned && !expired(e, e.history, now);
      const auto recent = std::count_if(e.recent_429s.begin(), e.recent_429s.end(), [&](TimePoint t) {
        return e.history <= Duration::zero() || now - t < e.history;
      });
      out.push_back({key, live ? to_duration(e.interval) : Duration::zero(),
                     std::max(e.blocked_until - now, Duration::zero()), static_cast<int>(recent),
                     e.consecutive_successes});
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
  using Slot = BoundedKeys<Entry>::Slot;

  static TimePoint blocked_or_epoch(TimePoint until, TimePoint now) { return until > now ? until : TimePoint{}; }

  static void forget_learned(Entry& e) {
    e.learned = false;
    e.interval = 0;
  }

  // interval × a factor uniform in [1 - jitter, 1 + jitter], so that keys
  // blocked together do not all come back at the same instant.
  double jittered(double interval, double jitter) {
    if (jitter <= 0) return interval;
    return interval * std::uniform_real_distribution<double>(1 - jitter, 1 + jitter)(rng_);
  }

  mutable std::mutex mutex_;
  // Keys rate limited lately; maybe_tracked() lets state() and on_success()
  // skip the lock while there are none.
  BoundedKeys<Entry> entries_;
  std::mt19937_64 rng_;
};

}  // namespace

std::unique_ptr<AdaptiveLimits> make_in_process_adaptive_limits(std::uint64_t seed, std::size_t max_keys) {
  return std::make_unique<InProcessAdaptive>(seed, max_keys);
}

}  // namespace aisbf::limits
