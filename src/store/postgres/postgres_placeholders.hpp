// `?` placeholders → PostgreSQL's $1, $2, … (pure; postgres_driver.cpp
// caches the result per statement).
#pragma once

#include <string>
#include <string_view>

namespace aisbf::store {

struct PgStatement {
  std::string sql;  // with $n placeholders
  int params = 0;   // how many
};

// A `?` inside a string literal ('…' with '' escapes, E'…' with backslash
// escapes, $tag$…$tag$), a quoted identifier ("…") or a comment (-- and
// /* */) is left alone. An unterminated one runs to the end (the server then
// reports the syntax error).
PgStatement to_postgres_placeholders(std::string_view sql);

}  // namespace aisbf::store
