// SqlStore::query_usage: whole days come from usage_daily, whole hours from
// usage_hourly, and only the partial edge hours of [from, to) read raw rows
// (by the time_ms index), so a month's report reads a few thousand rows
// whatever the traffic. Buckets are UTC minutes (raw rows only), hours or
// days, computed with integer arithmetic (`t - t % 86400000`) that every
// dialect evaluates the same way.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "store/sql_store.hpp"
#include "store/usage_latency.hpp"
#include "store/usage_sql.hpp"

namespace aisbf::store {

namespace {

enum class Source : std::uint8_t { raw, hourly, daily };

struct Part {
  Source source;
  UnixMs from, to;
};

std::string_view time_column(Source s) {
  return s == Source::raw ? "time_ms" : s == Source::hourly ? "hour_ms" : "day_ms";
}

std::string_view table_of(Source s) {
  return s == Source::raw ? "usage_rows" : s == Source::hourly ? "usage_hourly" : "usage_daily";
}

// Empty: no bucket (a constant).
std::string bucket_expr(Source s, UsageBucket bucket) {
  const std::string col(time_column(s));
  if (bucket == UsageBucket::minute) return fmt::format("{0} - {0} % {1}", col, kMinuteMs);  // raw rows only
  if (bucket == UsageBucket::hour) {
    return s == Source::raw ? fmt::format("{0} - {0} % {1}", col, kHourMs) : col;
  }
  if (bucket == UsageBucket::day) {
    return s == Source::daily ? col : fmt::format("{0} - {0} % {1}", col, kDayMs);
  }
  return {};
}

std::string group_expr(UsageGroup group) {
  switch (group) {
    case UsageGroup::user:
      return "username";
    case UsageGroup::provider:
      return "provider";
    case UsageGroup::model:
      return "model";
    case UsageGroup::rotation:
      return "rotation";
    case UsageGroup::token:
      return "token_id";
    case UsageGroup::none:
      break;
  }
  return {};
}

// store.hpp's usage_is_error over a raw row, in SQL: the same rule, the
// side-call routes from the same list.
std::string error_sql() {
  std::string routes;
  for (std::string_view r : kSideCallRoutes) routes += fmt::format("{}'{}'", routes.empty() ? "" : ", ", r);
  return fmt::format("aborted = 0 AND route NOT IN ({}) AND (status >= 400 OR error_kind <> '')", routes);
}

// The sums a part reads, from column 2 on: requests, prompt and completion
// tokens, cost, unpriced, then (with `measures`) errors and one count per
// latency bucket. Raw rows count with CASE what the rollups hold as
// columns (the same rules: usage_is_error, latency_bucket).
std::string sums_sql(Source s, bool measures) {
  std::string sums;
  if (s == Source::raw) {
    sums =
        "COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost), "
        "SUM(CASE WHEN cost IS NULL THEN 1 ELSE 0 END)";
    if (!measures) return sums;
    sums += ", SUM(CASE WHEN " + error_sql() + " THEN 1 ELSE 0 END)";
    for (std::size_t i = 0; i < kLatencyBuckets; ++i) {
      if (i == 0) {
        sums += fmt::format(", SUM(CASE WHEN latency_ms <= {} THEN 1 ELSE 0 END)", kLatencyBoundsMs[i]);
      } else if (i < kLatencyBoundsMs.size()) {
        sums += fmt::format(", SUM(CASE WHEN latency_ms > {} AND latency_ms <= {} THEN 1 ELSE 0 END)",
                            kLatencyBoundsMs[i - 1], kLatencyBoundsMs[i]);
      } else {
        sums += fmt::format(", SUM(CASE WHEN latency_ms > {} THEN 1 ELSE 0 END)", kLatencyBoundsMs[i - 1]);
      }
    }
    return sums;
  }
  sums = "SUM(requests), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost), SUM(unpriced)";
  if (!measures) return sums;
  sums += ", SUM(errors)";
  for (std::string_view column : kLatencyColumns) sums += fmt::format(", SUM({})", column);
  return sums;
}

std::string part_sql(Source s, const UsageQuery& q, const std::string& filter) {
  const std::string bucket = bucket_expr(s, q.bucket);
  const std::string group = group_expr(q.group_by);
  const std::string sums = sums_sql(s, q.measures);
  std::string group_by;
  if (!bucket.empty()) group_by = "1";
  if (!group.empty()) group_by += group_by.empty() ? "2" : ", 2";
  return fmt::format("SELECT {}, {}, {} FROM {} WHERE {} >= ? AND {} < ?{}{}", bucket.empty() ? "0" : bucket,
                     group.empty() ? "''" : group, sums, table_of(s), time_column(s), time_column(s), filter,
                     group_by.empty() ? "" : " GROUP BY " + group_by);
}

// The parts that cover [from, to) exactly, each read from the coarsest
// table whose rows lie wholly inside it. Hour buckets never read days;
// minute buckets read raw rows only (by the time index: the caller bounds
// the range).
std::vector<Part> plan(const UsageQuery& q) {
  std::vector<Part> parts;
  const UnixMs h0 = ceil_to(q.from_ms, kHourMs), h1 = floor_to(q.to_ms, kHourMs);
  if (h0 >= h1 || q.bucket == UsageBucket::minute) {
    parts.push_back({Source::raw, q.from_ms, q.to_ms});
    return parts;
  }
  parts.push_back({Source::raw, q.from_ms, h0});
  const UnixMs d0 = ceil_to(h0, kDayMs), d1 = floor_to(h1, kDayMs);
  if (q.bucket != UsageBucket::hour && d0 < d1) {
    parts.push_back({Source::hourly, h0, d0});
    parts.push_back({Source::daily, d0, d1});
    parts.push_back({Source::hourly, d1, h1});
  } else {
    parts.push_back({Source::hourly, h0, h1});
  }
  parts.push_back({Source::raw, h1, q.to_ms});
  return parts;
}

void add(UsageTotals& t, const UsageTotals& x) {
  t.requests += x.requests;
  t.prompt_tokens += x.prompt_tokens;
  t.completion_tokens += x.completion_tokens;
  t.cost += x.cost;
  t.unpriced_requests += x.unpriced_requests;
  t.errors += x.errors;
  for (std::size_t i = 0; i < kLatencyBuckets; ++i) t.latency[i] += x.latency[i];
}

struct Folded {
  UsageTotals totals;
  std::map<UnixMs, UsageTotals> series;
  std::map<std::string, UsageTotals> groups;
};

Result<Done> read_part(SqlConnection& conn, const Part& part, const UsageQuery& q, const SqlFilter& filter,
                       Folded& out) {
  if (part.from >= part.to) return Done{};
  std::vector<SqlValue> params = {part.from, part.to};
  params.insert(params.end(), filter.params.begin(), filter.params.end());
  return conn.query(part_sql(part.source, q, filter.sql), params, [&](const SqlRow& row) {
    // SUMs over no rows are NULL: integer()/real() read them as 0.
    UsageTotals t;
    t.requests = row.integer(2);
    t.prompt_tokens = row.integer(3);
    t.completion_tokens = row.integer(4);
    t.cost = row.real(5);
    t.unpriced_requests = row.integer(6);
    if (q.measures) {
      t.errors = row.integer(7);
      for (std::size_t i = 0; i < kLatencyBuckets; ++i) t.latency[i] = row.integer(8 + i);
    }
    if (t.requests == 0) return true;
    add(out.totals, t);
    if (q.bucket != UsageBucket::none) add(out.series[row.integer(0)], t);
    if (q.group_by != UsageGroup::none) add(out.groups[row.text(1)], t);
    return true;
  });
}

UsageReport report_from(Folded&& f) {
  UsageReport report;
  report.totals = f.totals;
  report.series.assign(f.series.begin(), f.series.end());
  report.groups.assign(std::make_move_iterator(f.groups.begin()), std::make_move_iterator(f.groups.end()));
  std::stable_sort(report.groups.begin(), report.groups.end(),
                   [](const auto& a, const auto& b) { return a.second.requests > b.second.requests; });
  return report;
}

}  // namespace

Result<UsageReport> SqlStore::query_usage(const UsageQuery& query) {
  if (query.to_ms <= query.from_ms) return UsageReport{};
  const SqlFilter filter = usage_filter(query);
  const std::vector<Part> parts = plan(query);
  return read<UsageReport>([&](SqlConnection& conn) -> Result<UsageReport> {
    Folded folded;
    for (const Part& part : parts) {
      if (auto r = read_part(conn, part, query, filter, folded); !r) return r.error();
    }
    return report_from(std::move(folded));
  });
}

}  // namespace aisbf::store
