// SqlStore: usage rows in, export and prune. Each batch also adds to the
// hourly and daily rollups (aggregated in memory first: a batch is one
// upsert per distinct hour and dimensions), in the same transaction.
//
// The writer thread shares the gateway's cores, so a row's cost matters:
// rows and rollups go in multi-row statements of a few fixed sizes (a chunk
// of kRowsPerInsert, then the tail in powers of two), so that the drivers'
// prepared-statement caches hold at most 8 statements per table and every
// batch reuses them; the SQL texts are built once per process.
#include <algorithm>
#include <array>
#include <bit>
#include <map>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "store/sql_store.hpp"
#include "store/sql_upsert.hpp"
#include "store/usage_latency.hpp"
#include "store/usage_sql.hpp"

namespace aisbf::store {

namespace {

constexpr std::size_t kRowsPerInsert = 128;  // 3,200 parameters: far below every backend's limit
constexpr std::size_t kSizes = std::bit_width(kRowsPerInsert);  // 1, 2, 4, … kRowsPerInsert

// Rows for the next statement: a full chunk, else the largest power of two.
std::size_t next_chunk(std::size_t left) { return std::min(kRowsPerInsert, std::bit_floor(left)); }
std::size_t size_index(std::size_t rows) { return static_cast<std::size_t>(std::countr_zero(rows)); }

using SqlTexts = std::array<std::string, kSizes>;

const std::string& insert_sql(std::size_t rows) {
  static const SqlTexts texts = [] {
    SqlTexts t;
    for (std::size_t i = 0; i < kSizes; ++i) {
      t[i] = fmt::format("INSERT INTO usage_rows ({}) VALUES {}", kUsageColumns,
                         placeholders(kUsageColumnCount, std::size_t{1} << i));
    }
    return t;
  }();
  return texts[size_index(rows)];
}

enum class RollupTable : std::uint8_t { hourly, daily };

// A rollup row's columns, in the order upsert_rollup binds them: the key,
// the sums, the errors and the latency histogram's buckets.
std::vector<std::string_view> rollup_columns(std::string_view start) {
  std::vector<std::string_view> columns = {start, "username", "token_id", "provider", "model", "rotation"};
  const std::string_view sums[] = {"requests",      "prompt_tokens",      "completion_tokens",
                                   "cached_tokens", "cache_write_tokens", "reasoning_tokens",
                                   "cost",          "unpriced",           "errors"};
  columns.insert(columns.end(), std::begin(sums), std::end(sums));
  columns.insert(columns.end(), kLatencyColumns.begin(), kLatencyColumns.end());
  return columns;
}

const std::string& upsert_sql_for(Dialect dialect, RollupTable table, std::size_t rows) {
  static const std::array<std::array<SqlTexts, 2>, 3> texts = [] {
    std::array<std::array<SqlTexts, 2>, 3> t;
    for (Dialect d : {Dialect::sqlite, Dialect::postgres, Dialect::mysql}) {
      for (RollupTable r : {RollupTable::hourly, RollupTable::daily}) {
        const std::string_view name = r == RollupTable::hourly ? "usage_hourly" : "usage_daily";
        const std::string_view start = r == RollupTable::hourly ? "hour_ms" : "day_ms";
        for (std::size_t i = 0; i < kSizes; ++i) {
          const std::vector<std::string_view> columns = rollup_columns(start);
          const std::string_view keys[] = {start, "username", "token_id", "provider", "model", "rotation"};
          t[static_cast<std::size_t>(d)][static_cast<std::size_t>(r)][i] =
              upsert_sql(d, name, columns, keys, UpsertMode::add, std::size_t{1} << i);
        }
      }
    }
    return t;
  }();
  return texts[static_cast<std::size_t>(dialect)][static_cast<std::size_t>(table)][size_index(rows)];
}

// A row's text values cut to their columns, as views into the record.
struct FittedText {
  std::string_view username, token_id, route, requested_model, provider, model, rotation, error_kind, autoselected,
      autoselected_by;
};

FittedText fitted(const UsageRecord& r) {
  return {fit_view(r.username, 64),          fit_view(r.token_id, 64),  fit_view(r.route, 64),
          fit_view(r.requested_model, 255), fit_view(r.provider, 128), fit_view(r.model, 191),
          fit_view(r.rotation, 128),        fit_view(r.error_kind, 64),     fit_view(r.autoselected, 255),
          fit_view(r.autoselected_by, 16)};
}

struct RollupKey {
  UnixMs start = 0;
  std::string username, token_id, provider, model, rotation;
};
struct RollupKeyView {
  UnixMs start = 0;
  std::string_view username, token_id, provider, model, rotation;
};
auto key_tuple(const RollupKey& k) {
  return std::tuple<UnixMs, std::string_view, std::string_view, std::string_view, std::string_view,
                    std::string_view>(k.start, k.username, k.token_id, k.provider, k.model, k.rotation);
}
auto key_tuple(const RollupKeyView& k) { return std::tie(k.start, k.username, k.token_id, k.provider, k.model, k.rotation); }
// Transparent: a row is looked up by views; its key's strings are copied
// only when the batch meets those dimensions for the first time.
struct RollupLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return key_tuple(a) < key_tuple(b);
  }
};
struct RollupSums {
  std::int64_t requests = 0, prompt = 0, completion = 0, cached = 0, cache_write = 0, reasoning = 0, unpriced = 0,
               errors = 0;
  double cost = 0;
  LatencyHistogram latency{};
};
// Sorted keys: concurrent batches lock rollup rows in the same order, so
// PostgreSQL and InnoDB do not deadlock on them.
using RollupMap = std::map<RollupKey, RollupSums, RollupLess>;
struct Rollup {
  RollupMap sums;
  // The last row's entry: consecutive rows mostly share their hour and
  // dimensions, and an equality test is cheaper than a walk of the map.
  RollupMap::iterator last = sums.end();
};

void add_to(Rollup& rollup, UnixMs start, const FittedText& t, const UsageRecord& r) {
  const RollupKeyView view{start, t.username, t.token_id, t.provider, t.model, t.rotation};
  auto it = rollup.last;
  if (it == rollup.sums.end() || key_tuple(it->first) != key_tuple(view)) {
    it = rollup.sums.find(view);
    if (it == rollup.sums.end()) {
      it = rollup.sums
               .emplace(RollupKey{start, std::string(t.username), std::string(t.token_id), std::string(t.provider),
                                  std::string(t.model), std::string(t.rotation)},
                        RollupSums{})
               .first;
    }
    rollup.last = it;
  }
  RollupSums& s = it->second;
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
  if (usage_is_error(r)) s.errors += 1;
  s.latency[latency_bucket(r.latency_ms)] += 1;
}

// Each value constructed in place (an initializer list would copy every
// value, strings included, once more).
void push_record(std::vector<SqlValue>& p, const UsageRecord& r, const FittedText& t) {
  auto text = [&](std::string_view v) { p.emplace_back(std::in_place_type<std::string>, v); };
  auto integer = [&](std::int64_t v) { p.emplace_back(std::in_place_type<std::int64_t>, v); };
  integer(r.time_ms);
  for (std::string_view v : {t.username, t.token_id, t.route, t.requested_model, t.provider, t.model, t.rotation}) {
    text(v);
  }
  for (std::int64_t v : {std::int64_t{r.attempts}, r.prompt_tokens, r.completion_tokens, r.cached_tokens,
                         r.cache_write_tokens, r.reasoning_tokens, flag(r.tokens_estimated)}) {
    integer(v);
  }
  if (r.cost) {
    p.emplace_back(std::in_place_type<double>, *r.cost);
  } else {
    p.emplace_back();
  }
  for (std::int64_t v : {r.latency_ms, r.ttfb_ms, std::int64_t{r.status}}) integer(v);
  text(t.error_kind);
  integer(flag(r.streamed));
  integer(flag(r.aborted));
  integer(r.effective_context);
  // Empty: NULL (no autoselect), not a choice named "".
  auto text_or_null = [&](std::string_view v) {
    if (v.empty()) {
      p.emplace_back();
    } else {
      text(v);
    }
  };
  text_or_null(t.autoselected);
  text_or_null(t.autoselected_by);
}

Result<Done> insert_rows(SqlConnection& conn, std::span<const UsageRecord> rows, std::span<const FittedText> texts) {
  std::vector<SqlValue> params;
  params.reserve(kRowsPerInsert * kUsageColumnCount);
  for (std::size_t at = 0; at < rows.size();) {
    const std::size_t n = next_chunk(rows.size() - at);
    params.clear();
    for (std::size_t i = at; i < at + n; ++i) push_record(params, rows[i], texts[i]);
    if (auto r = conn.exec(insert_sql(n), params); !r) return r.error();
    at += n;
  }
  return Done{};
}

Result<Done> upsert_rollup(SqlConnection& conn, const Rollup& rollup, RollupTable table) {
  std::vector<SqlValue> params;
  auto it = rollup.sums.begin();
  for (std::size_t left = rollup.sums.size(); left > 0;) {
    const std::size_t n = next_chunk(left);
    params.clear();
    for (std::size_t i = 0; i < n; ++i, ++it) {
      const auto& [k, s] = *it;
      params.insert(params.end(),
                    {k.start, k.username, k.token_id, k.provider, k.model, k.rotation, s.requests, s.prompt,
                     s.completion, s.cached, s.cache_write, s.reasoning, s.cost, s.unpriced, s.errors});
      for (std::int64_t n : s.latency) params.emplace_back(std::in_place_type<std::int64_t>, n);
    }
    if (auto r = conn.exec(upsert_sql_for(conn.dialect(), table, n), params); !r) return r.error();
    left -= n;
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
  u.effective_context = r.integer(22);
  if (!r.is_null(23)) u.autoselected = r.text(23);
  if (!r.is_null(24)) u.autoselected_by = r.text(24);
  return u;
}

}  // namespace

std::string_view fit_view(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t end = max;
  // Back up over continuation bytes (10xxxxxx) to a character start.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
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
  std::vector<FittedText> texts;
  texts.reserve(records.size());
  Rollup hourly, daily;
  for (const UsageRecord& r : records) {
    texts.push_back(fitted(r));
    add_to(hourly, floor_to(r.time_ms, kHourMs), texts.back(), r);
    add_to(daily, floor_to(r.time_ms, kDayMs), texts.back(), r);
  }
  return transaction<Done>([&](SqlConnection& conn) -> Result<Done> {
    if (auto r = insert_rows(conn, records, texts); !r) return r;
    if (auto r = upsert_rollup(conn, hourly, RollupTable::hourly); !r) return r;
    return upsert_rollup(conn, daily, RollupTable::daily);
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
