#include "core/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

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

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' ||
         c == '/' || c == '=';
}

// The end of a value starting at `from`: a run of token characters.
std::size_t value_end(std::string_view text, std::size_t from) {
  while (from < text.size() && token_char(text[from]) && text[from] != '/') ++from;
  return from;
}

}  // namespace

bool is_secret_header(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kNames{"authorization", "proxy-authorization", "x-api-key",
                                                          "api-key",       "x-goog-api-key",      "cookie",
                                                          "set-cookie",    "x-csrf-token",        "x-aisbf-token"};
  return std::any_of(kNames.begin(), kNames.end(), [&](std::string_view n) { return iequals(n, name); });
}

bool is_secret_parameter(std::string_view name) {
  static constexpr std::array<std::string_view, 13> kNames{
      "key",    "api_key",  "apikey", "x_api_key", "token",     "access_token", "refresh_token",
      "secret", "password", "passwd", "auth",      "signature", "client_secret"};
  const auto n = normal_name(name);
  return std::find(kNames.begin(), kNames.end(), std::string_view(n)) != kNames.end();
}

bool looks_like_token(std::string_view segment) {
  if (has_key_prefix(segment)) return true;
  if (segment.size() < 24 || segment.find('.') != std::string_view::npos) return false;
  bool letter = false, digit = false;
  for (char c : segment) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0)
      digit = true;
    else if (std::isalpha(static_cast<unsigned char>(c)) != 0)
      letter = true;
    else if (c != '-' && c != '_' && c != '%')
      return false;
  }
  return letter && digit;
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

std::string redact_text(std::string_view text) {
  static constexpr std::array<std::string_view, 10> kFields{
      "api_key", "apikey", "x-api-key", "authorization", "password",
      "token",   "secret", "key",       "access_token",  "x-goog-api-key"};
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
    // A field name (JSON "name": "value", name=value, name: value), at a word start.
    const bool word_start = i == 0 || !(std::isalnum(static_cast<unsigned char>(text[i - 1])) != 0 ||
                                        text[i - 1] == '_' || text[i - 1] == '-');
    bool masked = false;
    if (word_start) {
      for (auto field : kFields) {
        if (!istarts_with(text.substr(i), field)) continue;
        std::size_t j = i + field.size();
        if (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) != 0 || text[j] == '_')) continue;
        if (j < text.size() && text[j] == '"') ++j;
        while (j < text.size() && text[j] == ' ') ++j;
        if (j >= text.size() || (text[j] != ':' && text[j] != '=')) continue;
        ++j;
        while (j < text.size() && text[j] == ' ') ++j;
        const bool quoted = j < text.size() && text[j] == '"';
        if (quoted) ++j;
        for (std::string_view scheme : {"bearer ", "basic "}) {  // "Authorization: Bearer …": the credential after it
          if (istarts_with(text.substr(j), scheme)) j += scheme.size();
        }
        std::size_t end = j;
        if (quoted) {
          while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
          end = std::min(end, text.size());
        } else {
          end = value_end(text, j);
        }
        if (end == j) continue;
        out.append(text.substr(i, j - i));
        out.append(kMasked);
        i = end;
        masked = true;
        break;
      }
    }
    if (masked) continue;
    // A word with a provider key's prefix.
    if (word_start && std::isalnum(static_cast<unsigned char>(text[i])) != 0) {
      auto end = i;
      while (end < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[end])) != 0 || text[end] == '-' || text[end] == '_'))
        ++end;
      const auto word = text.substr(i, end - i);
      out.append(has_key_prefix(word) ? kMasked : word);
      i = end;
      continue;
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

}  // namespace aisbf
