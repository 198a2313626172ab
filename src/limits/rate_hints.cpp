#include "limits/rate_hints.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "core/text.hpp"

namespace aisbf::limits {
namespace {

using std::chrono::milliseconds;
using SysTime = std::chrono::system_clock::time_point;

// Delays are clamped to a week: no upstream means more, and it keeps
// `now + delay` far from overflowing a time point.
constexpr milliseconds kMaxDelay = std::chrono::hours(24 * 7);
constexpr std::int64_t kMaxDelayNs = kMaxDelay.count() * 1'000'000;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return to_lower(x) == to_lower(y); });
}

// A finite, non-negative decimal number ("12", "1.5", ".5") and nothing else.
// A leading sign is refused: Azure's "-1" means "unknown", not a budget.
std::optional<double> parse_non_negative(std::string_view s) {
  s = trim(s);
  if (s.empty() || !(is_digit(s.front()) || s.front() == '.')) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// Rounds up so that waiting the returned time is always long enough; the
// epsilon keeps "1.5" * 1000 from becoming 1501 through binary fractions.
milliseconds ms_from_double(double ms) {
  if (!(ms > 0)) return milliseconds::zero();
  if (ms >= static_cast<double>(kMaxDelay.count())) return kMaxDelay;
  return milliseconds(static_cast<std::int64_t>(std::ceil(ms - 1e-6)));
}

milliseconds delay_until(SysTime then, SysTime now) {
  if (then <= now) return milliseconds::zero();
  return std::min(std::chrono::ceil<milliseconds>(then - now), kMaxDelay);
}

// ---- Go durations -------------------------------------------------------

std::int64_t go_unit_ns(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1'000;  // us, µs, μs
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  return 0;
}

// One "<number><unit>" element; adds it to `total_ns` (saturating at the
// clamp) and returns the rest of the text, or nullopt when malformed.
std::optional<std::string_view> go_element(std::string_view s, std::int64_t& total_ns) {
  std::size_t i = 0;
  std::int64_t whole = 0;
  bool digits = false;
  for (; i < s.size() && is_digit(s[i]); ++i, digits = true) {
    whole = std::min<std::int64_t>(whole * 10 + (s[i] - '0'), kMaxDelayNs);
  }
  std::int64_t frac = 0, scale = 1;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && is_digit(s[i]); ++i, digits = true) {
      if (scale < 1'000'000'000'000'000) {  // digits past 18 are dropped
        frac = frac * 10 + (s[i] - '0');
        scale *= 10;
      }
    }
  }
  if (!digits) return std::nullopt;
  std::size_t unit_end = i;
  while (unit_end < s.size() && !is_digit(s[unit_end]) && s[unit_end] != '.') ++unit_end;
  const std::int64_t unit = go_unit_ns(s.substr(i, unit_end - i));
  if (unit == 0) return std::nullopt;
  const double ns = static_cast<double>(whole) * static_cast<double>(unit) +
                    std::round(static_cast<double>(frac) / static_cast<double>(scale) * static_cast<double>(unit));
  total_ns = ns >= static_cast<double>(kMaxDelayNs - total_ns) ? kMaxDelayNs : total_ns + static_cast<std::int64_t>(ns);
  return s.substr(unit_end);
}

// ---- Dates --------------------------------------------------------------

// A cursor over date text; every read either consumes its token or fails.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool done() const { return pos_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[pos_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void skip_spaces() {
    while (peek() == ' ') ++pos_;
  }
  std::optional<int> number(std::size_t min_digits, std::size_t max_digits) {
    std::size_t n = 0;
    int value = 0;
    while (n < max_digits && is_digit(peek())) value = value * 10 + (s_[pos_++] - '0'), ++n;
    if (n < min_digits) return std::nullopt;
    return value;
  }
  std::string_view word() {
    const std::size_t start = pos_;
    while (is_alpha(peek())) ++pos_;
    return s_.substr(start, pos_ - start);
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

std::optional<int> month_number(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                               "jul", "aug", "sep", "oct", "nov", "dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (iequals(name, kMonths[i])) return static_cast<int>(i + 1);
  }
  return std::nullopt;
}

struct Civil {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

// Years outside 1900..2200 are refused: they mean nothing here, and the
// nanosecond system clock overflows ±292 years around 1970.
std::optional<SysTime> to_sys(const Civil& c) {
  using namespace std::chrono;
  const year_month_day ymd{year{c.year}, month{static_cast<unsigned>(c.month)}, day{static_cast<unsigned>(c.day)}};
  if (c.year < 1900 || c.year > 2200 || !ymd.ok() || c.hour > 23 || c.minute > 59 || c.second > 60) {
    return std::nullopt;
  }
  return time_point_cast<system_clock::duration>(sys_days{ymd} + hours{c.hour} + minutes{c.minute} + seconds{c.second});
}

bool read_clock(Scanner& in, Civil& c) {
  const auto h = in.number(2, 2);
  if (!h || !in.eat(':')) return false;
  const auto m = in.number(2, 2);
  if (!m || !in.eat(':')) return false;
  const auto s = in.number(2, 2);
  if (!s) return false;
  c.hour = *h, c.minute = *m, c.second = *s;
  return true;
}

bool read_month(Scanner& in, Civil& c) {
  const auto m = month_number(in.word());
  if (!m) return false;
  c.month = *m;
  return true;
}

// After "<weekday>,": IMF-fixdate "06 Nov 1994 08:49:37 GMT" or RFC 850
// "06-Nov-94 08:49:37 GMT". Two-digit years below 70 are 20xx (the RFC's
// "50 years ahead" rule would need a clock; RFC 850 dates are obsolete).
bool read_after_comma(Scanner& in, Civil& c) {
  in.skip_spaces();
  const auto day = in.number(1, 2);
  if (!day) return false;
  c.day = *day;
  if (in.eat('-')) {
    if (!read_month(in, c) || !in.eat('-')) return false;
    const auto yy = in.number(2, 2);
    if (!yy) return false;
    c.year = *yy < 70 ? 2000 + *yy : 1900 + *yy;
  } else {
    in.skip_spaces();
    if (!read_month(in, c)) return false;
    in.skip_spaces();
    const auto year = in.number(4, 4);
    if (!year) return false;
    c.year = *year;
  }
  in.skip_spaces();
  if (!read_clock(in, c)) return false;
  in.skip_spaces();
  const auto zone = in.word();
  return iequals(zone, "GMT") || iequals(zone, "UTC");
}

// asctime after the weekday: "Nov  6 08:49:37 1994".
bool read_asctime(Scanner& in, Civil& c) {
  in.skip_spaces();
  if (!read_month(in, c)) return false;
  in.skip_spaces();
  const auto day = in.number(1, 2);
  if (!day) return false;
  c.day = *day;
  in.skip_spaces();
  if (!read_clock(in, c)) return false;
  in.skip_spaces();
  const auto year = in.number(4, 4);
  if (!year) return false;
  c.year = *year;
  return true;
}

// ---- Bodies -------------------------------------------------------------

std::size_t find_case_insensitive(std::string_view hay, std::string_view needle, std::size_t from) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
    if (iequals(hay.substr(i, needle.size()), needle)) return i;
  }
  return std::string_view::npos;
}

// Bytes a Go duration is written with, including UTF-8 µ (C2 B5) and μ (CE BC).
bool is_duration_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return is_digit(c) || c == '.' || is_alpha(c) || u == 0xC2 || u == 0xB5 || u == 0xCE || u == 0xBC;
}

// "Please try again in 1m20.5s." (OpenAI, Groq), "Please retry in 22.3s."
// (Gemini's message): the duration after the phrase, sentence dot removed.
std::optional<milliseconds> phrase_hint(std::string_view body, std::string_view phrase) {
  for (std::size_t pos = find_case_insensitive(body, phrase, 0); pos != std::string_view::npos;
       pos = find_case_insensitive(body, phrase, pos + 1)) {
    std::size_t start = pos + phrase.size(), end = start;
    while (end < body.size() && is_duration_byte(body[end])) ++end;
    std::string_view token = body.substr(start, end - start);
    while (!token.empty() && token.back() == '.') token.remove_suffix(1);
    if (auto d = parse_go_duration(token)) return d;
  }
  return std::nullopt;
}

// Gemini's google.rpc.RetryInfo: `"retryDelay": "30s"` anywhere in the body,
// also when the error JSON was itself escaped into a string (`\"30s\"`).
std::optional<milliseconds> retry_delay_member(std::string_view body) {
  constexpr std::string_view kKey = "retryDelay";
  for (std::size_t pos = body.find(kKey); pos != std::string_view::npos; pos = body.find(kKey, pos + 1)) {
    std::size_t i = pos + kKey.size();
    const auto expect = [&](char c) {
      while (i < body.size() && (is_space(body[i]) || body[i] == '\\')) ++i;
      if (i >= body.size() || body[i] != c) return false;
      ++i;
      return true;
    };
    if (!expect('"') || !expect(':') || !expect('"')) continue;
    std::size_t end = i;
    while (end < body.size() && body[end] != '"' && body[end] != '\\') ++end;
    if (auto d = parse_go_duration(body.substr(i, end - i))) return d;
  }
  return std::nullopt;
}

std::optional<milliseconds> body_retry_hint(std::string_view body) {
  constexpr std::size_t kMaxScanned = 64 * 1024;  // a 429 body is small; never scan a huge one
  body = body.substr(0, kMaxScanned);
  if (auto d = retry_delay_member(body)) return d;  // structured: trusted over prose
  if (auto d = phrase_hint(body, "try again in ")) return d;
  return phrase_hint(body, "retry in ");
}

// ---- Headers ------------------------------------------------------------

enum class ResetForm { go_duration, rfc3339, generic };

struct BudgetHeaders {
  std::string_view limit, remaining, reset;
  ResetForm form;
};

// OpenAI's reset is a Go duration; Azure sends plain seconds in the same
// header, so a bare number is read as seconds.
// Generic X-RateLimit-Reset: epoch milliseconds (OpenRouter), epoch seconds,
// or delay seconds, told apart by size; dates are accepted too.
std::optional<milliseconds> parse_reset(std::string_view value, ResetForm form, SysTime now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (form == ResetForm::rfc3339) {
    if (auto t = parse_rfc3339(value)) return delay_until(*t, now);
    return std::nullopt;
  }
  if (form == ResetForm::go_duration) {
    if (auto d = parse_go_duration(value)) return d;
    if (auto s = parse_non_negative(value)) return ms_from_double(*s * 1000);
    return std::nullopt;
  }
  if (auto n = parse_non_negative(value)) {
    using namespace std::chrono;
    constexpr double kEpochSecondsIn2200 = 7.26e9;  // later epochs are garbage (and would overflow)
    if (*n > 1e12 && *n < kEpochSecondsIn2200 * 1000) {
      return delay_until(SysTime(duration_cast<SysTime::duration>(duration<double, std::milli>(*n))), now);
    }
    if (*n > 1e9 && *n < kEpochSecondsIn2200) {
      return delay_until(SysTime(duration_cast<SysTime::duration>(duration<double>(*n))), now);
    }
    if (*n > 1e9) return std::nullopt;
    return ms_from_double(*n * 1000);
  }
  if (auto t = parse_http_date(value)) return delay_until(*t, now);
  if (auto t = parse_rfc3339(value)) return delay_until(*t, now);
  return std::nullopt;
}

struct Budget {
  std::optional<double> limit, remaining;
  std::optional<milliseconds> reset;
};

// The first family with any usable field wins, whole: fields of different
// providers' headers describe different windows and must not be mixed.
template <std::size_t N>
Budget read_budget(const std::array<BudgetHeaders, N>& families, const HeaderLookup& header, SysTime now) {
  for (const auto& f : families) {
    Budget b{parse_non_negative(header(f.limit)), parse_non_negative(header(f.remaining)),
             parse_reset(header(f.reset), f.form, now)};
    if (b.limit || b.remaining || b.reset) return b;
  }
  return {};
}

constexpr std::array<BudgetHeaders, 3> kRequestHeaders = {{
    {"x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
     ResetForm::go_duration},
    {"anthropic-ratelimit-requests-limit", "anthropic-ratelimit-requests-remaining",
     "anthropic-ratelimit-requests-reset", ResetForm::rfc3339},
    {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", ResetForm::generic},
}};

constexpr std::array<BudgetHeaders, 3> kTokenHeaders = {{
    {"x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens", ResetForm::go_duration},
    {"anthropic-ratelimit-tokens-limit", "anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-tokens-reset",
     ResetForm::rfc3339},
    {"anthropic-ratelimit-input-tokens-limit", "anthropic-ratelimit-input-tokens-remaining",
     "anthropic-ratelimit-input-tokens-reset", ResetForm::rfc3339},
}};

}  // namespace

std::optional<milliseconds> parse_go_duration(std::string_view value) {
  std::string_view s = trim(value);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s == "0") return milliseconds::zero();
  if (s.empty()) return std::nullopt;
  std::int64_t total_ns = 0;
  while (!s.empty()) {
    const auto rest = go_element(s, total_ns);
    if (!rest) return std::nullopt;
    s = *rest;
  }
  return milliseconds((total_ns + 999'999) / 1'000'000);
}

std::optional<SysTime> parse_http_date(std::string_view value) {
  Scanner in(trim(value));
  Civil c;
  if (in.word().empty()) return std::nullopt;  // weekday, not checked against the date
  const bool ok = in.eat(',') ? read_after_comma(in, c) : read_asctime(in, c);
  if (!ok || !in.done()) return std::nullopt;
  return to_sys(c);
}

std::optional<SysTime> parse_rfc3339(std::string_view value) {
  Scanner in(trim(value));
  Civil c;
  const auto y = in.number(4, 4);
  if (!y || !in.eat('-')) return std::nullopt;
  const auto mo = in.number(2, 2);
  if (!mo || !in.eat('-')) return std::nullopt;
  const auto d = in.number(2, 2);
  if (!d || !(in.eat('T') || in.eat('t') || in.eat(' '))) return std::nullopt;
  c.year = *y, c.month = *mo, c.day = *d;
  if (!read_clock(in, c)) return std::nullopt;
  std::int64_t frac_ns = 0;
  if (in.eat('.')) {
    int digits = 0;
    for (; is_digit(in.peek()); ++digits) {
      const int digit = *in.number(1, 1);
      if (digits < 9) frac_ns = frac_ns * 10 + digit;  // finer than nanoseconds: dropped
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 9; ++i) frac_ns *= 10;
  }
  int offset_minutes = 0;
  if (!(in.eat('Z') || in.eat('z'))) {
    const int sign = in.eat('+') ? 1 : in.eat('-') ? -1 : 0;
    const auto oh = sign != 0 ? in.number(2, 2) : std::nullopt;
    const auto om = oh && in.eat(':') ? in.number(2, 2) : std::nullopt;
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = sign * (*oh * 60 + *om);
  }
  const auto t = to_sys(c);
  if (!in.done() || !t) return std::nullopt;
  using namespace std::chrono;
  return *t + duration_cast<system_clock::duration>(nanoseconds(frac_ns)) - minutes(offset_minutes);
}

std::optional<milliseconds> parse_retry_after(std::string_view value, SysTime wall_now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (is_digit(value.front()) || value.front() == '.') {
    if (auto s = parse_non_negative(value)) return ms_from_double(*s * 1000);
    return std::nullopt;
  }
  if (auto t = parse_http_date(value)) return delay_until(*t, wall_now);
  return std::nullopt;
}

RateHints parse_rate_hints(const HeaderLookup& lookup, std::string_view body, SysTime wall_now) {
  const HeaderLookup header = [&lookup](std::string_view name) { return lookup ? lookup(name) : std::string(); };
  RateHints hints;
  // retry-after-ms (OpenAI, Azure; x-ms- is Azure's older spelling) is the
  // most precise; then Retry-After; then what the body says.
  for (std::string_view name : {"retry-after-ms", "x-ms-retry-after-ms"}) {
    if (auto ms = parse_non_negative(header(name))) {
      hints.retry_after = ms_from_double(*ms);
      break;
    }
  }
  if (!hints.retry_after) hints.retry_after = parse_retry_after(header("retry-after"), wall_now);
  if (!hints.retry_after) hints.retry_after = body_retry_hint(body);
  const Budget requests = read_budget(kRequestHeaders, header, wall_now);
  hints.requests_limit = requests.limit;
  hints.requests_remaining = requests.remaining;
  hints.requests_reset = requests.reset;
  const Budget tokens = read_budget(kTokenHeaders, header, wall_now);
  hints.tokens_limit = tokens.limit;
  hints.tokens_remaining = tokens.remaining;
  hints.tokens_reset = tokens.reset;
  return hints;
}

}  // namespace aisbf::limits
