// aisbf.json's `database` section → DatabaseSettings (store.hpp), with
// AISBF's field names plus ours (postgres_*, usage_retention_days).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "store/sql_driver.hpp"

namespace aisbf::store {

struct DatabaseDiagnostic {
  std::string json_path;  // "database.mysql_port"
  std::string message;    // "expected an integer from 1 to 65535, got string"
};

struct DatabaseSettingsRead {
  DatabaseSettings settings;
  std::vector<DatabaseDiagnostic> errors;    // empty: the settings are usable
  std::vector<DatabaseDiagnostic> warnings;  // unknown keys
};

// `section`: the `database` object, or nullptr when aisbf.json has none
// (SQLite at <config_dir>/aisbf.db). A `~` at the start of sqlite_path is
// $HOME; an empty or missing sqlite_path is <config_dir>/aisbf.db.
DatabaseSettingsRead read_database_settings(const boost::json::object* section,
                                            const std::filesystem::path& config_dir);

// "sqlite"; "postgres" or "postgresql"; "mysql" or "mariadb" (any case).
std::optional<Dialect> database_type(std::string_view type);

// The libpq conninfo: postgres_url when set, else built from the
// postgres_* fields (values quoted libpq-style).
std::string postgres_conninfo(const DatabaseSettings& settings);

}  // namespace aisbf::store
