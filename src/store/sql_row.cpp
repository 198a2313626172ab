// SqlRow conversions. PostgreSQL's and MariaDB's text protocols hand back
// every column as text (SUM over BIGINT is even NUMERIC in PostgreSQL), so a
// numeric getter parses text; SQLite hands back typed values.
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "store/sql_driver.hpp"

namespace aisbf::store {

namespace {

double parse_real(const std::string& text) {
  // strtod needs a NUL-terminated string; std::string provides it.
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  return end == text.c_str() ? 0.0 : v;
}

std::int64_t parse_integer(const std::string& text) {
  std::int64_t v = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (ec == std::errc() && ptr == last) return v;
  // "12.0" (a NUMERIC sum) or "1e3": go through double.
  return static_cast<std::int64_t>(std::llround(parse_real(text)));
}

}  // namespace

std::int64_t SqlRow::integer(std::size_t i) const {
  const SqlValue& v = columns[i];
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(std::llround(*d));
  if (const auto* s = std::get_if<std::string>(&v)) return parse_integer(*s);
  return 0;
}

double SqlRow::real(std::size_t i) const {
  const SqlValue& v = columns[i];
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return static_cast<double>(*n);
  if (const auto* s = std::get_if<std::string>(&v)) return parse_real(*s);
  return 0.0;
}

std::string SqlRow::text(std::size_t i) const {
  const SqlValue& v = columns[i];
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  return {};
}

}  // namespace aisbf::store
