// SqlConnection over libpq: PQsendQueryParams with text parameters, results
// in single-row mode (an export never holds a whole result), errors mapped
// by SQLSTATE. Every answer is awaited with poll() and a deadline, never
// libpq's blocking waits: a hung server holds no DB thread for longer than
// its statement timeout plus a margin. Messages carry the server's primary
// text at most: never a bound value (class 22 messages quote them, so those
// are replaced) or the connection string.
#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/postgres/postgres_placeholders.hpp"
#include "store/sql_driver.hpp"

namespace aisbf::store {
namespace {

constexpr std::size_t kRewriteCacheMax = 512;  // statements are literals in the code: a few dozen

// Type OIDs (catalog/pg_type_d.h is not in libpq-dev's public headers).
constexpr Oid kBoolOid = 16, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kFloat4Oid = 700, kFloat8Oid = 701;

StoreError make_error(StoreError::Kind kind, std::string message) {
  return StoreError{kind, "postgres: " + std::move(message)};
}

std::string first_line(const char* text) {
  std::string s = text ? text : "";
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  return s.empty() ? "unknown error" : s;
}

// Parameters as text, with the types the server should see: int8 and float8
// for numbers, "unknown" (inferred from the context) for text and NULL.
struct PgParams {
  std::vector<std::string> text;
  std::vector<const char*> values;
  std::vector<Oid> types;
};

std::string double_text(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest text that reads back the same
  return std::string(buf, r.ptr);
}

Result<PgParams> encode_params(std::span<const SqlValue> params) {
  PgParams out;
  out.text.resize(params.size());
  out.types.resize(params.size(), 0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const SqlValue& v = params[i];
    if (auto* n = std::get_if<std::int64_t>(&v)) {
      out.text[i] = std::to_string(*n);
      out.types[i] = kInt8Oid;
    } else if (auto* d = std::get_if<double>(&v)) {
      out.text[i] = double_text(*d);
      out.types[i] = kFloat8Oid;
    } else if (auto* s = std::get_if<std::string>(&v)) {
      // PostgreSQL's text cannot hold NUL; refusing beats truncating.
      if (s->find('\0') != std::string::npos) return make_error(StoreError::Kind::invalid, "text with a NUL byte");
      out.text[i] = *s;
    }
  }
  out.values.resize(params.size(), nullptr);
  for (std::size_t i = 0; i < params.size(); ++i)
    if (!std::holds_alternative<std::monostate>(params[i])) out.values[i] = out.text[i].c_str();
  return out;
}

// One column of a result row: numbers typed, the rest text.
SqlValue decode_value(const PGresult* res, int row, int col, Oid type) {
  if (PQgetisnull(res, row, col)) return std::monostate{};
  const char* p = PQgetvalue(res, row, col);
  int len = PQgetlength(res, row, col);
  switch (type) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      std::int64_t n = 0;
      if (std::from_chars(p, p + len, n).ec == std::errc{}) return n;
      break;
    }
    case kFloat4Oid:
    case kFloat8Oid: {
      double d = 0;
      if (std::from_chars(p, p + len, d).ec == std::errc{}) return d;
      break;
    }
    case kBoolOid:
      return std::int64_t{p[0] == 't' ? 1 : 0};
    default:
      break;
  }
  return std::string(p, static_cast<std::size_t>(len));
}

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

class PgConnection final : public SqlConnection {
 public:
  PgConnection(PGconn* conn, int answer_seconds) : conn_(conn), answer_wait_(answer_seconds) {}
  ~PgConnection() override { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Dialect dialect() const override { return Dialect::postgres; }
  Result<std::int64_t> exec(std::string_view sql, std::span<const SqlValue> params) override;
  Result<Done> query(std::string_view sql, std::span<const SqlValue> params,
                     const std::function<bool(const SqlRow&)>& row) override;
  Result<Done> exec_script(std::string_view sql) override;
  Result<Done> begin() override { return simple("BEGIN"); }
  Result<Done> commit() override;
  Result<Done> rollback() override { return simple("ROLLBACK"); }
  bool healthy() const override { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }

 private:
  Result<const PgStatement*> statement(std::string_view sql, std::size_t params);
  Result<Done> simple(const char* sql);
  StoreError failure(const PGresult* res);
  StoreError lost();
  // After a send: every result of the statement, the first failed one or
  // else the last (what PQexec returns), or the timeout / lost connection.
  Result<ResultPtr> collect();
  // Until PQgetResult would not block, or the deadline: then the error.
  std::optional<StoreError> await_answer(std::chrono::steady_clock::time_point deadline);

  PGconn* conn_;
  std::chrono::seconds answer_wait_;
  bool broken_ = false;
  std::unordered_map<std::string, PgStatement> rewrites_;
};

// The rewritten statement, from the cache; its placeholders must match the values.
Result<const PgStatement*> PgConnection::statement(std::string_view sql, std::size_t params) {
  auto it = rewrites_.find(std::string(sql));
  if (it == rewrites_.end()) {
    if (rewrites_.size() >= kRewriteCacheMax) rewrites_.clear();
    it = rewrites_.emplace(std::string(sql), to_postgres_placeholders(sql)).first;
  }
  if (static_cast<std::size_t>(it->second.params) != params)
    return make_error(StoreError::Kind::internal, "the statement has " + std::to_string(it->second.params) +
                                                      " placeholders but " + std::to_string(params) +
                                                      " values were bound");
  return &it->second;
}

StoreError PgConnection::lost() {
  broken_ = true;
  return make_error(StoreError::Kind::unavailable, "connection lost: " + first_line(PQerrorMessage(conn_)));
}

StoreError PgConnection::failure(const PGresult* res) {
  using Kind = StoreError::Kind;
  if (res == nullptr || PQstatus(conn_) == CONNECTION_BAD) return lost();
  const char* field = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  std::string state = field ? field : "";
  std::string primary = first_line(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
  if (state.empty()) return make_error(Kind::internal, first_line(PQresultErrorMessage(res)));
  if (state == "23505") {
    const char* constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    return make_error(Kind::conflict, std::string("unique violation on ") + (constraint ? constraint : "a key"));
  }
  // 08: the connection failed; 57P01-03: the server is shutting down or restarting.
  if (state.starts_with("08") || state.starts_with("57P")) {
    broken_ = true;
    return make_error(Kind::unavailable, primary + " (SQLSTATE " + state + ")");
  }
  if (state == "57014") return make_error(Kind::unavailable, primary + " (SQLSTATE " + state + ")");
  if (state.starts_with("22")) return make_error(Kind::internal, "data exception (SQLSTATE " + state + ")");
  return make_error(Kind::internal, primary + " (SQLSTATE " + state + ")");
}

std::optional<StoreError> PgConnection::await_answer(std::chrono::steady_clock::time_point deadline) {
  using namespace std::chrono;
  while (PQisBusy(conn_)) {
    const auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
    if (left <= 0) {
      // The statement is still out there: the connection cannot be reused.
      broken_ = true;
      return make_error(StoreError::Kind::unavailable,
                        "no answer from the server within " + std::to_string(answer_wait_.count()) + " s");
    }
    pollfd fd{PQsocket(conn_), POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || (ready > 0 && !PQconsumeInput(conn_))) return lost();
  }
  return std::nullopt;
}

Result<ResultPtr> PgConnection::collect() {
  const auto deadline = std::chrono::steady_clock::now() + answer_wait_;
  ResultPtr kept(nullptr, PQclear);
  for (;;) {
    if (auto error = await_answer(deadline)) return *error;
    ResultPtr next(PQgetResult(conn_), PQclear);
    if (!next) break;
    const bool kept_failed = kept && (PQresultStatus(kept.get()) == PGRES_FATAL_ERROR ||
                                      PQresultStatus(kept.get()) == PGRES_BAD_RESPONSE);
    if (!kept_failed) kept = std::move(next);
  }
  return Result<ResultPtr>(std::move(kept));
}

Result<std::int64_t> PgConnection::exec(std::string_view sql, std::span<const SqlValue> params) {
  auto stmt = statement(sql, params.size());
  if (!stmt) return stmt.error();
  auto encoded = encode_params(params);
  if (!encoded) return encoded.error();
  if (!PQsendQueryParams(conn_, stmt.value()->sql.c_str(), static_cast<int>(params.size()), encoded->types.data(),
                         encoded->values.data(), nullptr, nullptr, 0))
    return lost();
  auto collected = collect();
  if (!collected) return collected.error();
  ResultPtr res = std::move(collected.value());
  auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return failure(res.get());
  const char* tuples = PQcmdTuples(res.get());
  std::int64_t n = 0;
  std::from_chars(tuples, tuples + std::strlen(tuples), n);  // empty for statements without a count
  return n;
}

Result<Done> PgConnection::query(std::string_view sql, std::span<const SqlValue> params,
                                 const std::function<bool(const SqlRow&)>& row) {
  auto stmt = statement(sql, params.size());
  if (!stmt) return stmt.error();
  auto encoded = encode_params(params);
  if (!encoded) return encoded.error();
  if (!PQsendQueryParams(conn_, stmt.value()->sql.c_str(), static_cast<int>(params.size()), encoded->types.data(),
                         encoded->values.data(), nullptr, nullptr, 0))
    return lost();
  PQsetSingleRowMode(conn_);
  std::optional<StoreError> error;
  bool wanted = true;
  std::vector<SqlValue> columns;
  std::vector<Oid> types;
  // Every result is read, even after `row` stops or an error: the
  // connection is ready for the next statement only once PQgetResult is null.
  // The deadline is per row: an export may rightly take longer as a whole.
  for (;;) {
    if (auto lapsed = await_answer(std::chrono::steady_clock::now() + answer_wait_)) return *lapsed;
    PGresult* raw = PQgetResult(conn_);
    if (raw == nullptr) break;
    ResultPtr res(raw, PQclear);
    auto status = PQresultStatus(raw);
    if (status == PGRES_SINGLE_TUPLE && wanted && !error) {
      int n = PQnfields(raw);
      if (types.empty())
        for (int c = 0; c < n; ++c) types.push_back(PQftype(raw, c));
      columns.clear();
      for (int c = 0; c < n; ++c) columns.push_back(decode_value(raw, 0, c, types[c]));
      wanted = row(SqlRow{columns});
    } else if (status != PGRES_SINGLE_TUPLE && status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && !error) {
      error = failure(raw);
    }
  }
  if (!error && PQstatus(conn_) == CONNECTION_BAD) error = lost();
  if (error) return *error;
  return Done{};
}

Result<Done> PgConnection::exec_script(std::string_view sql) {
  // The simple-query protocol runs several statements in one string, and
  // stops at the first error (the last result reports it).
  if (!PQsendQuery(conn_, std::string(sql).c_str())) return lost();
  auto res = collect();
  if (!res) return res.error();
  auto status = res.value() ? PQresultStatus(res.value().get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
    return failure(res.value().get());
  return Done{};
}

Result<Done> PgConnection::simple(const char* sql) {
  if (!PQsendQuery(conn_, sql)) return lost();
  auto res = collect();
  if (!res) return res.error();
  if (!res.value() || PQresultStatus(res.value().get()) != PGRES_COMMAND_OK) return failure(res.value().get());
  return Done{};
}

Result<Done> PgConnection::commit() {
  if (!PQsendQuery(conn_, "COMMIT")) return lost();
  auto collected = collect();
  if (!collected) return collected.error();
  const ResultPtr& res = collected.value();
  if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) return failure(res.get());
  // COMMIT of a transaction in which a statement failed rolls back without an error.
  if (std::strcmp(PQcmdStatus(res.get()), "ROLLBACK") == 0)
    return make_error(StoreError::Kind::internal, "the transaction was rolled back (a statement in it failed)");
  return Done{};
}

Result<std::unique_ptr<SqlConnection>> connect(const std::string& conninfo, int statement_seconds) {
  // Parsed first so that a malformed string is reported without echoing any
  // part of it (it may hold the password).
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (parse_error) PQfreemem(parse_error);
  if (!parsed) return make_error(StoreError::Kind::internal, "the connection string does not parse");
  PQconninfoFree(parsed);
  // Later entries override earlier ones: the conninfo may set its own
  // timeouts, but not another client encoding. Keepalives end a wait on a
  // server that vanished without closing the connection (~30 s).
  const char* keys[] = {"connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                        "fallback_application_name", "dbname", "client_encoding", nullptr};
  const std::string connect_timeout = std::to_string(connect_timeout_seconds(statement_seconds));
  const char* values[] = {connect_timeout.c_str(), "15", "5", "3", "aisbf", conninfo.c_str(), "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (!conn) return make_error(StoreError::Kind::unavailable, "out of memory");
  auto connection = std::make_unique<PgConnection>(conn, statement_seconds + kAnswerMarginSeconds);
  // libpq prints the server's notices to stderr; aisbf's log is elsewhere.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  if (PQstatus(conn) != CONNECTION_OK)
    return make_error(StoreError::Kind::unavailable, "cannot connect: " + first_line(PQerrorMessage(conn)));
  const std::string set_timeout = "SET statement_timeout = " + std::to_string(statement_seconds * 1000);
  if (auto set = connection->exec(set_timeout, {}); !set) return set.error();
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

}  // namespace

SqlConnector postgres_connector(std::string conninfo, int statement_seconds) {
  return [conninfo = std::move(conninfo), statement_seconds]() { return connect(conninfo, statement_seconds); };
}

}  // namespace aisbf::store
