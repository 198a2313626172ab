// The in-process QuotaLedger: one BoundedKeys map of per-subject counters
// under one mutex. Only requests of subjects with quotas come here.
#include "limits/quotas.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <mutex>

namespace aisbf::limits {
namespace {

constexpr WallMs kMinute = 60'000;
constexpr WallMs kDay = 86'400'000;

// The longest window whose counters a subject's spec limits: how long its
// entry holds live state once no request of it is in flight.
enum class Horizon : std::uint8_t { none, minute, day, month };

struct Counters {
  WallMs minute = INT64_MIN, day = INT64_MIN, month = INT64_MIN;  // bucket starts
  std::int64_t minute_requests = 0, day_requests = 0, day_tokens = 0, month_tokens = 0, in_flight = 0;
  double month_cost = 0;
  Horizon horizon = Horizon::none;
};

WallMs minute_start(WallMs now) { return now - ((now % kMinute) + kMinute) % kMinute; }

// INT64_MAX: never idle (a request in flight).
TimePoint as_time(WallMs ms) {
  if (ms == INT64_MAX) return TimePoint::max();
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::milliseconds(ms)));
}

std::int64_t seconds_until(WallMs when, WallMs now) { return std::max<std::int64_t>(1, (when - now + 999) / 1000); }

// Moves the counters to the buckets `now` falls in.
void roll(Counters& c, WallMs now) {
  if (const WallMs m = minute_start(now); m != c.minute) {
    c.minute = m;
    c.minute_requests = 0;
  }
  if (const WallMs d = utc_day_start(now); d != c.day) {
    c.day = d;
    c.day_requests = c.day_tokens = 0;
  }
  if (const WallMs mo = utc_month_start(now); mo != c.month) {
    c.month = mo;
    c.month_tokens = 0;
    c.month_cost = 0;
  }
}

Horizon horizon_of(const QuotaSpec& s) {
  if (s.tokens_per_month || s.cost_per_month) return Horizon::month;
  if (s.requests_per_day || s.tokens_per_day) return Horizon::day;
  if (s.requests_per_minute) return Horizon::minute;
  return Horizon::none;
}

// When the entry stops holding live state.
WallMs idle_since(const Counters& c, WallMs now) {
  if (c.in_flight > 0) return INT64_MAX;
  switch (c.horizon) {
    case Horizon::month:
      if (c.month_tokens || c.month_cost > 0) return utc_next_month_start(now);
      [[fallthrough]];
    case Horizon::day:
      if (c.day_requests || c.day_tokens) return c.day + kDay;
      [[fallthrough]];
    case Horizon::minute:
      if (c.minute_requests) return c.minute + kMinute;
      [[fallthrough]];
    case Horizon::none:
      break;
  }
  return now;
}

std::optional<QuotaRefusal> check(const Counters& c, const QuotaSpec& s, QuotaAmount est, WallMs now) {
  auto refuse = [](std::string_view quota, double limit, std::int64_t retry) {
    QuotaRefusal r;
    r.quota = quota;
    r.limit = limit;
    r.retry_after_s = retry;
    return std::optional<QuotaRefusal>(std::move(r));
  };
  const WallMs next_day = c.day + kDay, next_month = utc_next_month_start(now);
  if (s.max_concurrent && c.in_flight + 1 > *s.max_concurrent) return refuse("max_concurrent", *s.max_concurrent, 1);
  if (s.requests_per_minute && c.minute_requests + 1 > *s.requests_per_minute) {
    return refuse("requests_per_minute", *s.requests_per_minute, seconds_until(c.minute + kMinute, now));
  }
  if (s.requests_per_day && c.day_requests + 1 > *s.requests_per_day) {
    return refuse("requests_per_day", *s.requests_per_day, seconds_until(next_day, now));
  }
  if (s.tokens_per_day && c.day_tokens + est.tokens > *s.tokens_per_day) {
    return refuse("tokens_per_day", *s.tokens_per_day, seconds_until(next_day, now));
  }
  if (s.tokens_per_month && c.month_tokens + est.tokens > *s.tokens_per_month) {
    return refuse("tokens_per_month", *s.tokens_per_month, seconds_until(next_month, now));
  }
  // A hair of tolerance: ten estimates of 0.1 must fit a budget of 1.00.
  if (s.cost_per_month && c.month_cost + est.cost > *s.cost_per_month * (1 + 1e-9)) {
    return refuse("cost_per_month", *s.cost_per_month, seconds_until(next_month, now));
  }
  return std::nullopt;
}

class InProcessQuotaLedger final : public QuotaLedger {
 public:
  explicit InProcessQuotaLedger(std::size_t max_keys) : keys_(KeyBounds{max_keys, Duration::zero()}) {}

  QuotaDecision reserve(const std::vector<QuotaSubject>& subjects, QuotaAmount est, WallMs now) override {
    QuotaReservation r;
    r.estimate = est;
    r.at = now;
    for (const auto& s : subjects) {
      if (s.spec && s.spec->any()) r.keys.push_back(s.key);
    }
    if (r.keys.empty()) return {std::move(r), std::nullopt};
    std::lock_guard lock(mutex_);
    std::vector<Slot*> slots;
    if (auto refusal = pin(r.keys, slots, now)) return {std::nullopt, std::move(refusal)};
    std::optional<QuotaRefusal> refusal;
    for (std::size_t i = 0, k = 0; i < subjects.size() && !refusal; ++i) {
      if (!subjects[i].spec || !subjects[i].spec->any()) continue;
      Counters& c = slots[k++]->value;
      c.horizon = std::max(c.horizon, horizon_of(*subjects[i].spec));
      refusal = check(c, *subjects[i].spec, est, now);
      if (refusal) refusal->subject = subjects[i].key;
    }
    for (Slot* slot : slots) {
      if (!refusal) charge(slot->value, est, +1);
      keys_.set_idle_since(*slot, as_time(idle_since(slot->value, now)));
    }
    if (refusal) return {std::nullopt, std::move(refusal)};
    return {std::move(r), std::nullopt};
  }

  void settle(QuotaReservation& r, QuotaAmount actual, WallMs now) override {
    update(r, now, [&](Counters& c) {
      if (c.day == utc_day_start(r.at)) c.day_tokens += actual.tokens - r.estimate.tokens;
      if (c.month == utc_month_start(r.at)) {
        c.month_tokens += actual.tokens - r.estimate.tokens;
        c.month_cost += actual.cost - r.estimate.cost;
      }
    });
  }

  void release(QuotaReservation& r, WallMs now) override {
    update(r, now, [&](Counters& c) {
      if (c.minute == minute_start(r.at)) --c.minute_requests;
      if (c.day == utc_day_start(r.at)) --c.day_requests;
      if (c.month == utc_month_start(r.at)) c.month_tokens -= r.estimate.tokens, c.month_cost -= r.estimate.cost;
      if (c.day == utc_day_start(r.at)) c.day_tokens -= r.estimate.tokens;
    });
  }

  void reconcile(std::string_view key, const StoredSpend& stored, WallMs now) override {
    const bool any = stored.day_requests || stored.day_tokens || stored.month_tokens || stored.month_cost > 0;
    std::lock_guard lock(mutex_);
    Slot* slot = any ? keys_.find_or_insert(key, as_time(now)) : keys_.find(key, as_time(now));
    if (!slot) return;
    Counters& c = slot->value;
    roll(c, now);
    c.day_requests = std::max(c.day_requests, stored.day_requests);
    c.day_tokens = std::max(c.day_tokens, stored.day_tokens);
    c.month_tokens = std::max(c.month_tokens, stored.month_tokens);
    c.month_cost = std::max(c.month_cost, stored.month_cost);
    // Only quota-bearing subjects are reconciled: keep their spend for the month.
    if (any) c.horizon = Horizon::month;
    keys_.set_idle_since(*slot, as_time(idle_since(c, now)));
  }

  std::optional<QuotaUsage> usage(std::string_view key, WallMs now) const override {
    std::lock_guard lock(mutex_);
    const Slot* slot = keys_.find(key, as_time(now));
    if (!slot) return std::nullopt;
    Counters c = slot->value;
    roll(c, now);
    return QuotaUsage{std::string(key), c.minute_requests, c.day_requests, c.in_flight,
                      c.day_tokens,     c.month_tokens,    c.month_cost};
  }

  void reset(std::string_view key) override {
    std::lock_guard lock(mutex_);
    keys_.erase_or_clear(key);
  }

  TrackedKeys tracked() const override {
    std::lock_guard lock(mutex_);
    return keys_.stats();
  }

 private:
  using Slot = BoundedKeys<Counters>::Slot;

  // Every key's slot, rolled to `now` and pinned live (idle at the end of
  // time) so that inserting the next key cannot evict it; nullopt when all
  // are tracked, else the refusal of the first that is not.
  std::optional<QuotaRefusal> pin(const std::vector<std::string>& keys, std::vector<Slot*>& slots, WallMs now) {
    for (const auto& key : keys) {
      Slot* slot = keys_.find_or_insert(key, as_time(now));
      if (!slot) {
        for (Slot* s : slots) keys_.set_idle_since(*s, as_time(idle_since(s->value, now)));
        QuotaRefusal r;
        r.subject = key;
        r.table_full = true;
        const auto wait = keys_.room_at(as_time(now)) - as_time(now);
        r.retry_after_s = std::clamp<std::int64_t>(std::chrono::ceil<std::chrono::seconds>(wait).count(), 1, 60);
        return r;
      }
      roll(slot->value, now);
      keys_.set_idle_since(*slot, as_time(INT64_MAX));
      slots.push_back(slot);
    }
    return std::nullopt;
  }

  static void charge(Counters& c, QuotaAmount est, int sign) {
    c.in_flight += sign;
    c.minute_requests += sign;
    c.day_requests += sign;
    c.day_tokens += sign * est.tokens;
    c.month_tokens += sign * est.tokens;
    c.month_cost += sign * est.cost;
  }

  // Frees the reservation's concurrent slot on each subject after `apply`.
  template <class F>
  void update(QuotaReservation& r, WallMs now, F&& apply) {
    if (!r.held()) return;
    std::lock_guard lock(mutex_);
    for (const auto& key : r.keys) {
      Slot* slot = keys_.find(key, as_time(now));
      if (!slot) continue;  // reset meanwhile
      Counters& c = slot->value;
      roll(c, now);
      apply(c);
      c.in_flight = std::max<std::int64_t>(0, c.in_flight - 1);
      c.minute_requests = std::max<std::int64_t>(0, c.minute_requests);
      c.day_requests = std::max<std::int64_t>(0, c.day_requests);
      c.day_tokens = std::max<std::int64_t>(0, c.day_tokens);
      c.month_tokens = std::max<std::int64_t>(0, c.month_tokens);
      c.month_cost = std::max(0.0, c.month_cost);
      keys_.set_idle_since(*slot, as_time(idle_since(c, now)));
    }
    r.keys.clear();
  }

  mutable std::mutex mutex_;
  BoundedKeys<Counters> keys_;
};

}  // namespace

std::unique_ptr<QuotaLedger> make_in_process_quota_ledger(std::size_t max_keys) {
  return std::make_unique<InProcessQuotaLedger>(max_keys);
}

}  // namespace aisbf::limits
