// Migrations. Each step is idempotent (IF NOT EXISTS) because MySQL commits
// DDL implicitly: a step interrupted there is simply run again, and its
// version is recorded last. Column choices that every dialect accepts:
// VARCHAR(n) for keys and indexed columns (MySQL cannot index TEXT), BIGINT
// milliseconds for times, 0/1 integers for booleans. `usage` and `key` are
// reserved words in MySQL, hence usage_rows and meta.meta_key.
#include "store/migrations.hpp"

#include <array>
#include <chrono>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "store/usage_latency.hpp"

namespace aisbf::store {

namespace {

using Steps = std::vector<std::string_view>;

const Steps kVersion1 = {
    R"(CREATE TABLE IF NOT EXISTS users (
  username VARCHAR(64) NOT NULL PRIMARY KEY,
  role VARCHAR(16) NOT NULL,
  active INTEGER NOT NULL,
  allow_private_endpoints INTEGER NOT NULL,
  password_hash TEXT NOT NULL,
  quotas_json {DOC} NOT NULL,
  created_ms BIGINT NOT NULL,
  last_login_ms BIGINT NOT NULL){TABLE})",
    R"(CREATE TABLE IF NOT EXISTS api_tokens (
  id VARCHAR(64) NOT NULL PRIMARY KEY,
  username VARCHAR(64) NOT NULL,
  token_hash VARCHAR(64) NOT NULL,
  description TEXT NOT NULL,
  quotas_json {DOC} NOT NULL,
  created_ms BIGINT NOT NULL,
  last_used_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  active INTEGER NOT NULL,
  CONSTRAINT api_tokens_hash UNIQUE (token_hash),
  CONSTRAINT api_tokens_user FOREIGN KEY (username) REFERENCES users (username) ON DELETE CASCADE){TABLE})",
    "CREATE INDEX IF NOT EXISTS api_tokens_by_user ON api_tokens (username, created_ms)",
    R"(CREATE TABLE IF NOT EXISTS sessions (
  id_hash VARCHAR(64) NOT NULL PRIMARY KEY,
  username VARCHAR(64) NOT NULL,
  csrf_token VARCHAR(128) NOT NULL,
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  CONSTRAINT sessions_user FOREIGN KEY (username) REFERENCES users (username) ON DELETE CASCADE){TABLE})",
    "CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_ms)",
    R"(CREATE TABLE IF NOT EXISTS config_docs (
  username VARCHAR(64) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  id VARCHAR(128) NOT NULL,
  json {DOC} NOT NULL,
  updated_ms BIGINT NOT NULL,
  PRIMARY KEY (username, kind, id),
  CONSTRAINT config_docs_user FOREIGN KEY (username) REFERENCES users (username) ON DELETE CASCADE){TABLE})",
    R"(CREATE TABLE IF NOT EXISTS usage_rows (
  id {AUTO_ID},
  time_ms BIGINT NOT NULL,
  username VARCHAR(64) NOT NULL,
  token_id VARCHAR(64) NOT NULL,
  route VARCHAR(64) NOT NULL,
  requested_model VARCHAR(255) NOT NULL,
  provider VARCHAR(128) NOT NULL,
  model VARCHAR(191) NOT NULL,
  rotation VARCHAR(128) NOT NULL,
  attempts INTEGER NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL,
  cache_write_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL,
  tokens_estimated INTEGER NOT NULL,
  cost DOUBLE PRECISION NULL,
  latency_ms BIGINT NOT NULL,
  ttfb_ms BIGINT NOT NULL,
  status INTEGER NOT NULL,
  error_kind VARCHAR(64) NOT NULL,
  streamed INTEGER NOT NULL,
  aborted INTEGER NOT NULL){TABLE})",
    "CREATE INDEX IF NOT EXISTS usage_rows_by_time ON usage_rows (time_ms)",
    "CREATE INDEX IF NOT EXISTS usage_rows_by_user ON usage_rows (username, time_ms)",
    R"(CREATE TABLE IF NOT EXISTS usage_hourly (
  hour_ms BIGINT NOT NULL,
  username VARCHAR(64) NOT NULL,
  token_id VARCHAR(64) NOT NULL,
  provider VARCHAR(128) NOT NULL,
  model VARCHAR(191) NOT NULL,
  rotation VARCHAR(128) NOT NULL,
  requests BIGINT NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL,
  cache_write_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL,
  cost DOUBLE PRECISION NOT NULL,
  unpriced BIGINT NOT NULL,
  PRIMARY KEY (hour_ms, username, token_id, provider, model, rotation)){ROLLUP})",
    // The same rollup by UTC day: a month grouped by day reads ~30 × the
    // distinct dimensions, not 720 ×.
    R"(CREATE TABLE IF NOT EXISTS usage_daily (
  day_ms BIGINT NOT NULL,
  username VARCHAR(64) NOT NULL,
  token_id VARCHAR(64) NOT NULL,
  provider VARCHAR(128) NOT NULL,
  model VARCHAR(191) NOT NULL,
  rotation VARCHAR(128) NOT NULL,
  requests BIGINT NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL,
  cache_write_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL,
  cost DOUBLE PRECISION NOT NULL,
  unpriced BIGINT NOT NULL,
  PRIMARY KEY (day_ms, username, token_id, provider, model, rotation)){ROLLUP})",
    R"(CREATE TABLE IF NOT EXISTS meta (
  meta_key VARCHAR(128) NOT NULL PRIMARY KEY,
  meta_value {DOC} NOT NULL){TABLE})",
};

// usage_rows keeps one index besides its key, by time: every query of raw
// rows is a time range (the report's partial edge hours, the export, the
// pruning), with the other filters applied to the range. The index by
// (username, time_ms) served only an export filtered by user, and cost
// every insert a write at a random place in it: with 20 users taking
// turns, the writer thread spent 3× the CPU per row.
const Steps kVersion2 = {
    "DROP INDEX IF EXISTS usage_rows_by_user{ON usage_rows}",
};

// usage.effective_context (issue 10): rows from before read 0, not counted.
const Steps kVersion3 = {
    "ALTER TABLE usage_rows {ADD_COLUMN} effective_context BIGINT NOT NULL DEFAULT 0",
};

// An autoselect's choice (issue 11): the candidate's model_id and how it was
// chosen (llm, semantic, cache, fallback, only). NULL: the request named no
// autoselect (every row from before, the selection and classification
// calls' own rows), so "no choice" is never mistaken for a choice "".
const Steps kVersion4 = {
    "ALTER TABLE usage_rows {ADD_COLUMN} autoselected VARCHAR(255) NULL",
    "ALTER TABLE usage_rows {ADD_COLUMN} autoselected_by VARCHAR(16) NULL",
};

// Autoselect's description vectors (issue 11), kept across restarts and
// shared by the instances on one database. The vector is text: standard
// base64 of its floats, little-endian (PostgreSQL's text refuses the NUL
// bytes raw floats hold, and the drivers bind no blobs); `dims` says how
// many floats it must decode to. Pruned by created_ms (the index).
const Steps kVersion5 = {
    R"(CREATE TABLE IF NOT EXISTS description_vectors (
  model_sha256 VARCHAR(64) NOT NULL,
  text_sha256 VARCHAR(64) NOT NULL,
  dims INTEGER NOT NULL,
  vector_base64 {DOC} NOT NULL,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (model_sha256, text_sha256)){TABLE})",
    "CREATE INDEX IF NOT EXISTS description_vectors_by_time ON description_vectors (created_ms)",
};

// Stored OpenAI Responses (issue 14): the conversation a response answered
// (its input items, each with an id) and the response object the client
// saw, for previous_response_id and GET/DELETE /v1/responses/{id}. Keyed by
// (owner, id): owner is the user namespace, '' the global one, so another
// namespace's id is simply absent. Pruned by expires_ms (TTL) and, past an
// owner's row bound, by (owner, created_ms): both indexed.
const Steps kVersion6 = {
    R"(CREATE TABLE IF NOT EXISTS stored_responses (
  owner VARCHAR(64) NOT NULL,
  id VARCHAR(128) NOT NULL,
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  input_json {DOC} NOT NULL,
  response_json {DOC} NOT NULL,
  PRIMARY KEY (owner, id)){TABLE})",
    "CREATE INDEX IF NOT EXISTS stored_responses_by_expiry ON stored_responses (expires_ms)",
    "CREATE INDEX IF NOT EXISTS stored_responses_by_owner_time ON stored_responses (owner, created_ms)",
};

// A password the user did not choose (the generated first admin's, one an
// admin set): the dashboard asks for a new one before anything else.
// Users from before chose theirs, or were told it: 0.
const Steps kVersion7 = {
    "ALTER TABLE users {ADD_COLUMN} must_change_password INTEGER NOT NULL DEFAULT 0",
};

// The usage report's errors and latency percentiles (issue 15): each
// rollup row counts its errors (store.hpp's usage_is_error) and its requests per
// latency bucket (usage_latency.hpp: one column per fixed bound, merged by
// the upsert's addition like every other counter). Rollup rows from before
// read 0 errors and an empty histogram (no percentile) until new rows add
// to them; the raw rows keep status, error_kind and latency_ms as ever, so
// partial edge hours and minute buckets are exact for every row.
// PostgreSQL and MariaDB add a table's 28 columns in one ALTER TABLE (one
// rewrite or metadata change of a large rollup table, not 28); SQLite adds
// one column per statement (its ALTER TABLE takes one clause).
const Steps& version_eight(Dialect dialect) {
  auto texts_of = [](bool one_per_statement) {
    std::vector<std::string> t;
    for (std::string_view table : {"usage_hourly", "usage_daily"}) {
      std::vector<std::string> clauses = {"{ADD_COLUMN} errors BIGINT NOT NULL DEFAULT 0"};
      for (std::string_view column : kLatencyColumns) {
        clauses.push_back(fmt::format("{{ADD_COLUMN}} {} BIGINT NOT NULL DEFAULT 0", column));
      }
      if (one_per_statement) {
        for (const std::string& clause : clauses) t.push_back(fmt::format("ALTER TABLE {} {}", table, clause));
      } else {
        t.push_back(fmt::format("ALTER TABLE {} {}", table, fmt::join(clauses, ", ")));
      }
    }
    return t;
  };
  static const std::vector<std::string> single = texts_of(true), joined = texts_of(false);
  static const Steps single_steps(single.begin(), single.end()), joined_steps(joined.begin(), joined.end());
  return dialect == Dialect::sqlite ? single_steps : joined_steps;
}

// The steps of each version, in the dialect's form where they differ.
// Released versions are frozen: a change is a new version.
constexpr std::array<const Steps*, 7> kMigrations = {&kVersion1, &kVersion2, &kVersion3, &kVersion4,
                                                     &kVersion5, &kVersion6, &kVersion7};
constexpr std::size_t kVersions = kMigrations.size() + 1;  // and version_eight

const Steps& steps_of(int version, Dialect dialect) {
  if (version == 8) return version_eight(dialect);
  return *kMigrations[static_cast<std::size_t>(version) - 1];
}

constexpr std::string_view kCreateMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, "
    "applied_ms BIGINT NOT NULL){TABLE}";

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

Result<bool> migrations_table_exists(SqlConnection& conn) {
  std::string_view sql;
  switch (conn.dialect()) {
    case Dialect::sqlite:
      sql = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
      break;
    case Dialect::postgres:
      sql =
          "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() "
          "AND table_name = 'schema_migrations'";
      break;
    case Dialect::mysql:
      sql =
          "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
          "AND table_name = 'schema_migrations'";
      break;
  }
  std::int64_t count = 0;
  auto r = conn.query(sql, {}, [&](const SqlRow& row) {
    count = row.integer(0);
    return false;
  });
  if (!r) return r.error();
  return count > 0;
}

Result<Done> apply(SqlConnection& conn, int version) {
  if (auto r = conn.begin(); !r) return r.error();
  auto fail = [&](StoreError error) -> Result<Done> {
    conn.rollback();
    error.message = fmt::format("migration to schema version {}: {}", version, error.message);
    return error;
  };
  for (std::string_view step : steps_of(version, conn.dialect())) {
    if (auto r = conn.exec(dialect_sql(conn.dialect(), step)); !r) return fail(r.error());
  }
  const SqlValue params[] = {std::int64_t{version}, now_ms()};
  if (auto r = conn.exec("INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)", params); !r) {
    return fail(r.error());
  }
  if (auto r = conn.commit(); !r) return fail(r.error());
  return Done{};
}

}  // namespace

int latest_schema_version() { return static_cast<int>(kVersions); }

std::string dialect_sql(Dialect dialect, std::string_view portable) {
  std::string sql(portable);
  const bool mysql = dialect == Dialect::mysql;
  std::string_view auto_id = dialect == Dialect::sqlite     ? "INTEGER PRIMARY KEY"
                             : dialect == Dialect::postgres ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                                                            : "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY";
  replace_all(sql, "{AUTO_ID}", auto_id);
  replace_all(sql, "{DOC}", mysql ? "MEDIUMTEXT" : "TEXT");
  // DROP INDEX names its table in MySQL (MariaDB's IF EXISTS keeps the
  // step idempotent), not in SQLite and PostgreSQL.
  replace_all(sql, "{ON usage_rows}", mysql ? " ON usage_rows" : "");
  // SQLite has no IF NOT EXISTS here, and needs none: its DDL is
  // transactional, so a step is never left half done (MySQL's is not).
  replace_all(sql, "{ADD_COLUMN}", dialect == Dialect::sqlite ? "ADD COLUMN" : "ADD COLUMN IF NOT EXISTS");
  // Rollups are read by primary-key ranges: in SQLite, WITHOUT ROWID
  // stores them in key order, so a month's scan reads rows, not an index
  // then a row per entry (InnoDB clusters by primary key already).
  replace_all(sql, "{ROLLUP}", dialect == Dialect::sqlite ? " WITHOUT ROWID" : "{TABLE}");
  replace_all(sql, "{TABLE}", mysql ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : "");
  return sql;
}

Result<int> read_schema_version(SqlConnection& conn) {
  auto exists = migrations_table_exists(conn);
  if (!exists) return exists.error();
  if (!exists.value()) return 0;
  int version = 0;
  auto r = conn.query("SELECT MAX(version) FROM schema_migrations", {}, [&](const SqlRow& row) {
    version = row.is_null(0) ? 0 : static_cast<int>(row.integer(0));
    return false;
  });
  if (!r) return r.error();
  return version;
}

Result<int> run_migrations(SqlConnection& conn) {
  auto current = read_schema_version(conn);
  if (!current) return current.error();
  const int known = latest_schema_version();
  if (current.value() > known) {
    return StoreError{StoreError::Kind::schema_too_new,
                      fmt::format("the database is at schema version {}, this aisbf knows up to version {}: "
                                  "it was migrated by a newer aisbf; upgrade aisbf (nothing was changed)",
                                  current.value(), known)};
  }
  if (current.value() == known) return known;
  if (auto r = conn.exec(dialect_sql(conn.dialect(), kCreateMigrations)); !r) return r.error();
  for (int version = current.value() + 1; version <= known; ++version) {
    if (auto r = apply(conn, version); !r) return r.error();
  }
  return known;
}

}  // namespace aisbf::store
