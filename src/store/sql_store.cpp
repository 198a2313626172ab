// SqlStore: the connection pool, migrations and the small shared helpers.
// The Store's methods are split by concern: sql_store_users.cpp (users,
// tokens, sessions), sql_store_docs.cpp (documents, meta),
// sql_store_usage.cpp and usage_query.cpp (usage).
#include "store/sql_store.hpp"

#include <fmt/format.h>

#include "store/migrations.hpp"

namespace aisbf::store {

ConnectionPool::Lease::~Lease() {
  if (conn_ != nullptr && conn_->healthy()) pool_->give_back(std::move(conn_));
}

Result<ConnectionPool::Lease> ConnectionPool::take() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<SqlConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
  }
  // Opened outside the lock: a slow server must not serialise every caller.
  auto opened = connector_();
  if (!opened) return opened.error();
  return Lease(this, std::move(opened.value()));
}

Result<ConnectionPool::Lease> ConnectionPool::open_fresh() {
  std::vector<std::unique_ptr<SqlConnection>> stale;
  {
    std::lock_guard lock(mutex_);
    stale.swap(idle_);
  }
  stale.clear();  // closed outside the lock
  auto opened = connector_();
  if (!opened) return opened.error();
  return Lease(this, std::move(opened.value()));
}

std::size_t ConnectionPool::idle_count() {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

void ConnectionPool::give_back(std::unique_ptr<SqlConnection> conn) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(conn));
}

std::string_view SqlStore::backend() const {
  switch (dialect_) {
    case Dialect::sqlite:
      return "sqlite";
    case Dialect::postgres:
      return "postgres";
    case Dialect::mysql:
      return "mysql";
  }
  return "sqlite";
}

Result<int> SqlStore::migrate() {
  return write<int>([](SqlConnection& conn) { return run_migrations(conn); });
}

Result<int> SqlStore::schema_version() {
  return read<int>([](SqlConnection& conn) { return read_schema_version(conn); });
}

std::int64_t flag(bool b) { return b ? 1 : 0; }

Result<Done> expect_one_row(Result<std::int64_t> changed, std::string_view what) {
  if (!changed) return changed.error();
  if (changed.value() == 0) return StoreError{StoreError::Kind::not_found, fmt::format("no such {}", what)};
  return Done{};
}

Result<std::int64_t> keep_newest(SqlConnection& conn, std::string_view table, std::string_view time_column,
                                 std::size_t keep) {
  std::optional<std::int64_t> edge;
  const std::string newest =
      fmt::format("SELECT {1} FROM {0} ORDER BY {1} DESC LIMIT 1 OFFSET {2}", table, time_column, keep);
  auto r = conn.query(newest, {}, [&](const SqlRow& row) {
    edge = row.integer(0);
    return false;
  });
  if (!r) return r.error();
  if (!edge) return std::int64_t{0};
  const SqlValue p[] = {*edge};
  return conn.exec(fmt::format("DELETE FROM {} WHERE {} <= ?", table, time_column), p);
}

ResponseStore* response_store_of(Store& store) { return dynamic_cast<ResponseStore*>(&store); }

std::unique_ptr<Store> make_sql_store(Dialect dialect, SqlConnector connector) {
  return std::make_unique<SqlStore>(dialect, std::move(connector));
}

const char* doc_kind_name(DocKind kind) {
  switch (kind) {
    case DocKind::provider:
      return "provider";
    case DocKind::rotation:
      return "rotation";
    case DocKind::autoselect:
      return "autoselect";
  }
  return "provider";
}

const char* store_error_kind_name(StoreError::Kind kind) {
  switch (kind) {
    case StoreError::Kind::unavailable:
      return "unavailable";
    case StoreError::Kind::conflict:
      return "conflict";
    case StoreError::Kind::not_found:
      return "not_found";
    case StoreError::Kind::invalid:
      return "invalid";
    case StoreError::Kind::schema_too_new:
      return "schema_too_new";
    case StoreError::Kind::internal:
      return "internal";
  }
  return "internal";
}

}  // namespace aisbf::store
