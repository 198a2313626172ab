// Usage is read without validating the whole answer: a quick search rules
// out most stream chunks, then only the top level is walked from the end
// (strings and brackets matched, nested values skipped) to the last "usage"
// member, and only that object is read. The body as a whole is the
// client's to validate.
#include "core/usage_scan.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "core/json_scan.hpp"

namespace aisbf {

namespace {

constexpr std::string_view kUsageKey = "\"usage\"";

bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

const char* skip_ws(const char* p, const char* end) {
  while (p < end && is_ws(*p)) ++p;
  return p;
}

// `literal` (a key with its quotes, escapes not decoded) names `quoted`
// ("\"usage\"").
bool key_is(std::string_view literal, std::string_view quoted) {
  if (literal == quoted) return true;
  if (literal.find('\\') == std::string_view::npos) return false;
  auto decoded = json_scan::decode_string(literal);
  return decoded && *decoded == quoted.substr(1, quoted.size() - 2);
}

// Backwards: the opening quote of the string whose closing quote is at
// q[-1], or null. A quote inside a string is escaped (an odd run of
// backslashes before it); the opening one follows no backslash, as nothing
// outside a string may be one.
const char* string_begin_back(const char* lo, const char* q) {
  const char* to = q - 1;  // the closing quote
  while (to > lo) {
    const auto* quote = static_cast<const char*>(memrchr(lo, '"', static_cast<std::size_t>(to - lo)));
    if (quote == nullptr) return nullptr;
    std::size_t slashes = 0;
    for (const char* b = quote - 1; b >= lo && *b == '\\'; --b) ++slashes;
    if (slashes % 2 == 0) return quote;
    to = quote;
  }
  return nullptr;
}

// Backwards: where the value ending at p[-1] begins, or null. Strings and
// brackets are matched; a scalar runs back to the previous delimiter.
const char* value_begin_back(const char* lo, const char* p) {
  if (p == lo) return nullptr;
  const char last = p[-1];
  if (last == '"') return string_begin_back(lo, p);
  if (last != '}' && last != ']') {
    const char* v = p;
    while (v > lo && v[-1] != ',' && v[-1] != ':' && v[-1] != '{' && v[-1] != '[' && !is_ws(v[-1])) --v;
    return v == p ? nullptr : v;
  }
  int depth = 0;
  for (const char* v = p; v > lo;) {
    const char c = v[-1];
    if (c == '"') {
      v = string_begin_back(lo, v);
      if (v == nullptr) return nullptr;
      continue;
    }
    --v;
    if (c == '}' || c == ']') {
      ++depth;
    } else if ((c == '{' || c == '[') && --depth == 0) {
      return v;
    }
  }
  return nullptr;
}

const char* skip_ws_back(const char* lo, const char* p) {
  while (p > lo && is_ws(p[-1])) --p;
  return p;
}

// The value of the last top-level member named `quoted_key`, walking the
// top level from the end: upstreams put usage at or near the end, so it is
// found without reading the content before it, whatever its size. Strings
// and brackets are matched, nested values skipped, and only the members
// after the one found are walked (the rest of the body is the client's to
// validate); text that is not one object is nullopt.
std::optional<std::string_view> top_level_member(std::string_view text, std::string_view quoted_key) {
  const char* const end = text.data() + text.size();
  const char* const open = skip_ws(text.data(), end);
  if (open == end || *open != '{') return std::nullopt;
  const char* const lo = open + 1;  // the members lie in [lo, p)
  const char* p = skip_ws_back(lo, end);
  if (p == lo || p[-1] != '}') return std::nullopt;
  p = skip_ws_back(lo, p - 1);
  for (;;) {
    const char* value = value_begin_back(lo, p);
    if (value == nullptr) return std::nullopt;
    const char* colon = skip_ws_back(lo, value);
    if (colon == lo || colon[-1] != ':') return std::nullopt;
    const char* key_end = skip_ws_back(lo, colon - 1);
    if (key_end == lo || key_end[-1] != '"') return std::nullopt;
    const char* key = string_begin_back(lo, key_end);
    if (key == nullptr) return std::nullopt;
    if (key_is(std::string_view(key, static_cast<std::size_t>(key_end - key)), quoted_key))
      return std::string_view(value, static_cast<std::size_t>(p - value));
    const char* comma = skip_ws_back(lo, key);
    if (comma == lo || comma[-1] != ',') return std::nullopt;  // the first member, or not an object
    p = skip_ws_back(lo, comma - 1);
  }
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

// Reads the number after `hit` (a key with its quotes, as found in the
// usage object): `"key": <number>`; false when no ':' follows.
bool read_count_at(const char* hit, std::size_t key_size, const char* end, std::int64_t& out) {
  const char* p = skip_ws(hit + key_size, end);
  if (p == end || *p != ':') return false;
  p = skip_ws(p + 1, end);
  const char* v = p;
  while (p < end && *p != ',' && *p != '}' && !is_ws(*p)) ++p;
  out = to_count(std::string_view(v, static_cast<std::size_t>(p - v)));
  return true;
}

// The counts a plain usage object (no escapes) is read for, each key with
// its quotes, so "prompt_tokens" never matches "prompt_tokens_details";
// cached_tokens only occurs in the details.
enum PlainKey : std::uint8_t { kTotal, kPrompt, kCompletion, kCacheHit, kCached, kReasoning, kPlainKeys };
constexpr std::array<std::string_view, kPlainKeys> kPlainKeyText = {
    "\"total_tokens\"",  "\"prompt_tokens\"",   "\"completion_tokens\"", "\"prompt_cache_hit_tokens\"",
    "\"cached_tokens\"", "\"reasoning_tokens\""};
// The Responses API's names, in the same order; it has no cache-hit count, and
// a key no usage object has stands in for one (what it reads is unused).
constexpr std::array<std::string_view, kPlainKeys> kPlainResponsesKeyText = {
    "\"total_tokens\"",      "\"input_tokens\"",  "\"output_tokens\"",
    "\"aisbf-no-such-key\"", "\"cached_tokens\"", "\"reasoning_tokens\""};

// Where each key first occurs in `span` (null: absent). Every occurrence
// starts at a '"', so one walk over the quotes finds the same first
// occurrences as a search per key did, in one pass instead of six.
std::array<const char*, kPlainKeys> first_key_hits(std::string_view span,
                                                   const std::array<std::string_view, kPlainKeys>& keys) {
  std::array<const char*, kPlainKeys> hits{};
  std::size_t missing = kPlainKeys;
  const char* const end = span.data() + span.size();
  for (const char* q = span.data(); missing > 0 && q < end; ++q) {
    q = static_cast<const char*>(std::memchr(q, '"', static_cast<std::size_t>(end - q)));
    if (q == nullptr) break;
    const std::string_view rest(q, static_cast<std::size_t>(end - q));
    if (rest.size() < 2) break;
    for (std::size_t k = 0; k < kPlainKeys; ++k) {
      // The first letter rules out most keys and values without a compare.
      if (hits[k] == nullptr && keys[k][1] == rest[1] && rest.starts_with(keys[k])) {
        hits[k] = q;
        --missing;
        break;  // no key is a prefix of another (each ends with its quote)
      }
    }
  }
  return hits;
}

// Reads the plain keys' counts; `has_total` and `has_cached` tell whether
// those keys were there (followed by ':').
void read_plain(std::string_view span, ScannedUsage& out, bool& has_total, bool& has_cached, std::int64_t& cache_hit,
                const std::array<std::string_view, kPlainKeys>& keys = kPlainKeyText) {
  const auto hits = first_key_hits(span, keys);
  const char* const end = span.data() + span.size();
  auto read = [&](PlainKey k, std::int64_t& value) {
    return hits[k] != nullptr && read_count_at(hits[k], keys[k].size(), end, value);
  };
  has_total = read(kTotal, out.total_tokens);
  read(kPrompt, out.prompt_tokens);
  read(kCompletion, out.completion_tokens);
  read(kCacheHit, cache_hit);
  has_cached = read(kCached, out.cached_tokens);
  read(kReasoning, out.reasoning_tokens);
}

// Keys written with escapes: a full, validating read of the usage object.
bool read_escaped(std::string_view span, ScannedUsage& out, bool& has_total, bool& has_cached, std::int64_t& cache_hit) {
  auto value = [](std::string_view text, const json_scan::Member& m) {
    return text.substr(m.value_begin, m.value_end - m.value_begin);
  };
  const bool invalid = json_scan::scan_object(span, [&](const json_scan::Member& m) {
    if (json_scan::key_equals(m, "prompt_tokens")) {
      out.prompt_tokens = to_count(value(span, m));
    } else if (json_scan::key_equals(m, "completion_tokens")) {
      out.completion_tokens = to_count(value(span, m));
    } else if (json_scan::key_equals(m, "total_tokens")) {
      out.total_tokens = to_count(value(span, m));
      has_total = true;
    } else if (json_scan::key_equals(m, "prompt_cache_hit_tokens")) {
      cache_hit = to_count(value(span, m));
    } else if (json_scan::key_equals(m, "completion_tokens_details") && span[m.value_begin] == '{') {
      const std::string_view details = value(span, m);
      json_scan::scan_object(details, [&](const json_scan::Member& d) {
        if (json_scan::key_equals(d, "reasoning_tokens")) out.reasoning_tokens = to_count(value(details, d));
      });
    } else if (json_scan::key_equals(m, "prompt_tokens_details") && span[m.value_begin] == '{') {
      const std::string_view details = value(span, m);
      json_scan::scan_object(details, [&](const json_scan::Member& d) {
        if (json_scan::key_equals(d, "cached_tokens")) {
          out.cached_tokens = to_count(value(details, d));
          has_cached = true;
        }
      });
    }
  }).has_value();
  return !invalid;
}

}  // namespace

std::optional<std::string_view> top_level_usage(std::string_view json_text) {
  return top_level_member(json_text, kUsageKey);
}

std::optional<ScannedUsage> scan_openai_usage(std::string_view json_text, std::string_view* usage_object) {
  if (memmem(json_text.data(), json_text.size(), kUsageKey.data(), kUsageKey.size()) == nullptr &&
      json_text.find('\\') == std::string_view::npos) {
    return std::nullopt;  // the common stream chunk: no usage at all
  }
  auto found = top_level_member(json_text, kUsageKey);
  if (!found || found->front() != '{') return std::nullopt;
  const std::string_view span = *found;

  ScannedUsage out;
  bool has_total = false, has_cached = false;
  std::int64_t cache_hit = 0;
  if (span.find('\\') == std::string_view::npos) {
    read_plain(span, out, has_total, has_cached, cache_hit);  // the usual case: plain keys, read directly
  } else if (!read_escaped(span, out, has_total, has_cached, cache_hit)) {
    return std::nullopt;
  }
  if (!has_total) {
    out.total_tokens = out.prompt_tokens > INT64_MAX - out.completion_tokens ? INT64_MAX
                                                                             : out.prompt_tokens + out.completion_tokens;
  }
  if (!has_cached) out.cached_tokens = cache_hit;
  out.reported = true;
  if (usage_object != nullptr) *usage_object = span;
  return out;
}

namespace {

// Anthropic's counts, read with a validating scan of the usage object's own
// members: nested objects (cache_creation, iterations) repeat key names.
// A null or absent count keeps the value read before (message_delta may
// carry input counts as null).
bool read_anthropic_counts(std::string_view span, AnthropicUsage& counts) {
  AnthropicUsage next = counts;
  const bool invalid = json_scan::scan_object(span, [&](const json_scan::Member& m) {
    const std::string_view value = span.substr(m.value_begin, m.value_end - m.value_begin);
    if (value.empty() || !(value.front() == '-' || (value.front() >= '0' && value.front() <= '9'))) return;
    if (json_scan::key_equals(m, "input_tokens")) {
      next.input = to_count(value);
    } else if (json_scan::key_equals(m, "output_tokens")) {
      next.output = to_count(value);
    } else if (json_scan::key_equals(m, "cache_read_input_tokens")) {
      next.cache_read = to_count(value);
    } else if (json_scan::key_equals(m, "cache_creation_input_tokens")) {
      next.cache_creation = to_count(value);
    }
  }).has_value();
  if (invalid) return false;
  counts = next;
  return true;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) { return a > INT64_MAX - b ? INT64_MAX : a + b; }

}  // namespace

ScannedUsage AnthropicUsage::scanned() const {
  ScannedUsage out;
  out.prompt_tokens = saturating_add(saturating_add(input, cache_read), cache_creation);
  out.completion_tokens = output;
  out.total_tokens = saturating_add(out.prompt_tokens, output);
  out.cached_tokens = cache_read;
  out.cache_write_tokens = cache_creation;
  out.reported = true;
  return out;
}

namespace {

// The Responses usage object's counts: plain keys read directly, as
// OpenAI's are; escaped ones with a validating scan (only answers and final
// events carry a usage object).
bool read_responses_counts(std::string_view span, ScannedUsage& out) {
  bool has_total = false;
  if (span.find('\\') == std::string_view::npos) {
    bool has_cached = false;
    std::int64_t no_cache_hit = 0;
    read_plain(span, out, has_total, has_cached, no_cache_hit, kPlainResponsesKeyText);
    if (!has_total) out.total_tokens = saturating_add(out.prompt_tokens, out.completion_tokens);
    out.reported = true;
    return true;
  }
  auto value = [](std::string_view text, const json_scan::Member& m) {
    return text.substr(m.value_begin, m.value_end - m.value_begin);
  };
  auto detail = [&](std::string_view details, std::string_view key, std::int64_t& count) {
    if (details.empty() || details.front() != '{') return;
    json_scan::scan_object(details, [&](const json_scan::Member& d) {
      if (json_scan::key_equals(d, key)) count = to_count(value(details, d));
    });
  };
  const bool invalid = json_scan::scan_object(span, [&](const json_scan::Member& m) {
    if (json_scan::key_equals(m, "input_tokens")) {
      out.prompt_tokens = to_count(value(span, m));
    } else if (json_scan::key_equals(m, "output_tokens")) {
      out.completion_tokens = to_count(value(span, m));
    } else if (json_scan::key_equals(m, "total_tokens")) {
      out.total_tokens = to_count(value(span, m));
      has_total = true;
    } else if (json_scan::key_equals(m, "input_tokens_details")) {
      detail(value(span, m), "cached_tokens", out.cached_tokens);
    } else if (json_scan::key_equals(m, "output_tokens_details")) {
      detail(value(span, m), "reasoning_tokens", out.reasoning_tokens);
    }
  }).has_value();
  if (invalid) return false;
  if (!has_total) out.total_tokens = saturating_add(out.prompt_tokens, out.completion_tokens);
  out.reported = true;
  return true;
}

}  // namespace

std::optional<ScannedUsage> scan_responses_usage(std::string_view json_text, std::string_view* usage_object) {
  if (memmem(json_text.data(), json_text.size(), kUsageKey.data(), kUsageKey.size()) == nullptr &&
      json_text.find('\\') == std::string_view::npos) {
    return std::nullopt;  // a delta event: no usage at all
  }
  auto found = top_level_member(json_text, kUsageKey);
  const bool top_level = found.has_value();
  if (!found) {  // {"type":"response.completed","response":{…,"usage":{…}}}
    auto response = top_level_member(json_text, "\"response\"");
    if (response && response->front() == '{') found = top_level_member(*response, kUsageKey);
  }
  if (!found || found->front() != '{') return std::nullopt;
  ScannedUsage out;
  if (!read_responses_counts(*found, out)) return std::nullopt;
  if (usage_object != nullptr && top_level) *usage_object = *found;
  return out;
}

bool scan_anthropic_usage(std::string_view json_text, AnthropicUsage& counts, std::string_view* usage_object) {
  if (memmem(json_text.data(), json_text.size(), kUsageKey.data(), kUsageKey.size()) == nullptr &&
      json_text.find('\\') == std::string_view::npos) {
    return false;  // the common stream event (a content delta): no usage at all
  }
  auto found = top_level_member(json_text, kUsageKey);
  const bool top_level = found.has_value();
  if (!found) {  // message_start: {"type":"message_start","message":{…,"usage":{…}}}
    auto message = top_level_member(json_text, "\"message\"");
    if (message && message->front() == '{') found = top_level_member(*message, kUsageKey);
  }
  if (!found || found->front() != '{') return false;
  if (!read_anthropic_counts(*found, counts)) return false;
  if (usage_object != nullptr && top_level) *usage_object = *found;
  return true;
}

}  // namespace aisbf
