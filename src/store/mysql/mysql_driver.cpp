// SqlConnection over libmariadb: prepared statements (the server's parser
// finds the `?` placeholders, so one inside a literal stays text), rows
// fetched unbuffered with integers and doubles typed and everything else as
// text, errors mapped by mysql_errors.cpp.
//
// Each session sets ANSI_QUOTES (so "name" is an identifier, as in SQLite and
// PostgreSQL), strict mode, UTC and a 30 s max_statement_time. The
// connection uses CLIENT_FOUND_ROWS: exec counts the rows an UPDATE matched,
// as the other backends do, not only those whose values changed.
#include <mysql.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/mysql/mysql_errors.hpp"
#include "store/sql_driver.hpp"

namespace aisbf::store {
namespace {

// max_statement_time is appended: the statement timeout.
constexpr const char* kSessionSetup =
    "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'ANSI_QUOTES', 'STRICT_ALL_TABLES'), "
    "time_zone = '+00:00', max_statement_time = ";
constexpr std::size_t kColumnBuffer = 256;  // longer values are fetched again at their length

struct StmtCloser {
  void operator()(MYSQL_STMT* s) const { mysql_stmt_close(s); }
};
using StmtPtr = std::unique_ptr<MYSQL_STMT, StmtCloser>;
struct ResultFree {
  void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};
using ResPtr = std::unique_ptr<MYSQL_RES, ResultFree>;

// One result column's fetch buffer.
struct Column {
  enum class As : std::uint8_t { integer, real, text };
  As as = As::text;
  long long integer = 0;
  double real = 0;
  char text[kColumnBuffer];
  unsigned long length = 0;
  my_bool is_null = 0;
  my_bool error = 0;
};

Column::As column_kind(const MYSQL_FIELD& field) {
  switch (field.type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_YEAR:
      return Column::As::integer;
    case MYSQL_TYPE_LONGLONG:  // an unsigned one may not fit an int64
      return (field.flags & UNSIGNED_FLAG) ? Column::As::text : Column::As::integer;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
      return Column::As::real;
    default:
      return Column::As::text;  // DECIMAL (SUM's type) included: exact as text
  }
}

void bind_column(Column& col, MYSQL_BIND& bind) {
  bind.is_null = &col.is_null;
  bind.error = &col.error;
  bind.length = &col.length;
  switch (col.as) {
    case Column::As::integer:
      bind.buffer_type = MYSQL_TYPE_LONGLONG;
      bind.buffer = &col.integer;
      break;
    case Column::As::real:
      bind.buffer_type = MYSQL_TYPE_DOUBLE;
      bind.buffer = &col.real;
      break;
    case Column::As::text:
      bind.buffer_type = MYSQL_TYPE_STRING;
      bind.buffer = col.text;
      bind.buffer_length = kColumnBuffer;
      break;
  }
}

class MyConnection final : public SqlConnection {
 public:
  explicit MyConnection(MYSQL* db) : db_(db) {}
  ~MyConnection() override { mysql_close(db_); }
  MyConnection(const MyConnection&) = delete;
  MyConnection& operator=(const MyConnection&) = delete;

  Dialect dialect() const override { return Dialect::mysql; }
  Result<std::int64_t> exec(std::string_view sql, std::span<const SqlValue> params) override;
  Result<Done> query(std::string_view sql, std::span<const SqlValue> params,
                     const std::function<bool(const SqlRow&)>& row) override;
  Result<Done> exec_script(std::string_view sql) override;
  Result<Done> begin() override { return simple("START TRANSACTION"); }
  Result<Done> commit() override { return simple("COMMIT"); }
  Result<Done> rollback() override { return simple("ROLLBACK"); }
  bool healthy() const override { return !broken_; }

  Result<Done> simple(std::string_view sql);

 private:
  Result<StmtPtr> run(std::string_view sql, std::span<const SqlValue> params);
  Result<Done> fetch_rows(MYSQL_STMT* stmt, MYSQL_RES* meta, const std::function<bool(const SqlRow&)>& row);
  StoreError failure(unsigned code, const char* sqlstate, const char* message);
  StoreError failure() { return failure(mysql_errno(db_), mysql_sqlstate(db_), mysql_error(db_)); }
  // An error while rows are read can be left on the connection alone.
  StoreError failure(MYSQL_STMT* s) {
    if (mysql_stmt_errno(s) == 0) return failure();
    return failure(mysql_stmt_errno(s), mysql_stmt_sqlstate(s), mysql_stmt_error(s));
  }

  MYSQL* db_;
  bool broken_ = false;
};

StoreError MyConnection::failure(unsigned code, const char* sqlstate, const char* message) {
  if (mysql_connection_lost(code)) broken_ = true;
  return map_mysql_error(code, sqlstate ? sqlstate : "", message ? message : "");
}

// Prepares and executes `sql` with `params` bound; the caller reads or drops the result.
Result<StmtPtr> MyConnection::run(std::string_view sql, std::span<const SqlValue> params) {
  StmtPtr stmt(mysql_stmt_init(db_));
  if (!stmt) return failure();
  if (mysql_stmt_prepare(stmt.get(), sql.data(), sql.size()) != 0) return failure(stmt.get());
  if (mysql_stmt_param_count(stmt.get()) != params.size())
    return StoreError{StoreError::Kind::internal,
                      "mariadb: the statement has " + std::to_string(mysql_stmt_param_count(stmt.get())) +
                          " placeholders but " + std::to_string(params.size()) + " values were bound"};
  std::vector<MYSQL_BIND> binds(params.size());
  std::vector<unsigned long> lengths(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    MYSQL_BIND& b = binds[i];
    // The binds point into `params`, which outlive the execute below.
    if (auto* n = std::get_if<std::int64_t>(&params[i])) {
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = const_cast<std::int64_t*>(n);
    } else if (auto* d = std::get_if<double>(&params[i])) {
      b.buffer_type = MYSQL_TYPE_DOUBLE;
      b.buffer = const_cast<double*>(d);
    } else if (auto* s = std::get_if<std::string>(&params[i])) {
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = const_cast<char*>(s->data());
      b.buffer_length = lengths[i] = s->size();
      b.length = &lengths[i];
    } else {
      b.buffer_type = MYSQL_TYPE_NULL;
    }
  }
  if (!binds.empty() && mysql_stmt_bind_param(stmt.get(), binds.data()) != 0) return failure(stmt.get());
  if (mysql_stmt_execute(stmt.get()) != 0) return failure(stmt.get());
  return stmt;
}

Result<std::int64_t> MyConnection::exec(std::string_view sql, std::span<const SqlValue> params) {
  auto stmt = run(sql, params);
  if (!stmt) return stmt.error();
  // Rows of a statement that returns some: read to the end, since an error
  // (a timeout, say) can come after the first rows; counted as PostgreSQL does.
  if (mysql_stmt_field_count(stmt->get()) > 0) {
    if (mysql_stmt_store_result(stmt->get()) != 0) return failure(stmt->get());
    return static_cast<std::int64_t>(mysql_stmt_num_rows(stmt->get()));
  }
  return static_cast<std::int64_t>(mysql_stmt_affected_rows(stmt->get()));
}

Result<Done> MyConnection::query(std::string_view sql, std::span<const SqlValue> params,
                                 const std::function<bool(const SqlRow&)>& row) {
  auto stmt = run(sql, params);
  if (!stmt) return stmt.error();
  ResPtr meta(mysql_stmt_result_metadata(stmt->get()));
  if (!meta) {
    if (mysql_stmt_errno(stmt->get()) != 0) return failure(stmt->get());
    return Done{};  // a statement without a result set
  }
  return fetch_rows(stmt->get(), meta.get(), row);
}

Result<Done> MyConnection::fetch_rows(MYSQL_STMT* stmt, MYSQL_RES* meta,
                                      const std::function<bool(const SqlRow&)>& row) {
  unsigned n = mysql_num_fields(meta);
  MYSQL_FIELD* fields = mysql_fetch_fields(meta);
  std::vector<Column> cols(n);
  std::vector<MYSQL_BIND> binds(n);
  for (unsigned c = 0; c < n; ++c) {
    cols[c].as = column_kind(fields[c]);
    bind_column(cols[c], binds[c]);
  }
  if (mysql_stmt_bind_result(stmt, binds.data()) != 0) return failure(stmt);
  std::vector<SqlValue> values(n);
  for (;;) {
    int rc = mysql_stmt_fetch(stmt);
    if (rc == MYSQL_NO_DATA) return Done{};
    if (rc == 1) return failure(stmt);
    for (unsigned c = 0; c < n; ++c) {
      const Column& col = cols[c];
      if (col.is_null) {
        values[c] = std::monostate{};
      } else if (col.as == Column::As::integer) {
        values[c] = static_cast<std::int64_t>(col.integer);
      } else if (col.as == Column::As::real) {
        values[c] = col.real;
      } else if (col.length <= kColumnBuffer) {
        values[c] = std::string(col.text, col.length);
      } else {
        std::string full(col.length, '\0');
        MYSQL_BIND again{};
        again.buffer_type = MYSQL_TYPE_STRING;
        again.buffer = full.data();
        again.buffer_length = col.length;
        if (mysql_stmt_fetch_column(stmt, &again, c, 0) != 0) return failure(stmt);
        values[c] = std::move(full);
      }
    }
    // Stopping early: closing the statement discards the rows not read.
    if (!row(SqlRow{values})) return Done{};
  }
}

Result<Done> MyConnection::simple(std::string_view sql) {
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) return failure();
  if (MYSQL_RES* r = mysql_store_result(db_)) mysql_free_result(r);
  return Done{};
}

Result<Done> MyConnection::exec_script(std::string_view sql) {
  // Several statements per query only here, where no value is bound.
  if (mysql_set_server_option(db_, MYSQL_OPTION_MULTI_STATEMENTS_ON) != 0) return failure();
  std::optional<StoreError> error;
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) {
    error = failure();
  } else {
    for (;;) {
      if (MYSQL_RES* r = mysql_store_result(db_)) mysql_free_result(r);
      int next = mysql_next_result(db_);
      if (next == -1) break;
      if (next > 0) {
        error = failure();
        break;
      }
    }
  }
  if (!broken_ && mysql_set_server_option(db_, MYSQL_OPTION_MULTI_STATEMENTS_OFF) != 0 && !error) error = failure();
  if (error) return *error;
  return Done{};
}

Result<std::unique_ptr<SqlConnection>> connect(const MysqlTarget& t) {
  // Not thread-safe the first time, and mysql_init would call it implicitly.
  static const bool library_ready = mysql_library_init(0, nullptr, nullptr) == 0;
  if (!library_ready) return StoreError{StoreError::Kind::internal, "mariadb: the client library failed to start"};
  MYSQL* db = mysql_init(nullptr);
  if (!db) return StoreError{StoreError::Kind::unavailable, "mariadb: out of memory"};
  auto conn = std::make_unique<MyConnection>(db);
  // The read timeout is above the server's max_statement_time, so that a
  // slow statement fails with the server's error while the connection
  // survives; past it the server is not answering at all.
  unsigned connect_timeout = static_cast<unsigned>(connect_timeout_seconds(t.statement_seconds));
  unsigned io_timeout = static_cast<unsigned>(t.statement_seconds + kAnswerMarginSeconds);
  my_bool reconnect = 0;  // a silent reconnect would lose the session's settings and transaction
  mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
  mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
  mysql_options(db, MYSQL_OPT_RECONNECT, &reconnect);
  mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!mysql_real_connect(db, t.host.empty() ? nullptr : t.host.c_str(), t.user.c_str(), t.password.c_str(),
                          t.database.c_str(), static_cast<unsigned>(t.port), nullptr, CLIENT_FOUND_ROWS)) {
    // Refused, unreachable or not let in: the database cannot be used either
    // way. The client's text names the host and user, never the password.
    return StoreError{StoreError::Kind::unavailable, std::string("mariadb: cannot connect: ") + mysql_error(db) + " (" +
                                                         std::to_string(mysql_errno(db)) + ")"};
  }
  const std::string setup = kSessionSetup + std::to_string(t.statement_seconds);
  if (auto set = conn->simple(setup); !set) return set.error();
  if (mysql_autocommit(db, 1) != 0)
    return StoreError{StoreError::Kind::unavailable, "mariadb: cannot turn autocommit on"};
  return std::unique_ptr<SqlConnection>(std::move(conn));
}

}  // namespace

SqlConnector mysql_connector(MysqlTarget target) {
  return [target = std::move(target)]() { return connect(target); };
}

SqlConnector mysql_connector(std::string host, int port, std::string user, std::string password, std::string database) {
  return mysql_connector(MysqlTarget{std::move(host), port, std::move(user), std::move(password), std::move(database)});
}

}  // namespace aisbf::store
