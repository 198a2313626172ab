#include "ops/access_log.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/redact.hpp"

namespace aisbf::ops {

namespace {

constexpr std::size_t kFieldBytes = 256;

// A line costs a few hundred instructions, on every request (issue 16's bar:
// metrics and the access log together within 5 % of a passthrough request).
// So the writer copies in fixed 16- and 32-byte blocks, which compile to a
// couple of vector moves where a memcpy call of a variable size costs a
// dozen instructions, and scans values 16 bytes at a time. The blocks may
// run past the line's end into kSlack spare bytes, cut at the end.
constexpr std::size_t kSlack = 64;

// A key with what precedes and follows it in its format (logfmt
// ` event=`, JSON `,"event":`), padded for one 32-byte copy.
struct Key {
  char text[32] = {};
  std::uint8_t size = 0;
  constexpr Key() = default;
  constexpr explicit Key(std::string_view t) : size(static_cast<std::uint8_t>(t.size())) {
    for (std::size_t i = 0; i < t.size() && i < sizeof text; ++i) text[i] = t[i];
  }
};

// The fields in order; [0] opens the line, the last entry ends it.
constexpr std::string_view kNames[] = {
    "event",      "request_id", "client",         "method", "path",     "route",         "user",
    "model",      "provider",   "upstream_model", "status", "attempts", "prompt_tokens", "completion_tokens",
    "latency_us", "ttfb_us"};
constexpr std::size_t kTexts = 10;  // kNames[0..kTexts) are text fields, the rest numbers

template <LogFormat F>
constexpr std::array<Key, std::size(kNames) + 2> make_keys() {
  std::array<Key, std::size(kNames) + 2> keys{Key(F == LogFormat::json ? "{\"ts_ms\":" : "ts_ms=")};
  for (std::size_t i = 0; i < std::size(kNames); ++i) {
    char buf[32] = {};
    std::size_t n = 0;
    for (char c : std::string_view(F == LogFormat::json ? ",\"" : " ")) buf[n++] = c;
    for (char c : kNames[i]) buf[n++] = c;
    for (char c : std::string_view(F == LogFormat::json ? "\":" : "=")) buf[n++] = c;
    keys[i + 1] = Key(std::string_view(buf, n));
  }
  keys.back() = Key(F == LogFormat::json ? "}\n" : "\n");
  return keys;
}
constexpr auto kLogfmtKeys = make_keys<LogFormat::logfmt>();
constexpr auto kJsonKeys = make_keys<LogFormat::json>();
template <std::size_t N>
constexpr std::size_t size_of_all(const std::array<Key, N>& keys) {
  std::size_t n = 0;
  for (const auto& k : keys) n += k.size;
  return n;
}
constexpr std::size_t kLogfmtKeysSize = size_of_all(kLogfmtKeys), kJsonKeysSize = size_of_all(kJsonKeys);
static_assert(
    [] {
      for (auto name : kNames)
        if (name.size() + 4 > sizeof(Key::text)) return false;
      return true;
    }(),
    "every key fits one 32-byte copy");

// True when one of the first `n` (≤ 16) bytes at `s` (16 readable) cannot
// stand bare in a logfmt value: a control byte, space, '"', '=', '\\', DEL.
bool has_special16(const char* s, unsigned n) {
#if defined(__SSE2__)
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
  __m128i m = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x20)), x);  // ≤ 0x20: controls and space
  m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
  m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('=')));
  m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
  m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
  const unsigned valid = n >= 16 ? 0xffffu : (1u << n) - 1;
  return (static_cast<unsigned>(_mm_movemask_epi8(m)) & valid) != 0;
#else
  for (unsigned i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c <= 0x20 || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
#endif
}

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// The n (1..15) bytes at `s` to `to`, in two overlapping fixed-size copies
// instead of a memcpy call of a variable size.
void copy_short(char* to, const char* s, std::size_t n) {
  if (n >= 8) {
    std::memcpy(to, s, 8);
    std::memcpy(to + n - 8, s + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(to, s, 4);
    std::memcpy(to + n - 4, s + n - 4, 4);
  } else {
    to[0] = s[0];
    to[n / 2] = s[n / 2];
    to[n - 1] = s[n - 1];
  }
}

class LineWriter {
 public:
  // `expected`: the line's length when no value needs escapes.
  LineWriter(std::string& out, std::size_t expected) : out_(out) {
    const std::size_t at = out_.size();
    out_.resize(at + expected + kSlack);
    p_ = out_.data() + at;
  }
  void key(const Key& k) {
    std::memcpy(p_, k.text, sizeof k.text);
    p_ += k.size;
  }
  void number(std::int64_t value) {
    char digits[48];
    char* const end = digits + 24;
    char* b = end;
    auto u = value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
    while (u >= 100) {  // two digits a step
      b -= 2;
      std::memcpy(b, &kDigitPairs[(u % 100) * 2], 2);
      u /= 100;
    }
    if (u >= 10) {
      b -= 2;
      std::memcpy(b, &kDigitPairs[u * 2], 2);
    } else {
      *--b = static_cast<char>('0' + u);
    }
    if (value < 0) *--b = '-';
    std::memcpy(p_, b, 24);  // within digits: b + 24 ≤ digits + 48
    p_ += end - b;
  }
  // JSON always quotes; logfmt quotes a value that is empty or holds a
  // special byte. Only then are escapes looked for (the rare case).
  void text(std::string_view value, bool json) {
    if (value.size() > kFieldBytes) value = value.substr(0, kFieldBytes);
    char* const start = p_;
    const bool quoted = json || value.empty();
    if (quoted) *p_++ = '"';
    const char* s = value.data();
    std::size_t n = value.size();
    for (; n >= 16; s += 16, n -= 16, p_ += 16) {
      if (has_special16(s, 16)) return escaped(start, value);
      std::memcpy(p_, s, 16);
    }
    if (n > 0) {
      char tail[16];
      copy_short(tail, s, n);
      if (has_special16(tail, static_cast<unsigned>(n))) return escaped(start, value);
      std::memcpy(p_, tail, 16);
      p_ += n;
    }
    if (quoted) *p_++ = '"';
  }
  void finish() { out_.resize(static_cast<std::size_t>(p_ - out_.data())); }

 private:
  // The value again from `start`, quoted, with '"', '\\' and control bytes
  // escaped (the escapes of JSON strings, read alike in logfmt).
  void escaped(char* start, std::string_view value) {
    const std::size_t at = static_cast<std::size_t>(start - out_.data());
    // `expected` counted this value's bytes once and its quotes; escapes
    // take up to 6 bytes per byte.
    out_.resize(out_.size() + value.size() * 5);
    char* p = out_.data() + at;
    *p++ = '"';
    for (unsigned char c : value) {
      if (c == '"' || c == '\\') {
        *p++ = '\\';
        *p++ = static_cast<char>(c);
      } else if (c < 0x20 || c == 0x7f) {
        constexpr char kHex[] = "0123456789abcdef";
        std::memcpy(p, "\\u00", 4);
        p[4] = kHex[c >> 4];
        p[5] = kHex[c & 15];
        p += 6;
      } else {
        *p++ = static_cast<char>(c);
      }
    }
    *p++ = '"';
    p_ = p;
  }
  std::string& out_;
  char* p_;
};

bool has_long_segment(std::string_view path) {
  if (path.size() < 16) return false;
  for (std::size_t start = 0; start < path.size();) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end - start >= 16) return true;
    start = end + 1;
  }
  return false;
}

std::string_view or_dash(std::string_view v) { return v.empty() ? std::string_view("-") : v; }

}  // namespace

LogFormat log_format_from(std::string_view name) { return name == "json" ? LogFormat::json : LogFormat::logfmt; }

void append_access_line(std::string& out, const AccessRecord& r, LogFormat format) {
  // Most targets hold nothing to mask: no query, no segment long enough to
  // be a token (looks_like_token wants 16 bytes at least).
  std::string redacted;
  std::string_view path = r.target;
  if (path.find('?') != std::string_view::npos || has_long_segment(path)) path = redacted = redact_target(path);
  const std::string_view texts[kTexts] = {"access",
                                          r.request_id,
                                          r.client,
                                          r.method,
                                          path,
                                          or_dash(r.route),
                                          or_dash(r.user),
                                          or_dash(r.model),
                                          or_dash(r.provider),
                                          or_dash(r.upstream_model)};
  const std::int64_t numbers[] = {r.status, r.attempts, r.prompt_tokens, r.completion_tokens, r.latency_us, r.ttfb_us};
  static_assert(kTexts + std::size(numbers) == std::size(kNames));
  const bool json = format == LogFormat::json;
  const auto& keys = json ? kJsonKeys : kLogfmtKeys;

  // Keys, a number's 20 digits, a value and its quotes; escapes grow it later.
  std::size_t expected = (json ? kJsonKeysSize : kLogfmtKeysSize) + 20 * (1 + std::size(numbers));
  for (auto t : texts) expected += std::min(t.size(), kFieldBytes) + 2;
  LineWriter line(out, expected);
  line.key(keys[0]);
  line.number(r.time_ms);
  for (std::size_t i = 0; i < kTexts; ++i) {
    line.key(keys[1 + i]);
    line.text(texts[i], json);
  }
  for (std::size_t i = 0; i < std::size(numbers); ++i) {
    line.key(keys[1 + kTexts + i]);
    line.number(numbers[i]);
  }
  line.key(keys.back());
  line.finish();
}

std::string format_access_line(const AccessRecord& record, LogFormat format) {
  std::string line;
  append_access_line(line, record, format);
  return line;
}

}  // namespace aisbf::ops

namespace aisbf::ops {

namespace {

bool lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_traceparent(std::string_view v) {
  if (v.size() != 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return false;
  const auto version = v.substr(0, 2), trace = v.substr(3, 32), parent = v.substr(36, 16), flags = v.substr(53, 2);
  if (version != "00" || !lower_hex(trace) || !lower_hex(parent) || !lower_hex(flags)) return false;
  return trace.find_first_not_of('0') != std::string_view::npos &&
         parent.find_first_not_of('0') != std::string_view::npos;
}

}  // namespace aisbf::ops
