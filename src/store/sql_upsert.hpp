// INSERT … ON CONFLICT (SQLite, PostgreSQL) or ON DUPLICATE KEY UPDATE
// (MySQL) for one row of `columns` (`?` placeholders in that order).
// Internal to store/.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "store/sql_driver.hpp"

namespace aisbf::store {

enum class UpsertMode : std::uint8_t {
  replace,  // the non-key columns take the new values
  add,      // the non-key columns add the new values (rollup counters)
};

// `rows` rows of placeholders (a multi-row VALUES list).
std::string upsert_sql(Dialect dialect, std::string_view table, std::span<const std::string_view> columns,
                       std::span<const std::string_view> keys, UpsertMode mode, std::size_t rows = 1);
inline std::string upsert_sql(Dialect dialect, std::string_view table, std::initializer_list<std::string_view> columns,
                              std::initializer_list<std::string_view> keys, UpsertMode mode, std::size_t rows = 1) {
  return upsert_sql(dialect, table, std::span(columns.begin(), columns.size()), std::span(keys.begin(), keys.size()),
                    mode, rows);
}

// "(?, ?, ?), (?, ?, ?)": `rows` groups of `columns` placeholders.
std::string placeholders(std::size_t columns, std::size_t rows);

}  // namespace aisbf::store
