// The SQLite driver: one sqlite3 handle per SqlConnection, WAL, a busy
// timeout, and a small cache of prepared statements keyed by SQL text (the
// Store runs the same few dozen statements over and over).
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "store/sql_driver.hpp"

namespace aisbf::store {

namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr int kWalRetryMs = 5;
constexpr std::size_t kStatementCacheSize = 64;

StoreError sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  const char* text = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  StoreError::Kind kind = StoreError::Kind::internal;
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
        kind = StoreError::Kind::conflict;
      } else {
        kind = StoreError::Kind::invalid;  // NOT NULL, FOREIGN KEY, CHECK
      }
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_IOERR:
      kind = StoreError::Kind::unavailable;
      break;
    default:
      break;
  }
  // sqlite3_errmsg names tables and columns, never bound values.
  return StoreError{kind, fmt::format("sqlite: {}: {}", what, text)};
}

// Creates missing parent directories 0700 and the file 0600, so that a
// fresh database is never readable by others (it holds password hashes).
Result<Done> prepare_file(const std::string& path) {
  if (path == ":memory:" || path.empty()) return Done{};
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::vector<std::filesystem::path> missing;
  for (auto p = parent; !p.empty() && !std::filesystem::exists(p); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return StoreError{StoreError::Kind::unavailable,
                        fmt::format("sqlite: cannot create directory {}: {}", it->string(), std::strerror(errno))};
    }
  }
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return StoreError{StoreError::Kind::unavailable,
                      fmt::format("sqlite: cannot open {}: {}", path, std::strerror(errno))};
  }
  ::close(fd);
  return Done{};
}

class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Dialect dialect() const override { return Dialect::sqlite; }
  bool healthy() const override { return healthy_; }

  Result<std::int64_t> exec(std::string_view sql, std::span<const SqlValue> params) override {
    auto stmt = prepare(sql, params);
    if (!stmt) return stmt.error();
    int rc = SQLITE_ROW;
    while (rc == SQLITE_ROW) rc = sqlite3_step(stmt.value());
    sqlite3_reset(stmt.value());
    if (rc != SQLITE_DONE) return fail(rc, "exec");
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
  }

  Result<Done> query(std::string_view sql, std::span<const SqlValue> params,
                     const std::function<bool(const SqlRow&)>& row) override {
    auto stmt = prepare(sql, params);
    if (!stmt) return stmt.error();
    sqlite3_stmt* s = stmt.value();
    std::vector<SqlValue> values(static_cast<std::size_t>(sqlite3_column_count(s)));
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      for (int i = 0; i < static_cast<int>(values.size()); ++i) values[i] = column(s, i);
      if (!row(SqlRow{values})) {
        rc = SQLITE_DONE;
        break;
      }
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return fail(rc, "query");
    return Done{};
  }

  Result<Done> exec_script(std::string_view sql) override {
    std::string text(sql);
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return fail(rc, "script");
    return Done{};
  }

  // IMMEDIATE: take the write lock at BEGIN, so that two writers queue on
  // the busy timeout instead of one failing on a read-to-write upgrade.
  Result<Done> begin() override { return simple("BEGIN IMMEDIATE"); }
  Result<Done> commit() override { return simple("COMMIT"); }
  Result<Done> rollback() override {
    if (sqlite3_get_autocommit(db_) != 0) return Done{};  // SQLite already rolled back
    return simple("ROLLBACK");
  }

 private:
  Result<Done> simple(const char* sql) {
    auto r = exec(sql, {});
    if (!r) return r.error();
    return Done{};
  }

  StoreError fail(int rc, std::string_view what) {
    int primary = rc & 0xff;
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB || primary == SQLITE_IOERR) healthy_ = false;
    return sqlite_error(db_, rc, what);
  }

  static SqlValue column(sqlite3_stmt* s, int i) {
    switch (sqlite3_column_type(s, i)) {
      case SQLITE_INTEGER:
        return static_cast<std::int64_t>(sqlite3_column_int64(s, i));
      case SQLITE_FLOAT:
        return sqlite3_column_double(s, i);
      case SQLITE_NULL:
        return std::monostate{};
      default: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
        return std::string(text != nullptr ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
      }
    }
  }

  Result<sqlite3_stmt*> prepare(std::string_view sql, std::span<const SqlValue> params) {
    sqlite3_stmt* stmt = nullptr;
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) {
      stmt = it->second;
    } else {
      if (cache_.size() >= kStatementCacheSize) clear_cache();
      int rc =
          sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) return fail(rc, "prepare");
      cache_.emplace(std::string(sql), stmt);
    }
    // Every parameter is bound again below (the count is checked), so the
    // previous call's bindings need no clearing.
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
      return StoreError{StoreError::Kind::internal, fmt::format("sqlite: {} parameters given, the statement has {}",
                                                                params.size(), sqlite3_bind_parameter_count(stmt))};
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      int rc = bind(stmt, static_cast<int>(i) + 1, params[i]);
      if (rc != SQLITE_OK) return fail(rc, "bind");
    }
    return stmt;
  }

  // Text is bound without a copy (SQLITE_STATIC): the caller's values
  // outlive the statement's steps (exec and query step and reset before
  // they return), and the next call binds every parameter again before it
  // steps. Copying cost a malloc and a free per text value, a large part
  // of a usage batch's insert.
  static int bind(sqlite3_stmt* stmt, int index, const SqlValue& v) {
    if (const auto* n = std::get_if<std::int64_t>(&v)) return sqlite3_bind_int64(stmt, index, *n);
    if (const auto* d = std::get_if<double>(&v)) return sqlite3_bind_double(stmt, index, *d);
    if (const auto* s = std::get_if<std::string>(&v)) {
      return sqlite3_bind_text64(stmt, index, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
    }
    return sqlite3_bind_null(stmt, index);
  }

  void clear_cache() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    cache_.clear();
  }

  sqlite3* db_;
  bool healthy_ = true;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

Result<std::unique_ptr<SqlConnection>> open_sqlite(const std::string& path) {
  if (auto prepared = prepare_file(path); !prepared) return prepared.error();
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    StoreError error = sqlite_error(db, rc, "open");
    error.kind = StoreError::Kind::unavailable;
    sqlite3_close_v2(db);
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  auto connection = std::make_unique<SqliteConnection>(db);
  // Asking for WAL can meet SQLITE_BUSY at once, without the busy handler,
  // when it races another connection's close (the last one to close
  // checkpoints and removes the WAL file, which this one must then make
  // anew): a pool that opens and closes connections under load failed a
  // call now and then (1 run in ~200 of the cache backend's threads test).
  // Tried again until the busy timeout, as a lock would be (this runs on a
  // DB pool thread).
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(kWalRetryMs));
  }
  if (rc != SQLITE_OK) return sqlite_error(db, rc, "journal_mode");
  if (auto r = connection->exec_script("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"); !r) return r.error();
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

}  // namespace

SqlConnector sqlite_connector(std::string path) {
  return [path = std::move(path)]() { return open_sqlite(path); };
}

}  // namespace aisbf::store
