// The SQL response cache: one row per entry in aisbf_response_cache, and
// the running totals in a one-row aisbf_response_cache_state.
//
// The totals row is why a put needs no COUNT(*) over the table: every write
// transaction locks it first (FOR UPDATE on MySQL; SQLite's BEGIN IMMEDIATE
// locks the whole file), so writers queue on one lock and never deadlock on
// each other's entry rows, and several gateways sharing one MariaDB keep
// one coherent count. It also holds the sequence that orders entries by the
// time they were stored: eviction takes the lowest first.
//
// Rows this code did not write (a field of the wrong type, a value whose
// length is not the one recorded) are misses, removed when met.
#include "cache/sql_backend.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cache/backend_support.hpp"
#include "cache/sql_cache_schema.hpp"

namespace aisbf::cache {
namespace {

using store::Dialect;
using store::Done;
using store::Result;
using store::SqlConnection;
using store::SqlRow;
using store::SqlValue;
using store::StoreError;

constexpr std::size_t kIdleConnections = 8;  // callers are the DB pool's few threads
constexpr int kSweepBatch = 16;              // expired rows a put removes in passing
constexpr int kEvictBatch = 64;              // oldest rows read per eviction round
// After a failed connect or a slow failure (sql_backend.hpp), calls fail at
// once for this long: a MariaDB that is down or hung must not hold the DB
// pool's few threads (the store's too) for a timeout on every lookup.
constexpr std::int64_t kReconnectPauseMs = 2000;

constexpr const char* kDeleteKey = "DELETE FROM aisbf_response_cache WHERE cache_key = ?";

// The running totals, read and written under the state row's lock.
struct State {
  std::int64_t entries = 0;
  std::int64_t bytes = 0;
  std::int64_t next_seq = 1;

  void remove(std::int64_t size) {
    entries = std::max<std::int64_t>(0, entries - 1);
    bytes = std::max<std::int64_t>(0, bytes - std::max<std::int64_t>(0, size));
  }
};

bool is_int(const SqlRow& row, std::size_t i) { return std::holds_alternative<std::int64_t>(row.columns[i]); }

// A row's size as recorded; 0 when it is not a number (a foreign row).
std::int64_t size_of(const SqlRow& row, std::size_t i) { return is_int(row, i) ? row.integer(i) : 0; }

struct Doomed {  // a row about to go: its key and recorded size
  std::string key;
  std::int64_t size = 0;
};

class SqlBackend final : public Backend {
 public:
  SqlBackend(Dialect dialect, store::SqlConnector connector, BackendLimits limits, SqlBackendTuning tuning)
      : dialect_(dialect), connector_(std::move(connector)), limits_(limits), tuning_(tuning) {}

  std::string_view name() const override { return dialect_ == Dialect::mysql ? "mysql" : "sqlite"; }

  Expected<std::optional<std::string>> get(std::string_view key, Clock::time_point now) override;
  Expected<bool> put(std::string_view key, const EntryLabels& labels, std::string_view value,
                     Clock::time_point expires) override;
  Expected<std::uint64_t> clear(const ClearFilter& filter) override;
  Expected<BackendStats> stats() override;

 private:
  struct Found {                       // what get read
    std::optional<std::string> value;  // set: a live entry
    bool stale = false;                // expired or unreadable: to be removed
    bool damaged = false;              // unreadable: its recorded size is not to be trusted
    std::optional<std::int64_t> seq;   // the stale row's seq, when readable
  };
  struct Stored {
    bool kept = false;
    std::uint64_t evicted = 0;
  };

  template <class T, class Fn>
  Expected<T> with_connection(Fn&& fn);
  template <class T, class Fn>
  static Result<T> in_transaction(SqlConnection& c, Fn&& fn);
  Result<std::unique_ptr<SqlConnection>> take(bool fresh);
  void drop_idle();
  void pause_connecting();
  Result<Done> prepare_schema(SqlConnection& c);

  Result<State> lock_state(SqlConnection& c);
  Result<State> insert_state(SqlConnection& c);
  Result<Done> save_state(SqlConnection& c, const State& s);
  Result<Found> read(SqlConnection& c, std::string_view key, std::int64_t now_ms);
  Result<Done> remove_stale(SqlConnection& c, std::string_view key, const Found& found);
  Result<Done> recount(SqlConnection& c, State& s);
  Result<Stored> store(SqlConnection& c, std::string_view key, const EntryLabels& labels, std::string_view value,
                       std::int64_t expires_ms);
  Result<std::vector<Doomed>> select_doomed(SqlConnection& c, const char* sql, std::span<const SqlValue> params);
  Result<std::int64_t> delete_all(SqlConnection& c, const std::vector<Doomed>& rows, State& state);
  Result<std::uint64_t> evict(SqlConnection& c, std::string_view kept_key, std::int64_t kept_size, State& state);
  Result<std::uint64_t> clear_some(SqlConnection& c, const ClearFilter& filter);

  bool over(const State& s) const {
    return static_cast<std::uint64_t>(s.entries) > limits_.max_entries ||
           static_cast<std::uint64_t>(s.bytes) > limits_.max_bytes;
  }

  const Dialect dialect_;
  const store::SqlConnector connector_;
  const BackendLimits limits_;
  const SqlBackendTuning tuning_;
  std::mutex idle_mutex_;
  std::vector<std::unique_ptr<SqlConnection>> idle_;
  std::mutex schema_mutex_;
  std::atomic<bool> schema_ready_{false};
  std::atomic<std::uint64_t> evictions_{0};
  std::atomic<std::int64_t> no_connect_until_ms_{0};
};

// An idle connection (unless `fresh`) or a new one; none during the pause
// after a failure. The first connection also prepares the tables (again
// after a failure, on the next call).
Result<std::unique_ptr<SqlConnection>> SqlBackend::take(bool fresh) {
  const std::int64_t now_ms = to_unix_ms(Clock::now());
  if (now_ms < no_connect_until_ms_.load()) {
    return StoreError{StoreError::Kind::unavailable, "the database failed just now; not trying again yet"};
  }
  if (!fresh) {
    std::lock_guard lock(idle_mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  auto opened = connector_();
  if (!opened) {
    if (opened.error().kind == StoreError::Kind::unavailable) pause_connecting();
    return opened.error();
  }
  if (!schema_ready_.load()) {
    std::lock_guard lock(schema_mutex_);
    if (!schema_ready_.load()) {
      if (auto ready = prepare_schema(*opened.value()); !ready) return ready.error();
      schema_ready_ = true;
    }
  }
  return opened;
}

void SqlBackend::drop_idle() {
  std::vector<std::unique_ptr<SqlConnection>> dropped;
  {
    std::lock_guard lock(idle_mutex_);
    dropped.swap(idle_);
  }
  // Closed outside the lock: closing one to a hung server can take a while.
}

void SqlBackend::pause_connecting() { no_connect_until_ms_ = to_unix_ms(Clock::now()) + kReconnectPauseMs; }

// Runs fn(connection) and hands the connection back while it is healthy.
// When the database failed (see sql_backend.hpp): the idle connections go,
// and the call is tried once more on a new connection only when the
// failure came fast and broke the connection (a restarted server), never
// on another idle one.
template <class T, class Fn>
Expected<T> SqlBackend::with_connection(Fn&& fn) {
  for (bool fresh = false;; fresh = true) {
    auto conn = take(fresh);
    if (!conn) return backend_error(name(), conn.error().message);
    const auto started = std::chrono::steady_clock::now();
    Result<T> r = fn(*conn.value());
    const bool healthy = conn.value()->healthy();
    if (healthy) {
      std::lock_guard lock(idle_mutex_);
      if (idle_.size() < kIdleConnections) idle_.push_back(std::move(conn.value()));
    }
    if (r) return std::move(r).value();
    if (healthy) {
      // The server answered: with a statement timeout (unavailable), a
      // pause; anything else is this call's alone. SQLite's "busy" is
      // contention on a local file, not a server in trouble: no pause.
      const bool timed_out = dialect_ == Dialect::mysql && r.error().kind == StoreError::Kind::unavailable;
      if (timed_out) pause_connecting();
      return backend_error(name(), r.error().message);
    }
    drop_idle();
    if (fresh || std::chrono::steady_clock::now() - started >= tuning_.slow_failure) {
      pause_connecting();
      return backend_error(name(), r.error().message);
    }
  }
}

template <class T, class Fn>
Result<T> SqlBackend::in_transaction(SqlConnection& c, Fn&& fn) {
  if (auto began = c.begin(); !began) return began.error();
  Result<T> r = fn();
  if (r) {
    if (auto committed = c.commit(); committed)
      return r;
    else
      r = committed.error();
  }
  (void)c.rollback();  // the error that matters is the first one
  return r;
}

Result<Done> SqlBackend::prepare_schema(SqlConnection& c) {
  if (auto tables = create_cache_tables(c); !tables) return tables;
  // The totals row exists before any write transaction locks it: InnoDB
  // locks the gap where a missing row would go, and two puts that both
  // found it missing deadlock on their inserts.
  bool present = false;
  auto read = c.query("SELECT id FROM aisbf_response_cache_state WHERE id = 1", {}, [&present](const SqlRow&) {
    present = true;
    return false;
  });
  if (!read) return read;
  if (present) return Done{};
  auto inserted = insert_state(c);
  // Another gateway on the same database was first: its row serves.
  if (!inserted && inserted.error().kind != StoreError::Kind::conflict) return inserted.error();
  return Done{};
}

// The totals, locked until the transaction ends; rebuilt from the table
// when the row is missing (a fresh schema, or someone deleted it).
Result<State> SqlBackend::lock_state(SqlConnection& c) {
  const char* sql = dialect_ == Dialect::mysql
                        ? "SELECT entries, bytes, next_seq FROM aisbf_response_cache_state WHERE id = 1 FOR UPDATE"
                        : "SELECT entries, bytes, next_seq FROM aisbf_response_cache_state WHERE id = 1";
  std::optional<State> state;
  auto read = c.query(sql, {}, [&state](const SqlRow& r) {
    state = State{std::max<std::int64_t>(0, r.integer(0)), std::max<std::int64_t>(0, r.integer(1)),
                  std::max<std::int64_t>(1, r.integer(2))};
    return false;
  });
  if (!read) return read.error();
  if (state) return *state;
  return insert_state(c);
}

// The totals row, counted from the table.
Result<State> SqlBackend::insert_state(SqlConnection& c) {
  State rebuilt;
  auto counted =
      c.query("SELECT COUNT(*), COALESCE(SUM(size_bytes), 0), COALESCE(MAX(seq), 0) FROM aisbf_response_cache", {},
              [&rebuilt](const SqlRow& r) {
                rebuilt = State{r.integer(0), r.integer(1), r.integer(2) + 1};
                return false;
              });
  if (!counted) return counted.error();
  // Two racing for it (the row deleted by hand): the loser's insert
  // conflicts and its call fails (a miss); the next one finds the row.
  const SqlValue p[] = {rebuilt.entries, rebuilt.bytes, rebuilt.next_seq};
  auto inserted =
      c.exec("INSERT INTO aisbf_response_cache_state (id, entries, bytes, next_seq) VALUES (1, ?, ?, ?)", p);
  if (!inserted) return inserted.error();
  return rebuilt;
}

Result<Done> SqlBackend::save_state(SqlConnection& c, const State& s) {
  const SqlValue p[] = {s.entries, s.bytes, s.next_seq};
  auto r = c.exec("UPDATE aisbf_response_cache_state SET entries = ?, bytes = ?, next_seq = ? WHERE id = 1", p);
  if (!r) return r.error();
  return Done{};
}

Result<SqlBackend::Found> SqlBackend::read(SqlConnection& c, std::string_view key, std::int64_t now_ms) {
  Found found;
  const SqlValue p[] = {std::string(key)};
  auto r = c.query("SELECT value, expires_ms, size_bytes, seq FROM aisbf_response_cache WHERE cache_key = ?", p,
                   [&](const SqlRow& row) {
                     const auto* value = std::get_if<std::string>(&row.columns[0]);
                     const bool readable = value != nullptr && is_int(row, 1) && is_int(row, 2) &&
                                           row.integer(2) == static_cast<std::int64_t>(value->size());
                     if (is_int(row, 3)) found.seq = row.integer(3);
                     if (readable && row.integer(1) > now_ms) {
                       found.value = *value;
                     } else {
                       found.stale = true;
                       found.damaged = !readable;
                     }
                     return false;
                   });
  if (!r) return r.error();
  return found;
}

// Removes the row read as stale, unless a put replaced it meanwhile (its
// seq changed). A damaged row's recorded size may be wrong: the totals are
// counted again then (rare, and exact).
Result<Done> SqlBackend::remove_stale(SqlConnection& c, std::string_view key, const Found& found) {
  const std::optional<std::int64_t>& seq = found.seq;
  return in_transaction<Done>(c, [&]() -> Result<Done> {
    auto state = lock_state(c);
    if (!state) return state.error();
    std::vector<SqlValue> p = {std::string(key)};
    std::string where = " WHERE cache_key = ?";
    if (seq) {
      where += " AND seq = ?";
      p.emplace_back(*seq);
    }
    auto rows = select_doomed(c, ("SELECT cache_key, size_bytes FROM aisbf_response_cache" + where).c_str(), p);
    if (!rows) return rows.error();
    if (rows->empty()) return Done{};
    if (auto d = delete_all(c, rows.value(), state.value()); !d) return d.error();
    if (found.damaged) {
      if (auto counted = recount(c, state.value()); !counted) return counted;
    }
    return save_state(c, state.value());
  });
}

// The totals as the table holds them now. A locking read on MySQL: under
// REPEATABLE READ a plain one would count the transaction's snapshot, with
// rows deleted since by someone who did not take the state lock.
Result<Done> SqlBackend::recount(SqlConnection& c, State& s) {
  const char* sql = dialect_ == Dialect::mysql
                        ? "SELECT COUNT(*), COALESCE(SUM(size_bytes), 0) FROM aisbf_response_cache LOCK IN SHARE MODE"
                        : "SELECT COUNT(*), COALESCE(SUM(size_bytes), 0) FROM aisbf_response_cache";
  return c.query(sql, {}, [&s](const SqlRow& r) {
    s.entries = std::max<std::int64_t>(0, r.integer(0));
    s.bytes = std::max<std::int64_t>(0, r.integer(1));
    return false;
  });
}

Result<std::vector<Doomed>> SqlBackend::select_doomed(SqlConnection& c, const char* sql,
                                                      std::span<const SqlValue> params) {
  std::vector<Doomed> rows;
  auto r = c.query(sql, params, [&rows](const SqlRow& row) {
    rows.push_back(Doomed{row.text(0), size_of(row, 1)});
    return true;
  });
  if (!r) return r.error();
  return rows;
}

// How many of `rows` were there to delete (a row deleted meanwhile by
// someone who did not take the state lock is not).
Result<std::int64_t> SqlBackend::delete_all(SqlConnection& c, const std::vector<Doomed>& rows, State& state) {
  std::int64_t removed = 0;
  for (const Doomed& row : rows) {
    const SqlValue p[] = {row.key};
    auto deleted = c.exec(kDeleteKey, p);
    if (!deleted) return deleted.error();
    if (deleted.value() > 0) {
      state.remove(row.size);
      ++removed;
    }
  }
  return removed;
}

// The oldest rows but `kept_key` go until the totals are within bounds.
// A row read here may be gone already: deleted by hand, after the snapshot
// that MySQL's REPEATABLE READ keeps showing. Then the totals are counted
// again, and a batch that removed nothing ends the round (reading again
// would show the same rows); the next put goes on.
Result<std::uint64_t> SqlBackend::evict(SqlConnection& c, std::string_view kept_key, std::int64_t kept_size,
                                        State& state) {
  static const std::string kOldest =
      "SELECT cache_key, size_bytes FROM aisbf_response_cache WHERE cache_key <> ? ORDER BY seq LIMIT " +
      std::to_string(kEvictBatch);
  std::uint64_t evicted = 0;
  const SqlValue p[] = {std::string(kept_key)};
  while (over(state)) {
    auto oldest = select_doomed(c, kOldest.c_str(), p);
    if (!oldest) return oldest.error();
    if (oldest->empty()) {
      // Only the new entry is left: the totals are known exactly again.
      state.entries = 1;
      state.bytes = kept_size;
      break;
    }
    std::uint64_t removed = 0;
    bool recounted = false;
    for (const Doomed& row : oldest.value()) {
      if (!over(state)) break;
      auto d = delete_all(c, {row}, state);
      if (!d) return d.error();
      if (d.value() > 0) {
        ++removed;
      } else if (!recounted) {
        if (auto counted = recount(c, state); !counted) return counted.error();
        recounted = true;
      }
    }
    evicted += removed;
    if (removed == 0) break;
  }
  return evicted;
}

Result<SqlBackend::Stored> SqlBackend::store(SqlConnection& c, std::string_view key, const EntryLabels& labels,
                                             std::string_view value, std::int64_t expires_ms) {
  return in_transaction<Stored>(c, [&]() -> Result<Stored> {
    auto state = lock_state(c);
    if (!state) return state.error();
    State& s = state.value();
    const SqlValue k[] = {std::string(key)};
    auto replaced = select_doomed(c, "SELECT cache_key, size_bytes FROM aisbf_response_cache WHERE cache_key = ?", k);
    if (!replaced) return replaced.error();
    const SqlValue now[] = {to_unix_ms(Clock::now())};
    auto expired = select_doomed(c,
                                 ("SELECT cache_key, size_bytes FROM aisbf_response_cache WHERE expires_ms <= ? "
                                  "ORDER BY expires_ms LIMIT " +
                                  std::to_string(kSweepBatch))
                                     .c_str(),
                                 now);
    if (!expired) return expired.error();
    replaced->insert(replaced->end(), expired->begin(), expired->end());
    if (auto d = delete_all(c, replaced.value(), s); !d) return d.error();

    const auto size = static_cast<std::int64_t>(value.size());
    const SqlValue row[] = {std::string(key),
                            std::string(labels.space),
                            std::string(labels.provider),
                            std::string(labels.model),
                            expires_ms,
                            s.next_seq,
                            size,
                            std::string(value)};
    auto inserted = c.exec(
        "INSERT INTO aisbf_response_cache (cache_key, space, provider, model, expires_ms, seq, size_bytes, value) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        row);
    if (!inserted) return inserted.error();
    ++s.next_seq;
    ++s.entries;
    s.bytes += size;
    auto evicted = evict(c, key, size, s);
    if (!evicted) return evicted.error();
    if (auto saved = save_state(c, s); !saved) return saved.error();
    return Stored{true, evicted.value()};
  });
}

Expected<std::optional<std::string>> SqlBackend::get(std::string_view key, Clock::time_point now) {
  if (!valid_key(key)) return std::optional<std::string>{};
  const std::int64_t now_ms = to_unix_ms(now);
  auto found = with_connection<Found>([&](SqlConnection& c) { return read(c, key, now_ms); });
  if (!found) return found.error();
  if (found->stale) {
    // A miss either way: a failed removal is tried again by the next get.
    (void)with_connection<Done>([&](SqlConnection& c) { return remove_stale(c, key, found.value()); });
  }
  return std::move(found->value);
}

Expected<bool> SqlBackend::put(std::string_view key, const EntryLabels& labels, std::string_view value,
                               Clock::time_point expires) {
  if (!valid_key(key)) return backend_error(name(), "a key that is not a hex digest");
  const std::int64_t expires_ms = to_unix_ms(expires);
  if (!keepable(value.size(), limits_, expires_ms)) return false;
  auto stored = with_connection<Stored>([&](SqlConnection& c) { return store(c, key, labels, value, expires_ms); });
  if (!stored) return stored.error();
  evictions_ += stored->evicted;
  return stored->kept;
}

Result<std::uint64_t> SqlBackend::clear_some(SqlConnection& c, const ClearFilter& filter) {
  return in_transaction<std::uint64_t>(c, [&]() -> Result<std::uint64_t> {
    auto state = lock_state(c);
    if (!state) return state.error();
    std::string sql = "DELETE FROM aisbf_response_cache WHERE 1 = 1";
    std::vector<SqlValue> p;
    const std::pair<const char*, const std::optional<std::string>*> fields[] = {
        {" AND space = ?", &filter.space}, {" AND provider = ?", &filter.provider}, {" AND model = ?", &filter.model}};
    for (const auto& [clause, field] : fields) {
      if (!*field) continue;
      sql += clause;
      p.emplace_back(**field);
    }
    auto deleted = c.exec(sql, p);
    if (!deleted) return deleted.error();
    // Recounted rather than adjusted: this also mends totals that rows
    // written by hand put out of step.
    State s = state.value();
    if (auto counted = recount(c, s); !counted) return counted.error();
    if (auto saved = save_state(c, s); !saved) return saved.error();
    return static_cast<std::uint64_t>(deleted.value());
  });
}

Expected<std::uint64_t> SqlBackend::clear(const ClearFilter& filter) {
  auto cleared = with_connection<std::uint64_t>([&](SqlConnection& c) { return clear_some(c, filter); });
  if (cleared && !filter.space && !filter.provider && !filter.model) evictions_ = 0;
  return cleared;
}

Expected<BackendStats> SqlBackend::stats() {
  auto totals = with_connection<State>([](SqlConnection& c) -> Result<State> {
    State s;
    auto r = c.query("SELECT entries, bytes, next_seq FROM aisbf_response_cache_state WHERE id = 1", {},
                     [&s](const SqlRow& row) {
                       s = State{row.integer(0), row.integer(1), row.integer(2)};
                       return false;
                     });
    if (!r) return r.error();
    return s;
  });
  if (!totals) return totals.error();
  return BackendStats{static_cast<std::uint64_t>(std::max<std::int64_t>(0, totals->entries)),
                      static_cast<std::uint64_t>(std::max<std::int64_t>(0, totals->bytes)), evictions_.load()};
}

}  // namespace

std::unique_ptr<Backend> make_sql_backend(Dialect dialect, store::SqlConnector connector, BackendLimits limits,
                                          SqlBackendTuning tuning) {
  return std::make_unique<SqlBackend>(dialect, std::move(connector), limits, tuning);
}

}  // namespace aisbf::cache
