// TEMPORARY copy for wt-sqldrv: the store engineer (wt-store) owns this
// file; the lead keeps theirs at merge.
#include <charconv>

#include "store/sql_driver.hpp"

namespace aisbf::store {

std::int64_t SqlRow::integer(std::size_t i) const {
  const SqlValue& v = columns[i];
  if (auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v)) {
    std::int64_t n = 0;
    std::from_chars(s->data(), s->data() + s->size(), n);
    return n;
  }
  return 0;
}

double SqlRow::real(std::size_t i) const {
  const SqlValue& v = columns[i];
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* n = std::get_if<std::int64_t>(&v)) return static_cast<double>(*n);
  if (auto* s = std::get_if<std::string>(&v)) {
    double d = 0;
    std::from_chars(s->data(), s->data() + s->size(), d);
    return d;
  }
  return 0;
}

std::string SqlRow::text(std::size_t i) const {
  const SqlValue& v = columns[i];
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (auto* d = std::get_if<double>(&v)) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, r.ptr);
  }
  return {};
}

}  // namespace aisbf::store
