#include "cache/cache_key.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/json_walk.hpp"
#include "core/sha256.hpp"

namespace aisbf::cache {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 6> kIgnored = {"model", "stream", "stream_options", "user", "metadata", "store"};

bool ignored(std::string_view key) { return std::find(kIgnored.begin(), kIgnored.end(), key) != kIgnored.end(); }

std::optional<double> number_of(std::string_view v) {
  double d = 0;
  const auto [at, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || at != v.data() + v.size()) return std::nullopt;
  return d;
}

void write_string(std::string_view s, std::string& out) {
  out += json::serialize(json::string_view(s.data(), s.size()));
}

void write_number(double d, std::string& out) {
  // An integral value is written as an integer: 1 and 1.0 mean the same.
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.0e15) {
    fmt::format_to(std::back_inserter(out), "{}", static_cast<std::int64_t>(d));
  } else {
    out += json::serialize(json::value(d));
  }
}

void write_value(const json::value& v, std::string& out);

void write_object(const json::object& obj, std::string& out, bool top) {
  std::vector<const json::key_value_pair*> fields;
  fields.reserve(obj.size());
  for (const auto& kv : obj) {
    if (!(top && ignored(kv.key()))) fields.push_back(&kv);
  }
  std::sort(fields.begin(), fields.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
  out += '{';
  bool first = true;
  for (const auto* kv : fields) {
    if (!first) out += ',';
    first = false;
    write_string(kv->key(), out);
    out += ':';
    write_value(kv->value(), out);
  }
  out += '}';
}

// Depth is bounded by the parser's own limit.
void write_value(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object:
      write_object(v.get_object(), out, false);
      break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write_value(item, out);
      }
      out += ']';
      break;
    }
    case json::kind::string:
      write_string(v.get_string(), out);
      break;
    case json::kind::double_:
      write_number(v.get_double(), out);
      break;
    case json::kind::int64:
      fmt::format_to(std::back_inserter(out), "{}", v.get_int64());
      break;
    case json::kind::uint64:
      fmt::format_to(std::back_inserter(out), "{}", v.get_uint64());
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::null:
      out += "null";
      break;
  }
}

// temperature 0 (absent: the providers' default, 1), or a seed.
bool deterministic(const json::object& obj) {
  if (const auto* seed = obj.if_contains("seed"); seed != nullptr && seed->is_number()) return true;
  const auto* temperature = obj.if_contains("temperature");
  if (temperature == nullptr || !temperature->is_number()) return false;
  json::error_code ec;
  const double t = temperature->to_number<double>(ec);
  return !ec && t == 0.0;
}

}  // namespace

std::optional<CanonicalRequest> canonical_request(std::string_view body) {
  // One arena for the whole tree, on the stack for a small body: the
  // parse costs no allocation per node.
  unsigned char buffer[4096];
  json::monotonic_resource arena(buffer, sizeof buffer);
  json::error_code ec;
  json::value root = json::parse(body, ec, &arena);
  if (ec || !root.is_object()) return std::nullopt;
  CanonicalRequest out;
  out.text.reserve(body.size());
  write_object(root.get_object(), out.text, true);
  out.deterministic = deterministic(root.get_object());
  return out;
}

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

std::string cache_key(const KeyParts& parts) {
  Sha256 sha;
  // Each part is length-prefixed: no two different part lists hash alike.
  for (std::string_view part : {parts.space, parts.target, parts.format, parts.request, parts.protocol}) {
    char prefix[24];
    auto [at, ec] = std::to_chars(prefix, prefix + sizeof prefix - 1, part.size());
    *at++ = ':';
    sha.update(std::string_view(prefix, static_cast<std::size_t>(at - prefix)));
    sha.update(part);
  }
  return sha.hex();
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
