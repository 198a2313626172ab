// What an upstream's answer says about its rate limits. Parsed only when an
// upstream refuses with 429 (not on the hot path).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace aisbf::limits {

struct RateHints {
  // How long to wait before trying again: `retry-after-ms`, `Retry-After`
  // (delay-seconds or an HTTP-date), else a body hint ("Please try again in
  // 1m20.5s", Gemini's RetryInfo `"retryDelay": "30s"`).
  std::optional<std::chrono::milliseconds> retry_after;
  // The request budget the upstream announces: OpenAI's
  // `x-ratelimit-{limit,remaining,reset}-requests` (reset as "6m0s", "20ms"),
  // Anthropic's `anthropic-ratelimit-requests-{limit,remaining,reset}`
  // (reset as RFC 3339), or generic `X-RateLimit-{Limit,Remaining,Reset}`
  // (reset as seconds or epoch seconds).
  std::optional<double> requests_limit;
  std::optional<double> requests_remaining;
  std::optional<std::chrono::milliseconds> requests_reset;  // until the budget refills
  // The same for tokens (`…-tokens`, Anthropic's `…-tokens`/`…-input-tokens`).
  std::optional<double> tokens_limit;
  std::optional<double> tokens_remaining;
  std::optional<std::chrono::milliseconds> tokens_reset;

  bool empty() const {
    return !retry_after && !requests_limit && !requests_remaining && !requests_reset && !tokens_limit &&
           !tokens_remaining && !tokens_reset;
  }
};

// `header(name)` returns a response header's value ("" when absent; names
// are matched case-insensitively by the caller). `wall_now` converts
// HTTP-dates and RFC 3339 times into delays; a time in the past is 0.
// Malformed values are ignored, never an error.
using HeaderLookup = std::function<std::string(std::string_view name)>;
RateHints parse_rate_hints(const HeaderLookup& header, std::string_view body,
                           std::chrono::system_clock::time_point wall_now);

// Parsers used above, exposed for tests.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point wall_now);
// "1s", "6m0s", "20ms", "1h2m3.5s", "0.5s" (Go durations, as OpenAI sends).
std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view value);
// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 and asctime forms.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view value);
// "2026-11-23T07:37:06Z", with optional fraction and offset.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view value);

}  // namespace aisbf::limits
