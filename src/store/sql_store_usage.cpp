// SqlStore: usage rows in, export and prune. Each batch also adds to the
// hourly and daily rollups (aggregated in memory first: a batch of 500 rows
// is one upsert per distinct hour and dimensions), in the same transaction.
#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "store/sql_store.hpp"
#include "store/sql_upsert.hpp"
#include "store/usage_sql.hpp"

namespace aisbf::store {

namespace {

constexpr std::size_t kRowsPerInsert = 50;

struct RollupKey {
  UnixMs start = 0;
  std::string username, token_id, provider, model, rotation;
  bool operator<(const RollupKey& o) const {
    return std::tie(start, username, token_id, provider, model, rotation) <
           std::tie(o.start, o.username, o.token_id, o.provider, o.model, o.rotation);
  }
};
struct RollupSums {
  std::int64_t requests = 0, prompt = 0, completion = 0, cached = 0, cache_write = 0, reasoning = 0, unpriced = 0;
  double cost = 0;
};
// Sorted keys: concurrent batches lock rollup rows in the same order, so
// PostgreSQL and InnoDB do not deadlock on them.
using Rollup = std::map<RollupKey, RollupSums>;

UsageRecord fitted(const UsageRecord& r) {
  UsageRecord out = r;
  out.username = fit(r.username, 64);
  out.token_id = fit(r.token_id, 64);
  out.route = fit(r.route, 64);
  out.requested_model = fit(r.requested_model, 255);
  out.provider = fit(r.provider, 128);
  out.model = fit(r.model, 191);
  out.rotation = fit(r.rotation, 128);
  out.error_kind = fit(r.error_kind, 64);
  return out;
}

void add_to(Rollup& rollup, UnixMs start, const UsageRecord& r) {
  RollupSums& s = rollup[RollupKey{start, r.username, r.token_id, r.provider, r.model, r.rotation}];
  s.requests += 1;
  s.prompt += r.prompt_tokens;
  s.completion += r.completion_tokens;
  s.cached += r.cached_tokens;
  s.cache_write += r.cache_write_tokens;
  s.reasoning += r.reasoning_tokens;
  if (r.cost) {
    s.cost += *r.cost;
  } else {
    s.unpriced += 1;
  }
}

void push_record(std::vector<SqlValue>& p, const UsageRecord& r) {
  p.insert(p.end(), {r.time_ms,
                     r.username,
                     r.token_id,
                     r.route,
                     r.requested_model,
                     r.provider,
                     r.model,
                     r.rotation,
                     std::int64_t{r.attempts},
                     r.prompt_tokens,
                     r.completion_tokens,
                     r.cached_tokens,
                     r.cache_write_tokens,
                     r.reasoning_tokens,
                     flag(r.tokens_estimated),
                     r.cost ? SqlValue{*r.cost} : SqlValue{},
                     r.latency_ms,
                     r.ttfb_ms,
                     std::int64_t{r.status},
                     r.error_kind,
                     flag(r.streamed),
                     flag(r.aborted)});
}

Result<Done> insert_rows(SqlConnection& conn, std::span<const UsageRecord> rows) {
  std::vector<SqlValue> params;
  for (std::size_t at = 0; at < rows.size(); at += kRowsPerInsert) {
    const std::size_t n = std::min(kRowsPerInsert, rows.size() - at);
    params.clear();
    for (std::size_t i = 0; i < n; ++i) push_record(params, rows[at + i]);
    std::string sql =
        fmt::format("INSERT INTO usage_rows ({}) VALUES {}", kUsageColumns, placeholders(kUsageColumnCount, n));
    if (auto r = conn.exec(sql, params); !r) return r.error();
  }
  return Done{};
}

Result<Done> upsert_rollup(SqlConnection& conn, const Rollup& rollup, std::string_view table,
                           std::string_view start_column) {
  std::vector<SqlValue> params;
  auto it = rollup.begin();
  while (it != rollup.end()) {
    params.clear();
    std::size_t n = 0;
    for (; it != rollup.end() && n < kRowsPerInsert; ++it, ++n) {
      const auto& [k, s] = *it;
      params.insert(params.end(), {k.start, k.username, k.token_id, k.provider, k.model, k.rotation, s.requests,
                                   s.prompt, s.completion, s.cached, s.cache_write, s.reasoning, s.cost, s.unpriced});
    }
    std::string sql =
        upsert_sql(conn.dialect(), table,
                   {start_column, "username", "token_id", "provider", "model", "rotation", "requests", "prompt_tokens",
                    "completion_tokens", "cached_tokens", "cache_write_tokens", "reasoning_tokens", "cost", "unpriced"},
                   {start_column, "username", "token_id", "provider", "model", "rotation"}, UpsertMode::add, n);
    if (auto r = conn.exec(sql, params); !r) return r.error();
  }
  return Done{};
}

UsageRecord record_from(const SqlRow& r) {
  UsageRecord u;
  u.time_ms = r.integer(0);
  u.username = r.text(1);
  u.token_id = r.text(2);
  u.route = r.text(3);
  u.requested_model = r.text(4);
  u.provider = r.text(5);
  u.model = r.text(6);
  u.rotation = r.text(7);
  u.attempts = static_cast<int>(r.integer(8));
  u.prompt_tokens = r.integer(9);
  u.completion_tokens = r.integer(10);
  u.cached_tokens = r.integer(11);
  u.cache_write_tokens = r.integer(12);
  u.reasoning_tokens = r.integer(13);
  u.tokens_estimated = r.integer(14) != 0;
  if (!r.is_null(15)) u.cost = r.real(15);
  u.latency_ms = r.integer(16);
  u.ttfb_ms = r.integer(17);
  u.status = static_cast<int>(r.integer(18));
  u.error_kind = r.text(19);
  u.streamed = r.integer(20) != 0;
  u.aborted = r.integer(21) != 0;
  return u;
}

}  // namespace

std::string fit(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t end = max;
  // Back up over continuation bytes (10xxxxxx) to a character start.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

SqlFilter usage_filter(const UsageQuery& q) {
  SqlFilter f;
  auto add = [&](const std::optional<std::string>& value, std::string_view column) {
    if (!value) return;
    f.sql += fmt::format(" AND {} = ?", column);
    f.params.emplace_back(*value);
  };
  add(q.username, "username");
  add(q.provider, "provider");
  add(q.model, "model");
  add(q.rotation, "rotation");
  add(q.token_id, "token_id");
  return f;
}

Result<Done> SqlStore::insert_usage(std::span<const UsageRecord> records) {
  if (records.empty()) return Done{};
  std::vector<UsageRecord> rows;
  rows.reserve(records.size());
  Rollup hourly, daily;
  for (const UsageRecord& r : records) {
    rows.push_back(fitted(r));
    add_to(hourly, floor_to(r.time_ms, kHourMs), rows.back());
    add_to(daily, floor_to(r.time_ms, kDayMs), rows.back());
  }
  return transaction<Done>([&](SqlConnection& conn) -> Result<Done> {
    if (auto r = insert_rows(conn, rows); !r) return r;
    if (auto r = upsert_rollup(conn, hourly, "usage_hourly", "hour_ms"); !r) return r;
    return upsert_rollup(conn, daily, "usage_daily", "day_ms");
  });
}

Result<std::int64_t> SqlStore::export_usage(const UsageQuery& query,
                                            const std::function<bool(const UsageRecord&)>& row) {
  SqlFilter filter = usage_filter(query);
  std::vector<SqlValue> params = {query.from_ms, query.to_ms};
  params.insert(params.end(), filter.params.begin(), filter.params.end());
  const std::string sql = fmt::format(
      "SELECT {} FROM usage_rows WHERE time_ms >= ? AND time_ms < ?{} ORDER BY time_ms, id", kUsageColumns, filter.sql);
  // Not retried: `row` may have seen rows already.
  return write<std::int64_t>([&](SqlConnection& conn) -> Result<std::int64_t> {
    std::int64_t count = 0;
    auto r = conn.query(sql, params, [&](const SqlRow& sql_row) {
      ++count;
      return row(record_from(sql_row));
    });
    if (!r) return r.error();
    return count;
  });
}

// A rollup row goes once its whole hour (day) is before the cut; the hour
// the cut falls in keeps its rollup, as it still counts kept rows.
Result<std::int64_t> SqlStore::prune_usage(UnixMs before_ms) {
  const SqlValue raw[] = {before_ms};
  const SqlValue hour[] = {before_ms - kHourMs};
  const SqlValue day[] = {before_ms - kDayMs};
  return transaction<std::int64_t>([&](SqlConnection& conn) -> Result<std::int64_t> {
    auto removed = conn.exec("DELETE FROM usage_rows WHERE time_ms < ?", raw);
    if (!removed) return removed;
    if (auto r = conn.exec("DELETE FROM usage_hourly WHERE hour_ms <= ?", hour); !r) return r.error();
    if (auto r = conn.exec("DELETE FROM usage_daily WHERE day_ms <= ?", day); !r) return r.error();
    return removed;
  });
}

}  // namespace aisbf::store
