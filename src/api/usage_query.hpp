// The usage routes' plain part: the query string as a store::UsageQuery,
// the report as JSON, the rows as CSV (GET /api/admin/usage,
// GET /api/user/usage; pipeline/usage_routes.cpp serves them).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace aisbf::api {

// The longest range bucket=minute reads (from the raw rows): 6 hours.
inline constexpr store::UnixMs kMaxMinuteRangeMs = 6 * 3'600'000;

struct UsageRequest {
  store::UsageQuery query;
  bool csv = false;
};

struct UsageParamError {
  std::string param;    // the parameter at fault
  std::string message;  // for the client
};

// `target`: the request target (path and query). from/to: ISO 8601 (a
// date, or a date and time with Z or an offset) or unix seconds; default
// the 24 h before `now_ms` (the hour before with bucket=minute).
// bucket=minute|hour|day (minute: a range of at most kMaxMinuteRangeMs,
// else an error naming `bucket`), group_by=user|provider|model|rotation|
// token, filters user, provider, model, rotation, token (each at most 256
// bytes), format=json|csv. An unknown or repeated parameter is an error too.
struct ParsedUsageRequest {
  std::optional<UsageRequest> request;
  std::optional<UsageParamError> error;
};
ParsedUsageRequest parse_usage_request(std::string_view target, store::UnixMs now_ms);

// Parses a from/to value; nullopt when it is neither form.
std::optional<store::UnixMs> parse_usage_time(std::string_view text);

// "2026-12-03T01:00:00Z" (milliseconds when not whole seconds).
std::string iso8601_utc(store::UnixMs ms);

// {"from","to","totals":{…},"series":[{"t",…}],"groups":[{"key",…}],"dropped"}.
// Each entry: requests, prompt_tokens, completion_tokens, cost (null where
// no row was priced), unpriced_requests, errors, latency_p50_ms and
// latency_p95_ms (from the histogram, store/usage_latency.hpp; null with no
// request).
std::string usage_report_json(const store::UsageReport& report, const store::UsageQuery& query,
                              std::uint64_t dropped);

// CSV: the header line, and one line per row (each ends with \r\n).
std::string_view usage_csv_header();
void append_usage_csv_row(std::string& out, const store::UsageRecord& row);
// One cell: quoted when it holds a comma, quote or line break; prefixed
// with ' when it starts with =, +, - or @ (a spreadsheet would run it).
void append_csv_cell(std::string& out, std::string_view text);

}  // namespace aisbf::api
