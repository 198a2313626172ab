// Per-user and per-token quotas (issue 9, "Usage accounting"): requests per
// minute and per day, concurrent requests, tokens per day and per month,
// cost per month (USD).
//
// Windows are fixed UTC buckets: the minute and the day start on the UTC
// minute and midnight, the month on the 1st, 00:00 UTC. Fixed buckets (not
// rolling) because the day and month are what the store's usage rows are
// reconciled by, and because each maps onto one counter per bucket in Redis.
//
// A request reserves its estimate on every subject (`user:<name>`,
// `token:<id>`) before its first upstream attempt: all of them admit, or
// none is charged. The reservation then holds one concurrent slot, one
// request and the estimated tokens and cost, so concurrent requests see
// each other and cannot overspend a budget together. settle() replaces the
// estimate by the real figures and frees the slot; release() (a request that
// never reached an upstream) gives everything back.
//
// `now` is wall-clock Unix milliseconds (calendar buckets need the date),
// passed by the caller so tests move it by hand. Thread-safe; a request
// whose subjects have no quotas never reaches the ledger (QuotaSpec::any()).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "limits/bounded_keys.hpp"

namespace aisbf::limits {

using WallMs = std::int64_t;  // Unix milliseconds, UTC

struct QuotaSpec {
  std::optional<std::int64_t> requests_per_minute, requests_per_day, max_concurrent;
  std::optional<std::int64_t> tokens_per_day, tokens_per_month;
  std::optional<double> cost_per_month;  // USD
  bool any() const {
    return requests_per_minute || requests_per_day || max_concurrent || tokens_per_day || tokens_per_month ||
           cost_per_month;
  }
};

struct QuotaParse {
  std::optional<QuotaSpec> spec;  // nullopt: `error` says why
  std::string error;              // names the field, e.g. "quotas.tokens_per_day: expected a whole number >= 0"
  std::string field;              // "quotas.tokens_per_day"
  std::string why;                // "expected a whole number >= 0"
};

// `json`: an object of the fields above; empty text is no quotas. Unknown
// fields, wrong types and negative numbers are errors naming the field.
QuotaParse parse_quotas(std::string_view json);

struct QuotaAmount {
  std::int64_t tokens = 0;
  double cost = 0;  // USD
};

struct QuotaSubject {
  std::string key;  // "user:alice", "token:12"
  const QuotaSpec* spec = nullptr;
};

// A held reservation: a plain value (what a remote ledger returns), so that
// settling or releasing needs no lookup but the subjects'.
struct QuotaReservation {
  std::vector<std::string> keys;  // the subjects charged; empty: nothing held
  QuotaAmount estimate;
  WallMs at = 0;                  // when reserved: which buckets were charged
  bool held() const { return !keys.empty(); }
};

struct QuotaRefusal {
  std::string subject;     // the key refused, e.g. "user:alice"
  std::string quota;       // the field, e.g. "cost_per_month"
  double limit = 0;
  std::int64_t retry_after_s = 1;  // until the bucket turns (1 s for max_concurrent)
  bool table_full = false;         // every tracked subject is live: not this subject's limit
  // "user alice: cost_per_month 1.00 USD reached"
  std::string message() const;
};

struct QuotaDecision {
  std::optional<QuotaReservation> reservation;  // admitted
  std::optional<QuotaRefusal> refusal;          // else
};

// The spend the store holds for a subject (reconciliation).
struct StoredSpend {
  std::int64_t day_requests = 0, day_tokens = 0, month_tokens = 0;
  double month_cost = 0;
};

struct QuotaUsage {
  std::string key;
  std::int64_t minute_requests = 0, day_requests = 0, in_flight = 0, day_tokens = 0, month_tokens = 0;
  double month_cost = 0;
};

class QuotaLedger {
 public:
  virtual ~QuotaLedger() = default;

  // Subjects whose spec is null or empty are skipped; none left: admitted
  // with nothing held, without locking.
  virtual QuotaDecision reserve(const std::vector<QuotaSubject>& subjects, QuotaAmount estimate, WallMs now) = 0;
  // The request is over: its real figures replace the estimate (in the
  // buckets it was charged in, when they are still current) and its
  // concurrent slot is freed. Then the reservation holds nothing.
  virtual void settle(QuotaReservation& r, QuotaAmount actual, WallMs now) = 0;
  // Never reached an upstream: the request, estimate and slot are given back.
  virtual void release(QuotaReservation& r, WallMs now) = 0;

  // Raises the subject's day and month counters to the store's figures
  // (max, not sum: this process's own settled requests are in both, and
  // another instance's only in the store). No-op for an untracked subject
  // with nothing stored.
  virtual void reconcile(std::string_view key, const StoredSpend& stored, WallMs now) = 0;

  virtual std::optional<QuotaUsage> usage(std::string_view key, WallMs now) const = 0;
  virtual void reset(std::string_view key) = 0;  // empty: every subject
  virtual TrackedKeys tracked() const = 0;
};

std::unique_ptr<QuotaLedger> make_in_process_quota_ledger(std::size_t max_keys = kDefaultMaxTrackedKeys);

// Bucket starts, UTC (exposed for the reconciliation's store queries).
WallMs utc_day_start(WallMs now);
WallMs utc_month_start(WallMs now);
WallMs utc_next_month_start(WallMs now);

}  // namespace aisbf::limits
