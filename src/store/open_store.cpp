// open_store: DatabaseSettings → the right connector and a SqlStore.
#include <algorithm>

#include <fmt/format.h>

#include "store/database_settings.hpp"
#include "store/sql_driver.hpp"

namespace aisbf::store {

namespace {

// A libpq conninfo value: single-quoted, with \ and ' escaped.
std::string conninfo_value(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace

int connect_timeout_seconds(int statement_seconds) { return std::clamp(statement_seconds, 1, 5); }

std::string postgres_conninfo(const DatabaseSettings& s) {
  if (!s.postgres_url.empty()) return s.postgres_url;
  std::string out = fmt::format("host={} port={} dbname={}", conninfo_value(s.postgres_host), s.postgres_port,
                                conninfo_value(s.postgres_database));
  if (!s.postgres_user.empty()) out += " user=" + conninfo_value(s.postgres_user);
  if (!s.postgres_password.empty()) out += " password=" + conninfo_value(s.postgres_password);
  return out;
}

Result<std::unique_ptr<Store>> open_store(const DatabaseSettings& settings) {
  std::optional<Dialect> dialect = database_type(settings.type);
  if (!dialect) {
    return StoreError{StoreError::Kind::invalid,
                      fmt::format("database.type \"{}\" is not one of sqlite, postgres, mysql", settings.type)};
  }
  // Nothing is opened here: the first call (migrate() at start) connects,
  // and reports a bad path or an unreachable server.
  switch (*dialect) {
    case Dialect::sqlite:
      if (settings.sqlite_path.empty()) {
        return StoreError{StoreError::Kind::invalid, "database.sqlite_path is empty"};
      }
      return make_sql_store(Dialect::sqlite, sqlite_connector(settings.sqlite_path));
    case Dialect::postgres:
      return make_sql_store(Dialect::postgres,
                            postgres_connector(postgres_conninfo(settings), settings.statement_timeout_seconds));
    case Dialect::mysql:
      return make_sql_store(Dialect::mysql, mysql_connector(MysqlTarget{
                                                .host = settings.mysql_host,
                                                .port = settings.mysql_port,
                                                .user = settings.mysql_user,
                                                .password = settings.mysql_password,
                                                .database = settings.mysql_database,
                                                .statement_seconds = settings.statement_timeout_seconds,
                                            }));
  }
  return StoreError{StoreError::Kind::internal, "unknown dialect"};
}

}  // namespace aisbf::store
