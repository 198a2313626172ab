#include "core/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <utility>

namespace aisbf {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// The name with '-' read as '_' and lower-cased.
std::string normal_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) out.push_back(c == '-' ? '_' : lower(c));
  return out;
}

constexpr std::array<std::string_view, 6> kKeyPrefixes{"sk-", "sk_", "aisbf_", "gsk_", "xai-", "ghp_"};

bool has_key_prefix(std::string_view word) {
  if (word.size() >= 16 && word.substr(0, 4) == "AIza") return true;
  return std::any_of(kKeyPrefixes.begin(), kKeyPrefixes.end(),
                     [&](std::string_view p) { return word.size() >= 16 && word.substr(0, p.size()) == p; });
}

// The end of an unquoted value starting at `from`: whitespace, a quote, a
// backslash (escaped JSON), or a separator (& , ; and closing brackets),
// less a trailing ':' or '.'.
// Base64 and URL characters ('/', '+', '=') are part of the value.
std::size_t value_end(std::string_view text, std::size_t from) {
  const auto start = from;
  constexpr std::string_view kStops = "\"'\\&,;)]}<>";
  while (from < text.size() && std::isspace(static_cast<unsigned char>(text[from])) == 0 &&
         kStops.find(text[from]) == std::string_view::npos)
    ++from;
  // Prose punctuation after a value ("…?key=X: denied", "…key=X."): not its part.
  while (from > start + 1 && (text[from - 1] == ':' || text[from - 1] == '.')) --from;
  return from;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A normalised name (lower case, '_' for '-') that names a credential:
// a known name, or one ending in _token, _secret or _key, or holding
// "password" (refresh_token, client_secret, x_goog_api_key, new_password).
bool secret_name(std::string_view n) {
  static constexpr std::array<std::string_view, 11> kNames{"key",       "apikey",     "token",      "secret",
                                                           "password",  "passwd",     "auth",       "authorization",
                                                           "signature", "credential", "credentials"};
  if (std::find(kNames.begin(), kNames.end(), n) != kNames.end()) return true;
  if (ends_with(n, "_token") || ends_with(n, "_secret") || ends_with(n, "_key") || ends_with(n, "apikey")) return true;
  return n.find("password") != std::string_view::npos;
}

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-'; }

}  // namespace

bool is_secret_header(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kNames{"authorization", "proxy-authorization", "x-api-key",
                                                          "api-key",       "x-goog-api-key",      "cookie",
                                                          "set-cookie",    "x-csrf-token",        "x-aisbf-token"};
  return std::any_of(kNames.begin(), kNames.end(), [&](std::string_view n) { return iequals(n, name); });
}

bool is_secret_parameter(std::string_view name) {
  const auto n = normal_name(name);
  return secret_name(n) || n == "code";  // an OAuth authorization code
}

bool looks_like_token(std::string_view segment) {
  if (has_key_prefix(segment)) return true;
  if (segment.size() < 16 || segment.find('.') != std::string_view::npos) return false;
  bool digit = false, upper = false, lower_case = false, separator = false;
  for (char c : segment) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0)
      digit = true;
    else if (std::isupper(static_cast<unsigned char>(c)) != 0)
      upper = true;
    else if (std::islower(static_cast<unsigned char>(c)) != 0)
      lower_case = true;
    else if (c == '-' || c == '_' || c == '%')
      separator = true;
    else
      return false;
  }
  const bool letter = upper || lower_case;
  // 24 bytes or more: letters and digits mixed, or letters only in both
  // cases in one run (no separator: a word-like name has them).
  if (segment.size() >= 24) return (letter && digit) || (upper && lower_case && !separator);
  // 16 to 23: one run of letters and digits (names of that length have a '-').
  return letter && digit && !separator;
}

std::string redact_target(std::string_view target) {
  const auto q = target.find('?');
  const std::string_view path = target.substr(0, q);
  std::string out;
  out.reserve(target.size());
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const auto segment = path.substr(start, slash - start);
    out.append(looks_like_token(segment) ? kMasked : segment);
    if (slash == path.size()) break;
    out.push_back('/');
    start = slash + 1;
  }
  if (q == std::string_view::npos) return out;
  out.push_back('?');
  std::string_view query = target.substr(q + 1);
  bool first = true;
  while (true) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    if (!first) out.push_back('&');
    first = false;
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && is_secret_parameter(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1));
      out.append(kMasked);
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

namespace {

// After a credential's name at `j` (just past it): an optional closing
// quote (", ' or \"), then ':' or '=', then an optional opening quote and an
// optional "Bearer "/"Basic " scheme. Returns where the value starts and
// ends, or nullopt when no value follows.
std::optional<std::pair<std::size_t, std::size_t>> field_value(std::string_view text, std::size_t j) {
  if (text.substr(j, 2) == "\\\"")
    j += 2;
  else if (j < text.size() && (text[j] == '"' || text[j] == '\''))
    ++j;
  while (j < text.size() && text[j] == ' ') ++j;
  if (j >= text.size() || (text[j] != ':' && text[j] != '=')) return std::nullopt;
  ++j;
  while (j < text.size() && text[j] == ' ') ++j;
  std::string_view close;
  if (text.substr(j, 2) == "\\\"") {
    close = "\\";  // escaped JSON: the value ends at the next backslash
    j += 2;
  } else if (j < text.size() && (text[j] == '"' || text[j] == '\'')) {
    close = text.substr(j, 1);
    ++j;
  }
  for (std::string_view scheme : {"bearer ", "basic "}) {  // "Authorization: Bearer …": the credential after it
    if (istarts_with(text.substr(j), scheme)) j += scheme.size();
  }
  std::size_t end = j;
  if (close == "\"" || close == "'") {
    while (end < text.size() && text[end] != close[0]) end += text[end] == '\\' ? 2 : 1;
    end = std::min(end, text.size());
  } else if (close == "\\") {
    while (end < text.size() && text[end] != '\\') ++end;
  } else {
    end = value_end(text, j);
  }
  if (end == j) return std::nullopt;
  return std::pair{j, end};
}

}  // namespace

std::string redact_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    // A URL's userinfo password: "scheme://user:secret@host" → "scheme://user:***@host".
    if (text.substr(i, 3) == "://") {
      const auto end = text.find_first_of("/ \"'\n", i + 3);
      const auto authority = text.substr(i + 3, end == std::string_view::npos ? std::string_view::npos : end - i - 3);
      const auto at = authority.rfind('@');
      const auto colon = authority.find(':');
      if (at != std::string_view::npos && colon != std::string_view::npos && colon < at) {
        out.append(text.substr(i, 3 + colon + 1));
        out.append(kMasked);
        i += 3 + at;
        continue;
      }
    }
    // "Bearer <credential>"
    if (istarts_with(text.substr(i), "bearer ")) {
      out.append(text.substr(i, 7));
      i += 7;
      const auto end = value_end(text, i);
      if (end > i) out.append(kMasked);
      i = end;
      continue;
    }
    const bool word_start = i == 0 || !name_char(text[i - 1]);
    if (!word_start || !name_char(text[i])) {
      out.push_back(text[i]);
      ++i;
      continue;
    }
    // A word: a credential's name followed by its value (JSON "name": "value",
    // Python 'name': 'value', escaped JSON, name=value, name: value), or a
    // word with a provider key's prefix.
    auto word_end = i;
    while (word_end < text.size() && name_char(text[word_end])) ++word_end;
    const auto word = text.substr(i, word_end - i);
    const auto name = normal_name(word);
    const bool query_code = name == "code" && i > 0 && (text[i - 1] == '?' || text[i - 1] == '&');  // OAuth
    if (secret_name(name) || is_secret_header(word) || query_code) {
      if (auto value = field_value(text, word_end)) {
        out.append(text.substr(i, value->first - i));
        out.append(kMasked);
        i = value->second;
        continue;
      }
    }
    out.append(has_key_prefix(word) ? kMasked : word);
    i = word_end;
  }
  return out;
}

}  // namespace aisbf
