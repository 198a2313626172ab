// Store: what aisbf keeps in a database (users, API tokens, dashboard
// sessions, users' own provider/rotation/autoselect documents, usage rows)
// behind one interface with three backends (SQLite, PostgreSQL, MariaDB).
//
// Every method blocks on the database: call it only from the DB thread pool
// (pipeline/db_pool.hpp), never on an event-loop thread. Implementations are
// thread-safe (a connection per calling thread, or a lock). Errors are
// values: nothing throws out of a method.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/usage_latency.hpp"

namespace aisbf::store {

using UnixMs = std::int64_t;  // milliseconds since the epoch, UTC

struct StoreError {
  enum class Kind : std::uint8_t {
    unavailable,     // cannot reach the database, or it timed out: 503 on routes that need it
    conflict,        // a unique key exists already: 409
    not_found,       // no such row: 404
    invalid,         // a value the schema refuses: 400
    schema_too_new,  // the database was migrated by a newer aisbf: refuse to start
    internal,        // anything else: 500 (the message goes to the log, not to clients)
  };
  Kind kind = Kind::internal;
  std::string message;  // never holds a secret or a bound value
};

// A value or a StoreError (g++ 12 has no std::expected).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(StoreError error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const StoreError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, StoreError> v_;
};
struct Done {};  // Result<Done>: success without a value

enum class UserRole : std::uint8_t { user, admin };

struct User {
  std::string username;       // the key: [a-z0-9][a-z0-9_.-]{0,62}
  UserRole role = UserRole::user;
  bool active = true;
  bool allow_private_endpoints = false;  // may this user's providers point at private addresses
  std::string password_hash;  // crypto_pwhash_str (argon2id), or "sha256:<hex>" imported from AISBF once
  std::string quotas_json;    // {} or the user's quotas (auth/quotas.hpp reads it); opaque here
  UnixMs created_ms = 0;
  UnixMs last_login_ms = 0;   // 0: never
  // The password was generated (the first admin's) or set by an admin: the
  // user's dashboard sessions may do nothing but change it (schema 7).
  // change_password clears it.
  bool must_change_password = false;
};

struct ApiToken {
  std::string id;          // random, public (shown in lists, used in URLs and usage rows)
  std::string username;    // owner
  std::string token_hash;  // lowercase hex SHA-256 of the whole token ("aisbf_…"); the token itself is never stored
  std::string description;
  std::string quotas_json;  // {} or the token's own quotas
  UnixMs created_ms = 0;
  UnixMs last_used_ms = 0;  // 0: never; written in batches (touch_tokens)
  UnixMs expires_ms = 0;    // 0: never
  bool active = true;
};

struct Session {
  std::string id_hash;     // hex SHA-256 of the cookie's value; the value itself is never stored
  std::string username;
  std::string csrf_token;  // sent back by the dashboard in X-CSRF-Token
  UnixMs created_ms = 0;
  UnixMs expires_ms = 0;
};

// A user's own provider, rotation or autoselect: one entry of the matching
// global file, as JSON text (the same shape; config/ validates it).
enum class DocKind : std::uint8_t { provider, rotation, autoselect };
struct ConfigDoc {
  std::string username;
  DocKind kind = DocKind::provider;
  std::string id;    // the provider / rotation / autoselect id within the user's namespace
  std::string json;  // the entry (an object); provider api keys inside are already encrypted (auth/secret_box.hpp)
  UnixMs updated_ms = 0;
};

// One served (or refused, or failed) request.
struct UsageRecord {
  UnixMs time_ms = 0;        // when the request arrived
  std::string username;      // empty: a global token or anonymous
  std::string token_id;      // ApiToken::id, or "auth.tokens[i]" for a global token; empty: none
  std::string route;         // the route's name in the route table ("chat", "messages", …)
  std::string requested_model;  // as the client sent it
  std::string provider;      // resolved provider id of the attempt that answered (or the last one tried)
  std::string model;         // its upstream model name
  std::string rotation;      // rotation or autoselect id, empty when none
  int attempts = 0;
  std::int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0, cache_write_tokens = 0,
               reasoning_tokens = 0;
  bool tokens_estimated = false;  // the upstream sent no usage
  std::optional<double> cost;     // USD; nullopt: the model has no prices (never a silent 0)
  std::int64_t latency_ms = 0;    // arrival to the last byte sent
  std::int64_t ttfb_ms = -1;      // arrival to the first byte sent; -1: none sent
  int status = 0;                 // the HTTP status the client got (a side call's row: its answer's); 0: none
  std::string error_kind;         // error_kind_name() when it failed, else empty
  bool streamed = false;
  bool aborted = false;           // the client left before the end (what was delivered is recorded)
  // The prompt as sent upstream (after condensation), counted by the
  // gateway with the chat rule: the answer's usage.effective_context. 0: not
  // counted (no attempt answered, or a row from before schema version 3).
  std::int64_t effective_context = 0;
  // The candidate an autoselect chose (its model_id as configured; the
  // served target is `provider`/`model`) and how: "llm", "semantic",
  // "cache", "fallback" or "only" (the answer's x-aisbf-autoselected).
  // Empty (NULL in the table): no autoselect was asked, or its choice failed
  // (a 403 of the content filter), or a row from before schema version 4.
  std::string autoselected;
  std::string autoselected_by;
};

// The routes of the calls a request makes for itself (pipeline/side_call.hpp,
// semantic autoselect's embeddings): rows of their own under the caller,
// whose failure the client never sees as such (the request falls back, or
// fails with its own row).
inline constexpr std::array<std::string_view, 3> kSideCallRoutes = {"autoselect", "classification", "condensation"};
inline bool usage_is_side_call(std::string_view route) {
  return std::find(kSideCallRoutes.begin(), kSideCallRoutes.end(), route) != kSideCallRoutes.end();
}

// A request the client got an error for: a row of a client route (not a
// side call) that the client did not leave (aborted: it saw no error,
// whatever status or error kind its row names for the cancelled upstream
// call), with a status of 400 or more or an error kind (a stream that
// failed after its 200 head). The usage reports' SQL (usage_query.cpp's
// error_sql) states the same rule.
inline bool usage_is_error(const UsageRecord& r) {
  return !r.aborted && !usage_is_side_call(r.route) && (r.status >= 400 || !r.error_kind.empty());
}

// An embedding kept for reuse: autoselect's description vectors (issue 11),
// so that a restarted gateway, or another instance on the same database,
// does not embed the same descriptions again. Keyed by who embedded (the
// embeddings model's key, pipeline/embeddings_call.hpp) and what, both as
// lowercase hex SHA-256: fixed-size keys every dialect can index, and no
// endpoint or user name in the table.
struct StoredVector {
  std::string model_sha256;
  std::string text_sha256;
  std::vector<float> values;
  UnixMs created_ms = 0;
};

// minute: read from the raw rows only (no rollup); the caller bounds the
// range (the usage routes: 6 hours).
enum class UsageBucket : std::uint8_t { none, minute, hour, day };
enum class UsageGroup : std::uint8_t { none, user, provider, model, rotation, token };

struct UsageQuery {
  UnixMs from_ms = 0;  // inclusive
  UnixMs to_ms = 0;    // exclusive
  UsageBucket bucket = UsageBucket::none;
  UsageGroup group_by = UsageGroup::none;
  // Filters: nullopt means any. An empty string matches rows where the field is empty.
  std::optional<std::string> username, provider, model, rotation, token_id;
  // false: the sums alone (requests, tokens, cost, unpriced); errors and
  // the latency histogram read 0, not summed (28 columns fewer).
  bool measures = true;
};

struct UsageTotals {
  std::int64_t requests = 0, prompt_tokens = 0, completion_tokens = 0;
  double cost = 0;  // the sum of the known costs
  std::int64_t unpriced_requests = 0;  // rows whose cost is unknown (null)
  std::int64_t errors = 0;             // rows usage_is_error() counts
  LatencyHistogram latency{};          // latency_ms of every row (usage_latency.hpp)
};
struct UsageReport {
  UsageTotals totals;
  std::vector<std::pair<UnixMs, UsageTotals>> series;       // bucket start → totals, ascending (bucket != none)
  std::vector<std::pair<std::string, UsageTotals>> groups;  // key → totals, by requests descending (group_by != none)
};

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite", "postgres" or "mysql".
  virtual std::string_view backend() const = 0;

  // Runs the migrations the database lacks, each in its own transaction,
  // recording each in schema_migrations. A database migrated past what this
  // binary knows: schema_too_new, nothing changed. Idempotent.
  virtual Result<int> migrate() = 0;  // the schema version now
  virtual Result<int> schema_version() = 0;

  // Users. create: conflict when the username exists.
  virtual Result<Done> create_user(const User& user) = 0;
  virtual Result<std::optional<User>> find_user(std::string_view username) = 0;
  virtual Result<std::vector<User>> list_users() = 0;  // by username
  // Every field but created_ms; not_found. update and delete refuse
  // (conflict, nothing changed) a change that would leave no active admin,
  // atomically: two concurrent changes to two admins cannot both pass.
  virtual Result<Done> update_user(const User& user) = 0;
  // Deletes the user with their tokens, sessions and documents (usage rows stay).
  virtual Result<Done> delete_user(std::string_view username) = 0;  // not_found, conflict
  virtual Result<std::int64_t> count_active_admins() = 0;

  // API tokens. create: conflict on a duplicate id or hash.
  virtual Result<Done> create_token(const ApiToken& token) = 0;
  virtual Result<std::optional<ApiToken>> find_token_by_hash(std::string_view token_hash) = 0;
  virtual Result<std::vector<ApiToken>> list_tokens(std::string_view username) = 0;  // by created_ms
  // Every token of active users, active or not (the in-memory token index loads it).
  virtual Result<std::vector<ApiToken>> list_all_tokens() = 0;
  virtual Result<Done> delete_token(std::string_view username, std::string_view id) = 0;  // not_found
  virtual Result<Done> touch_tokens(std::span<const std::pair<std::string, UnixMs>> last_used) = 0;  // id → time

  // Dashboard sessions.
  virtual Result<Done> create_session(const Session& session) = 0;
  virtual Result<std::optional<Session>> find_session(std::string_view id_hash) = 0;  // expired ones too
  virtual Result<Done> delete_session(std::string_view id_hash) = 0;  // absent: still Done
  virtual Result<std::int64_t> delete_expired_sessions(UnixMs now) = 0;
  // A login whose password was checked against `checked_hash` (read before
  // the slow argon2 check): creates `session`, stamps last_login_ms with its
  // created_ms and stores `rehash` when not empty, in one transaction, only
  // while the user is still active with that hash: conflict when it was
  // deactivated, deleted or given a new password meanwhile (nothing written).
  // The default composes the plain calls without that guarantee; SqlStore's
  // is atomic.
  virtual Result<Done> open_session(const Session& session, std::string_view checked_hash, std::string_view rehash);
  // A password change checked against `checked_hash`: stores `new_hash` only
  // if the hash is still that one (conflict otherwise: a concurrent change
  // won), clears must_change_password, and ends the user's sessions but
  // `keep_session`, in one transaction. The default composes the plain calls; SqlStore's is atomic.
  virtual Result<Done> change_password(std::string_view username, std::string_view checked_hash,
                                       std::string_view new_hash, std::string_view keep_session);
  // Ends the user's sessions but `except_id_hash` (empty: all), after a
  // password, role or active change. The count ended. The default fails:
  // a store that cannot end sessions must say so, not keep them silently.
  virtual Result<std::int64_t> delete_user_sessions(std::string_view username, std::string_view except_id_hash) {
    (void)username;
    (void)except_id_hash;
    return StoreError{StoreError::Kind::internal, "this store cannot end a user's sessions"};
  }
  // Sessions that expire after `now` (the in-memory index loads them). The
  // default lists none: the index then finds each session in the store on
  // its first use after a load (slower, still right).
  virtual Result<std::vector<Session>> list_sessions(UnixMs now) {
    (void)now;
    return std::vector<Session>{};
  }

  // Users' documents. put: insert or replace.
  virtual Result<Done> put_doc(const ConfigDoc& doc) = 0;
  virtual Result<std::optional<ConfigDoc>> get_doc(std::string_view username, DocKind kind, std::string_view id) = 0;
  virtual Result<std::vector<ConfigDoc>> list_docs(std::string_view username) = 0;  // every kind, by kind then id
  virtual Result<Done> delete_doc(std::string_view username, DocKind kind, std::string_view id) = 0;  // not_found

  // Usage. insert: all rows in one transaction (rows and the hourly rollups
  // that make a month's report fast).
  virtual Result<Done> insert_usage(std::span<const UsageRecord> records) = 0;
  virtual Result<UsageReport> query_usage(const UsageQuery& query) = 0;
  // The matching rows by time, handed to `row` one at a time (CSV export);
  // `row` returns false to stop early.
  virtual Result<std::int64_t> export_usage(const UsageQuery& query,
                                            const std::function<bool(const UsageRecord&)>& row) = 0;
  virtual Result<std::int64_t> prune_usage(UnixMs before_ms) = 0;  // rows and rollups older than before_ms

  // Description vectors. find: those of `text_sha256s` under `model_sha256`
  // that the store has, in any order (a row that does not decode is left
  // out: it is embedded again). put: inserts or replaces each, then keeps
  // the newest `keep` rows by created_ms (a cache: what is pruned is embedded
  // again when asked for). The defaults find none and keep none: a store
  // without them is slower, still right.
  virtual Result<std::vector<StoredVector>> find_vectors(std::string_view model_sha256,
                                                         std::span<const std::string> text_sha256s) {
    (void)model_sha256;
    (void)text_sha256s;
    return std::vector<StoredVector>{};
  }
  virtual Result<Done> put_vectors(std::span<const StoredVector> vectors, std::size_t keep) {
    (void)vectors;
    (void)keep;
    return Done{};
  }

  // Small named values (the instance's settings that live in the database).
  virtual Result<std::optional<std::string>> get_meta(std::string_view key) = 0;
  virtual Result<Done> put_meta(std::string_view key, std::string_view value) = 0;
};

// aisbf.json `database` (AISBF's field names, plus postgres_*).
struct DatabaseSettings {
  std::string type = "sqlite";  // "sqlite", "postgres" (or "postgresql"), "mysql" (or "mariadb")
  std::string sqlite_path;      // empty: <config dir>/aisbf.db
  std::string postgres_url;     // libpq conninfo or URL; else the postgres_* fields
  std::string postgres_host = "127.0.0.1", postgres_user, postgres_password, postgres_database = "aisbf";
  int postgres_port = 5432;
  std::string mysql_host = "127.0.0.1", mysql_user, mysql_password, mysql_database = "aisbf";
  int mysql_port = 3306;
  int usage_retention_days = 0;  // 0: keep every row
  // The longest one statement may run on PostgreSQL or MariaDB; a server
  // that does not answer at all is given up a little later (sql_driver.hpp).
  int statement_timeout_seconds = 30;
};

// Opens (and creates, for SQLite) the database. Does not migrate.
Result<std::unique_ptr<Store>> open_store(const DatabaseSettings& settings);

const char* doc_kind_name(DocKind kind);  // "provider", "rotation", "autoselect"
const char* store_error_kind_name(StoreError::Kind kind);

}  // namespace aisbf::store
