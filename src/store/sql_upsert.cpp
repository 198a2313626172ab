#include "store/sql_upsert.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace aisbf::store {

std::string placeholders(std::size_t columns, std::size_t rows) {
  std::string one = "(";
  for (std::size_t i = 0; i < columns; ++i) one += i == 0 ? "?" : ", ?";
  one += ")";
  std::string out;
  out.reserve(rows * (one.size() + 2));
  for (std::size_t r = 0; r < rows; ++r) {
    if (r > 0) out += ", ";
    out += one;
  }
  return out;
}

std::string upsert_sql(Dialect dialect, std::string_view table, std::span<const std::string_view> columns,
                       std::span<const std::string_view> keys, UpsertMode mode, std::size_t rows) {
  std::string sql =
      fmt::format("INSERT INTO {} ({}) VALUES {}", table, fmt::join(columns, ", "), placeholders(columns.size(), rows));
  const bool mysql = dialect == Dialect::mysql;
  sql += mysql ? " ON DUPLICATE KEY UPDATE " : fmt::format(" ON CONFLICT ({}) DO UPDATE SET ", fmt::join(keys, ", "));
  bool first = true;
  for (std::string_view col : columns) {
    if (std::find(keys.begin(), keys.end(), col) != keys.end()) continue;
    if (!first) sql += ", ";
    first = false;
    if (mode == UpsertMode::replace) {
      sql += mysql ? fmt::format("{0} = VALUES({0})", col) : fmt::format("{0} = excluded.{0}", col);
    } else {
      sql +=
          mysql ? fmt::format("{0} = {0} + VALUES({0})", col) : fmt::format("{0} = {1}.{0} + excluded.{0}", col, table);
    }
  }
  return sql;
}

}  // namespace aisbf::store
