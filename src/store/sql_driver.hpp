// The SQL seam under store::SqlStore: one connection to one database, with
// statements written once (`?` placeholders, portable SQL) and run by a
// driver per backend (sqlite/, postgres/, mysql/). A driver maps its errors
// to StoreError kinds: a unique-key violation → conflict, a lost or refused
// connection or a timeout → unavailable.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/store.hpp"

namespace aisbf::store {

enum class Dialect : std::uint8_t { sqlite, postgres, mysql };

// NULL, an integer, a real or text (bytes).
using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string>;

struct SqlRow {
  std::span<const SqlValue> columns;
  bool is_null(std::size_t i) const { return std::holds_alternative<std::monostate>(columns[i]); }
  // Conversions that accept what each backend returns (PostgreSQL and
  // MariaDB hand back text for numeric columns in their text protocols).
  std::int64_t integer(std::size_t i) const;
  double real(std::size_t i) const;
  std::string text(std::size_t i) const;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual Dialect dialect() const = 0;

  // `sql` uses `?` placeholders, bound in order (PostgreSQL's driver turns
  // them into $1, $2, …). One statement per call.
  // The number of rows changed.
  virtual Result<std::int64_t> exec(std::string_view sql, std::span<const SqlValue> params = {}) = 0;
  // Each result row to `row` in order; `row` returns false to stop early.
  virtual Result<Done> query(std::string_view sql, std::span<const SqlValue> params,
                             const std::function<bool(const SqlRow&)>& row) = 0;
  // Runs several statements without parameters (migrations).
  virtual Result<Done> exec_script(std::string_view sql) = 0;

  virtual Result<Done> begin() = 0;
  virtual Result<Done> commit() = 0;
  virtual Result<Done> rollback() = 0;
  // False once the connection is known broken (the pool then opens another).
  virtual bool healthy() const = 0;
};

// Opens connections to one database (each SqlStore thread takes its own).
using SqlConnector = std::function<Result<std::unique_ptr<SqlConnection>>()>;

// Backends: each in its own folder, linked into aisbf.
SqlConnector sqlite_connector(std::string path);  // creates the file (mode 0600); WAL, busy timeout
// Timeouts of the PostgreSQL and MariaDB connectors: the server cancels a
// statement after `statement_seconds`; the client gives up on a server that
// has not answered kAnswerMarginSeconds later (hung, or its host gone: TCP
// alone would wait as long as the connection lives) and drops the
// connection; connecting waits min(5 s, statement_seconds).
constexpr int kDefaultStatementSeconds = 30;
constexpr int kAnswerMarginSeconds = 2;
int connect_timeout_seconds(int statement_seconds);

SqlConnector postgres_connector(std::string conninfo, int statement_seconds = kDefaultStatementSeconds);

struct MysqlTarget {
  std::string host;
  int port = 3306;
  std::string user;
  std::string password;
  std::string database;
  int statement_seconds = kDefaultStatementSeconds;
};
SqlConnector mysql_connector(MysqlTarget target);
SqlConnector mysql_connector(std::string host, int port, std::string user, std::string password,
                             std::string database);

// The Store over any SQL connector (store/sql_store.cpp).
std::unique_ptr<Store> make_sql_store(Dialect dialect, SqlConnector connector);

}  // namespace aisbf::store
