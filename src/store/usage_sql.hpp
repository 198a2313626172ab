// What the usage files share: the raw row's columns, filters as SQL, and
// UTC hour/day arithmetic. Internal to store/.
#pragma once

#include <string>
#include <vector>

#include "store/sql_driver.hpp"

namespace aisbf::store {

inline constexpr UnixMs kMinuteMs = 60'000;
inline constexpr UnixMs kHourMs = 3'600'000;
inline constexpr UnixMs kDayMs = 86'400'000;

inline UnixMs floor_to(UnixMs t, UnixMs unit) { return t - (((t % unit) + unit) % unit); }
inline UnixMs ceil_to(UnixMs t, UnixMs unit) {
  UnixMs f = floor_to(t, unit);
  return f == t ? t : f + unit;
}

// usage_rows' columns but the id, in UsageRecord's order.
inline constexpr std::string_view kUsageColumns =
    "time_ms, username, token_id, route, requested_model, provider, model, rotation, attempts, prompt_tokens, "
    "completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, tokens_estimated, cost, latency_ms, "
    "ttfb_ms, status, error_kind, streamed, aborted, effective_context, autoselected, autoselected_by";
inline constexpr std::size_t kUsageColumnCount = 25;

// " AND username = ? AND …" for the query's filters, with their values.
struct SqlFilter {
  std::string sql;
  std::vector<SqlValue> params;
};
SqlFilter usage_filter(const UsageQuery& query);

// `text` cut to at most `max` bytes at a UTF-8 character boundary (the
// columns are VARCHAR(n); MySQL and PostgreSQL refuse longer values): a
// prefix of `text`.
std::string_view fit_view(std::string_view text, std::size_t max);

}  // namespace aisbf::store
