// Walks JSON text that was validated already (the envelope scan or
// json_scan::scan_object checked the body): finds where values end and
// visits an object's members or an array's elements as views, without
// validating again or decoding anything. On text that was not validated it
// stays in bounds and answers false or npos, but proves nothing.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

namespace aisbf::json_walk {

inline constexpr std::size_t npos = std::string_view::npos;

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// One past the closing quote of the string literal at s[i] ('"'); npos when
// it has none. A quote closes unless an odd run of backslashes precedes it.
inline std::size_t string_end(std::string_view s, std::size_t i) {
  for (std::size_t from = i + 1; from < s.size();) {
    const void* hit = std::memchr(s.data() + from, '"', s.size() - from);
    if (hit == nullptr) return npos;
    const auto quote = static_cast<std::size_t>(static_cast<const char*>(hit) - s.data());
    std::size_t slashes = 0;
    while (quote - slashes > i + 1 && s[quote - 1 - slashes] == '\\') ++slashes;
    if (slashes % 2 == 0) return quote + 1;
    from = quote + 1;
  }
  return npos;
}

// One past the end of the value at s[i]; npos when it does not end. Not a
// validator (the envelope scan was): nesting is counted, strings skipped.
inline std::size_t value_end(std::string_view s, std::size_t i) {
  if (i >= s.size()) return npos;
  const char c = s[i];
  if (c == '"') return string_end(s, i);
  if (c == '{' || c == '[') {
    std::size_t depth = 0;
    for (std::size_t j = i; j < s.size();) {
      const char d = s[j];
      if (d == '"') {
        j = string_end(s, j);
        if (j == npos) return npos;
        continue;
      }
      if (d == '{' || d == '[') {
        ++depth;
      } else if ((d == '}' || d == ']') && --depth == 0) {
        return j + 1;
      }
      ++j;
    }
    return npos;
  }
  std::size_t j = i;  // a number, true, false or null
  while (j < s.size() && s[j] != ',' && s[j] != '}' && s[j] != ']' && !is_space(s[j])) ++j;
  return j == i ? npos : j;
}

// Calls f(key_raw, value) for each member of `object` (its whole text);
// false when it is no object or f returned false.
template <class F>
bool for_each_member(std::string_view object, F&& f) {
  if (object.empty() || object.front() != '{') return false;
  std::size_t i = skip_space(object, 1);
  if (i < object.size() && object[i] == '}') return true;
  for (;;) {
    if (i >= object.size() || object[i] != '"') return false;
    const std::size_t key_end = string_end(object, i);
    if (key_end == npos) return false;
    const std::string_view key = object.substr(i + 1, key_end - i - 2);
    i = skip_space(object, key_end);
    if (i >= object.size() || object[i] != ':') return false;
    i = skip_space(object, i + 1);
    const std::size_t end = value_end(object, i);
    if (end == npos) return false;
    if (!f(key, object.substr(i, end - i))) return false;
    i = skip_space(object, end);
    if (i < object.size() && object[i] == ',') {
      i = skip_space(object, i + 1);
      continue;
    }
    return i < object.size() && object[i] == '}';
  }
}

// Calls f(element) for each element of `array`; false as for_each_member.
template <class F>
bool for_each_element(std::string_view array, F&& f) {
  if (array.empty() || array.front() != '[') return false;
  std::size_t i = skip_space(array, 1);
  if (i < array.size() && array[i] == ']') return true;
  for (;;) {
    const std::size_t end = value_end(array, i);
    if (end == npos) return false;
    if (!f(array.substr(i, end - i))) return false;
    i = skip_space(array, end);
    if (i < array.size() && array[i] == ',') {
      i = skip_space(array, i + 1);
      continue;
    }
    return i < array.size() && array[i] == ']';
  }
}

}  // namespace aisbf::json_walk
