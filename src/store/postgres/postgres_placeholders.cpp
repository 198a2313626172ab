#include "store/postgres/postgres_placeholders.hpp"

namespace aisbf::store {
namespace {

bool ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// The index just past a quoted run that opens at `i` with `quote`; a doubled
// quote is an escaped one, and with `backslash` so is \<any>.
std::size_t skip_quoted(std::string_view s, std::size_t i, char quote, bool backslash) {
  for (++i; i < s.size(); ++i) {
    if (backslash && s[i] == '\\') {
      ++i;
    } else if (s[i] == quote) {
      if (i + 1 < s.size() && s[i + 1] == quote) {
        ++i;
      } else {
        return i + 1;
      }
    }
  }
  return s.size();
}

// PostgreSQL nests block comments.
std::size_t skip_block_comment(std::string_view s, std::size_t i) {
  int depth = 0;
  while (i < s.size()) {
    if (s.compare(i, 2, "/*") == 0) {
      ++depth;
      i += 2;
    } else if (s.compare(i, 2, "*/") == 0) {
      i += 2;
      if (--depth == 0) return i;
    } else {
      ++i;
    }
  }
  return s.size();
}

// $tag$…$tag$ (tag empty or an identifier not starting with a digit); 0 if
// `i` opens none (a $1 parameter, or `$` inside an identifier).
std::size_t skip_dollar_quoted(std::string_view s, std::size_t i) {
  if (i > 0 && ident_char(s[i - 1])) return 0;
  std::size_t end = i + 1;
  if (end < s.size() && s[end] >= '0' && s[end] <= '9') return 0;
  while (end < s.size() && ident_char(s[end])) ++end;
  if (end >= s.size() || s[end] != '$') return 0;
  std::string_view tag = s.substr(i, end - i + 1);
  std::size_t close = s.find(tag, end + 1);
  return close == std::string_view::npos ? s.size() : close + tag.size();
}

// The index just past a literal, identifier or comment that opens at `i`,
// or `i` if none does.
std::size_t skip_non_code(std::string_view s, std::size_t i) {
  char c = s[i];
  if (c == '\'') {
    bool escape_string = i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') && (i < 2 || !ident_char(s[i - 2]));
    return skip_quoted(s, i, '\'', escape_string);
  }
  if (c == '"') return skip_quoted(s, i, '"', false);
  if (s.compare(i, 2, "--") == 0) {
    std::size_t eol = s.find('\n', i);
    return eol == std::string_view::npos ? s.size() : eol + 1;
  }
  if (s.compare(i, 2, "/*") == 0) return skip_block_comment(s, i);
  if (c == '$') {
    std::size_t end = skip_dollar_quoted(s, i);
    if (end != 0) return end;
  }
  return i;
}

}  // namespace

PgStatement to_postgres_placeholders(std::string_view sql) {
  PgStatement out;
  out.sql.reserve(sql.size() + 16);
  std::size_t i = 0;
  while (i < sql.size()) {
    std::size_t end = skip_non_code(sql, i);
    if (end != i) {
      out.sql.append(sql.substr(i, end - i));
      i = end;
    } else if (sql[i] == '?') {
      out.sql += '$';
      out.sql += std::to_string(++out.params);
      ++i;
    } else {
      out.sql += sql[i++];
    }
  }
  return out;
}

}  // namespace aisbf::store
