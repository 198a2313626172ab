// `rate_limit_TPM` / `TPH` / `TPD`: tokens per minute, hour and day for a
// target, over exact sliding windows fed by the real usage of responses.
//
// A request is admitted with an estimate of its tokens (held in the windows
// while it runs, so that concurrent requests see each other) and settled
// with what the response really used. A target whose windows cannot take
// the estimate is skipped until they can; a single request larger than a
// limit is admitted only into an empty window (it could never fit otherwise).
//
// Admission and settlement are operations on one key at a time `now` the
// caller passes; the ticket is a plain number, so that a Redis-backed store
// can implement them for a cluster (README.md). A key is forgotten once its
// longest limited window is empty; at most `max_keys` keys are tracked, and
// a request for a new key past that is refused until one frees (admitting
// it untracked would break its limits).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "limits/bounded_keys.hpp"
#include "limits/clock.hpp"

namespace aisbf::limits {

struct TokenLimits {
  std::optional<std::int64_t> per_minute, per_hour, per_day;
  bool any() const { return per_minute || per_hour || per_day; }
};

struct TokenAdmission {
  bool admitted = false;
  std::uint64_t ticket = 0;  // for settle(); 0 when nothing was recorded
  TimePoint retry_at;        // refused: when the windows will have room
  bool table_full = false;   // refused because every tracked key is live, not by this key's limits
};

struct TokenWindowSnapshot {
  std::string key;
  std::int64_t last_minute = 0, last_hour = 0, last_day = 0;
};

class TokenWindows {
 public:
  virtual ~TokenWindows() = default;

  // Limits with nothing set admit without recording (ticket 0).
  virtual TokenAdmission admit(std::string_view key, const TokenLimits& limits, std::int64_t estimate,
                               TimePoint now) = 0;
  // Replaces the ticket's estimate by the tokens really used (0 when the
  // request failed without using any). Unknown or expired tickets are ignored.
  virtual void settle(std::string_view key, std::uint64_t ticket, std::int64_t actual, TimePoint now) = 0;

  virtual std::vector<TokenWindowSnapshot> snapshot(TimePoint now) const = 0;
  virtual void reset(std::string_view key) = 0;  // empty: every key
  virtual TrackedKeys tracked() const = 0;
};

std::unique_ptr<TokenWindows> make_in_process_token_windows(std::size_t max_keys = kDefaultMaxTrackedKeys);

}  // namespace aisbf::limits
