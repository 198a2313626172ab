#include "cache/cache_key.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "core/json_walk.hpp"
#include "core/sha256.hpp"

namespace aisbf::cache {

namespace {

std::optional<double> number_of(std::string_view v) {
  double d = 0;
  const auto [at, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || at != v.data() + v.size()) return std::nullopt;
  return d;
}

}  // namespace

bool may_cache(std::string_view body, bool cache_nondeterministic) {
  const std::size_t begin = json_walk::skip_space(body, 0);
  std::size_t end = body.size();
  while (end > begin && json_walk::is_space(body[end - 1])) --end;
  bool zero_temperature = false, seed = false, refused = false;
  auto is_null = [](std::string_view v) { return v == "null"; };
  const auto number = number_of;
  const bool read = json_walk::for_each_member(body.substr(begin, end - begin), [&](std::string_view key,
                                                                                    std::string_view value) {
    if (key.find('\\') != std::string_view::npos) {
      refused = true;
    } else if (key == "temperature") {
      const auto t = number(value);
      zero_temperature = t && *t == 0.0;
    } else if (key == "seed") {
      seed = number(value).has_value();
    } else if (key == "n") {
      const auto n = number(value);
      refused = refused || (n && *n > 1);
    } else if (key == "logprobs") {
      refused = refused || value == "true";
    } else if (key == "top_logprobs" || key == "audio") {
      refused = refused || !is_null(value);
    } else if (key == "modalities") {
      refused = refused || value.find("\"audio\"") != std::string_view::npos;
    }
    return !refused;
  });
  if (!read || refused) return false;
  return cache_nondeterministic || zero_temperature || seed;
}

void append_parts(const KeyParts& parts, std::string& out) {
  // Each part is length-prefixed: no two different part lists are alike.
  for (std::string_view part : {parts.space, parts.target, parts.format, parts.request, parts.protocol}) {
    char prefix[24];
    auto [at, ec] = std::to_chars(prefix, prefix + sizeof prefix - 1, part.size());
    *at++ = ':';
    out.append(prefix, static_cast<std::size_t>(at - prefix));
    out += part;
  }
}

std::string cache_key(const KeyParts& parts) {
  // One buffer and one digest: each update of the hasher has a cost of its own.
  thread_local std::string input;
  input.clear();
  append_parts(parts, input);
  std::string key = Sha256::hex_of(input);
  if (input.capacity() > 256 * 1024) std::string().swap(input);  // one huge request does not keep its copy
  return key;
}

namespace {

// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool client_bypasses(std::string_view cache_control, std::string_view x_aisbf_cache) {
  if (iequals(trim(x_aisbf_cache), "bypass")) return true;
  while (!cache_control.empty()) {
    const auto comma = cache_control.find(',');
    const std::string_view directive = trim(cache_control.substr(0, comma));
    if (iequals(directive, "no-cache") || iequals(directive, "no-store")) return true;
    if (comma == std::string_view::npos) break;
    cache_control.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace aisbf::cache
