#include "cache/cache_key.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "core/json_walk.hpp"
#include "core/sha256.hpp"

namespace aisbf::cache {

namespace {

constexpr std::array<std::string_view, 6> kIgnored = {"model", "stream", "stream_options", "user", "metadata", "store"};
// Deeper than any request the envelope scan lets through: not cached.
constexpr int kMaxDepth = 128;

bool ignored(std::string_view key) { return std::find(kIgnored.begin(), kIgnored.end(), key) != kIgnored.end(); }

std::optional<double> number_of(std::string_view v) {
  double d = 0;
  const auto [at, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || at != v.data() + v.size()) return std::nullopt;
  return d;
}

// Writes the canonical form straight from the validated text (the envelope
// scan checked it): no tree, no decoded strings. Strings and keys are kept
// as the client spelled them (an escape spelled two ways makes two keys: a
// miss, never a wrong answer); keys are sorted by that spelling.
class Canonicalizer {
 public:
  explicit Canonicalizer(std::string& out) : out_(out) {}

  bool value(std::string_view v, int depth) {
    if (v.empty() || depth > kMaxDepth) return false;
    switch (v.front()) {
      case '{':
        return object(v, depth, false);
      case '[': {
        out_ += '[';
        bool first = true;
        const bool ok = json_walk::for_each_element(v, [&](std::string_view element) {
          if (!first) out_ += ',';
          first = false;
          return value(element, depth + 1);
        });
        out_ += ']';
        return ok;
      }
      case '"':
        out_ += v;
        return true;
      case 't':
      case 'f':
      case 'n':
        out_ += v;
        return true;
      default:
        return number(v);
    }
  }

  // The top level drops the fields that cannot change the answer and notes
  // whether the request is deterministic.
  bool object(std::string_view v, int depth, bool top) {
    const std::size_t base = members_.size();
    const bool read = json_walk::for_each_member(v, [&](std::string_view key, std::string_view member) {
      if (top) {
        if (key == "temperature") {
          const auto t = number_of(member);
          zero_temperature_ = t && *t == 0.0;
        } else if (key == "seed") {
          seed_ = number_of(member).has_value();
        }
        if (ignored(key)) return true;
      }
      members_.push_back({key, member});
      return true;
    });
    if (!read) return false;
    // Members of nested objects are pushed after this object's and popped
    // before the next sibling: one vector serves the whole request.
    std::sort(members_.begin() + static_cast<std::ptrdiff_t>(base), members_.end(),
              [](const Member& a, const Member& b) { return a.key < b.key; });
    const std::size_t count = members_.size() - base;
    out_ += '{';
    for (std::size_t i = 0; i < count; ++i) {
      const Member m = members_[base + i];
      if (i > 0) out_ += ',';
      ((out_ += '"') += m.key) += "\":";
      if (!value(m.value, depth + 1)) return false;
      members_.resize(base + count);  // what the member's value pushed
    }
    out_ += '}';
    members_.resize(base);
    return true;
  }

  bool deterministic() const { return zero_temperature_ || seed_; }

 private:
  struct Member {
    std::string_view key, value;
  };

  // One spelling per number: 1, 1.0 and 1e0 are the same.
  bool number(std::string_view v) {
    if (v.find_first_of(".eE") == std::string_view::npos) {
      out_ += v;
      return true;
    }
    const auto d = number_of(v);
    if (!d) return false;
    if (std::isfinite(*d) && std::trunc(*d) == *d && std::fabs(*d) < 9.0e15) {
      fmt::format_to(std::back_inserter(out_), "{}", static_cast<std::int64_t>(*d));
    } else {
      fmt::format_to(std::back_inserter(out_), "{}", *d);
    }
    return true;
  }

  std::string& out_;
  std::vector<Member> members_;
  bool zero_temperature_ = false, seed_ = false;
};

}  // namespace

std::optional<CanonicalRequest> canonical_request(std::string_view body) {
  const std::size_t begin = json_walk::skip_space(body, 0);
  std::size_t end = body.size();
  while (end > begin && json_walk::is_space(body[end - 1])) --end;
  const std::string_view object = body.substr(begin, end - begin);
  if (object.empty() || object.front() != '{') return std::nullopt;
  CanonicalRequest out;
  out.text.reserve(object.size());
  Canonicalizer canonical(out.text);
  if (!canonical.object(object, 0, true)) return std::nullopt;
  out.deterministic = canonical.deterministic();
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
