// Versioned schema migrations, written once in portable SQL with a few
// per-dialect substitutions. Internal to store/ (SqlStore::migrate).
#pragma once

#include <string>
#include <string_view>

#include "store/sql_driver.hpp"

namespace aisbf::store {

// The highest schema version this binary knows.
int latest_schema_version();

// `portable` with the dialect's spellings: {AUTO_ID} (an auto-increment
// primary key), {DOC} (a JSON document column), {TABLE} (MySQL's engine and
// charset after CREATE TABLE's closing parenthesis).
std::string dialect_sql(Dialect dialect, std::string_view portable);

// The version recorded in schema_migrations (0: none, or no such table).
Result<int> read_schema_version(SqlConnection& conn);

// Applies the migrations the database lacks, each in one transaction. A
// database past latest_schema_version(): schema_too_new, nothing changed.
Result<int> run_migrations(SqlConnection& conn);

}  // namespace aisbf::store
