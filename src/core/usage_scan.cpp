// Fast path first: most stream chunks carry `"usage":null` or no usage at
// all, so a search for `"usage"` followed by ':' and '{' rules them out
// without a scan. Otherwise json_scan validates the text and locates the
// top-level member, and the small usage object is read with json_scan too.
// (A key written with escapes, "us\u0061ge", is not found by the fast path;
// no server writes keys that way.)
#include "core/usage_scan.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

#include "core/json_scan.hpp"

namespace aisbf {

namespace {

constexpr std::string_view kUsageKey = "\"usage\"";

bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Whether some `"usage"` in the text is followed by ':' and an object.
// memmem: several times faster than string_view::find on JSON, where '"'
// (the needle's first byte) is everywhere.
bool may_have_usage_object(std::string_view text) {
  const char* const end = text.data() + text.size();
  for (const char* at = text.data(); at < end;) {
    const void* hit = memmem(at, static_cast<std::size_t>(end - at), kUsageKey.data(), kUsageKey.size());
    if (!hit) return false;
    const char* p = static_cast<const char*>(hit) + kUsageKey.size();
    at = static_cast<const char*>(hit) + 1;
    while (p < end && is_ws(*p)) ++p;
    if (p == end || *p != ':') continue;
    ++p;
    while (p < end && is_ws(*p)) ++p;
    if (p < end && *p == '{') return true;
  }
  return false;
}

// A JSON number as a non-negative count; anything else is 0.
std::int64_t to_count(std::string_view v) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec == std::errc() && end == v.data() + v.size()) return n < 0 ? 0 : n;
  if (v.empty() || !(v.front() == '-' || (v.front() >= '0' && v.front() <= '9'))) return 0;
  double d = 0;
  const auto [dend, dec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (dec != std::errc() || dend != v.data() + v.size() || !(d > 0)) return 0;
  return d >= 9.2e18 ? INT64_MAX : static_cast<std::int64_t>(d);
}

}  // namespace

std::optional<ScannedUsage> scan_openai_usage(std::string_view json_text) {
  if (!may_have_usage_object(json_text)) return std::nullopt;
  std::optional<json_scan::Member> usage;
  if (json_scan::scan_object(json_text, [&](const json_scan::Member& m) {
        if (json_scan::key_equals(m, "usage")) usage = m;
      })) {
    return std::nullopt;
  }
  if (!usage || json_text[usage->value_begin] != '{') return std::nullopt;

  const std::string_view span = json_text.substr(usage->value_begin, usage->value_end - usage->value_begin);
  ScannedUsage out;
  bool has_total = false, has_cached = false;
  std::int64_t cache_hit = 0;
  auto value = [&](std::string_view text, const json_scan::Member& m) {
    return text.substr(m.value_begin, m.value_end - m.value_begin);
  };
  // The span was validated above; these scans only walk it.
  json_scan::scan_object(span, [&](const json_scan::Member& m) {
    if (json_scan::key_equals(m, "prompt_tokens")) {
      out.prompt_tokens = to_count(value(span, m));
    } else if (json_scan::key_equals(m, "completion_tokens")) {
      out.completion_tokens = to_count(value(span, m));
    } else if (json_scan::key_equals(m, "total_tokens")) {
      out.total_tokens = to_count(value(span, m));
      has_total = true;
    } else if (json_scan::key_equals(m, "prompt_cache_hit_tokens")) {
      cache_hit = to_count(value(span, m));
    } else if (json_scan::key_equals(m, "prompt_tokens_details") && span[m.value_begin] == '{') {
      const std::string_view details = value(span, m);
      json_scan::scan_object(details, [&](const json_scan::Member& d) {
        if (json_scan::key_equals(d, "cached_tokens")) {
          out.cached_tokens = to_count(value(details, d));
          has_cached = true;
        }
      });
    }
  });
  if (!has_total) {
    out.total_tokens = out.prompt_tokens > INT64_MAX - out.completion_tokens ? INT64_MAX
                                                                             : out.prompt_tokens + out.completion_tokens;
  }
  if (!has_cached) out.cached_tokens = cache_hit;
  return out;
}

}  // namespace aisbf
