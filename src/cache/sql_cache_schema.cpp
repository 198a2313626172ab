#include "cache/sql_cache_schema.hpp"

namespace aisbf::cache {
namespace {

using store::Dialect;
using store::Done;
using store::Result;
using store::SqlRow;
using store::StoreError;

constexpr const char* kSqliteSchema = R"sql(
CREATE TABLE IF NOT EXISTS aisbf_response_cache (
  cache_key TEXT NOT NULL PRIMARY KEY,
  space TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,
  expires_ms INTEGER NOT NULL, seq INTEGER NOT NULL, size_bytes INTEGER NOT NULL,
  value BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS aisbf_response_cache_by_seq ON aisbf_response_cache (seq);
CREATE INDEX IF NOT EXISTS aisbf_response_cache_by_expiry ON aisbf_response_cache (expires_ms);
CREATE TABLE IF NOT EXISTS aisbf_response_cache_state (
  id INTEGER NOT NULL PRIMARY KEY, entries INTEGER NOT NULL, bytes INTEGER NOT NULL,
  next_seq INTEGER NOT NULL);
)sql";

// utf8mb4_bin: labels compare byte for byte, as in SQLite (a clear for
// user "Alice" must not take "alice"'s entries).
constexpr const char* kMysqlSchema = R"sql(
CREATE TABLE IF NOT EXISTS aisbf_response_cache (
  cache_key VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  space TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,
  expires_ms BIGINT NOT NULL, seq BIGINT NOT NULL, size_bytes BIGINT NOT NULL,
  value LONGBLOB NOT NULL,
  INDEX aisbf_response_cache_by_seq (seq),
  INDEX aisbf_response_cache_by_expiry (expires_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS aisbf_response_cache_state (
  id INTEGER NOT NULL PRIMARY KEY, entries BIGINT NOT NULL, bytes BIGINT NOT NULL,
  next_seq BIGINT NOT NULL
) ENGINE=InnoDB;
)sql";

// Fails unless both tables have the columns used below.
constexpr const char* kProbeEntries =
    "SELECT cache_key, space, provider, model, expires_ms, seq, size_bytes, value FROM aisbf_response_cache "
    "WHERE 1 = 0";
constexpr const char* kProbeState = "SELECT id, entries, bytes, next_seq FROM aisbf_response_cache_state WHERE 1 = 0";
constexpr const char* kDropTables =
    "DROP TABLE IF EXISTS aisbf_response_cache; "
    "DROP TABLE IF EXISTS aisbf_response_cache_state;";

}  // namespace

Result<Done> create_cache_tables(store::SqlConnection& c) {
  auto probe = [&c] {
    auto none = [](const SqlRow&) { return false; };
    if (auto r = c.query(kProbeEntries, {}, none); !r) return r;
    return c.query(kProbeState, {}, none);
  };
  if (auto probed = probe(); !probed) {
    // A lost connection says nothing about the schema: keep the tables.
    if (probed.error().kind == StoreError::Kind::unavailable) return probed.error();
    if (auto dropped = c.exec_script(kDropTables); !dropped) return dropped.error();
  }
  return c.exec_script(c.dialect() == Dialect::mysql ? kMysqlSchema : kSqliteSchema);
}

}  // namespace aisbf::cache
