#include "limits/rate_hints.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace aisbf::limits {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using SysTime = std::chrono::system_clock::time_point;

SysTime utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  using namespace std::chrono;
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

// The wall clock every test reads hints at.
const SysTime kWallNow = utc(2026, 1, 15, 12, 0, 0);

// A response's headers; the caller matches names case-insensitively, so the
// test stores them lower-case as the parser asks for them.
HeaderLookup headers(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) {
    const auto it = values.find(std::string(name));
    return it == values.end() ? std::string() : it->second;
  };
}

TEST(RateHintGoDuration, OpenAiDocumentedSamples) {
  // OpenAI, "Rate limits" guide, "Rate limits in headers":
  //   x-ratelimit-reset-requests | 1s   | The time until the rate limit (based on requests) resets ...
  //   x-ratelimit-reset-tokens   | 6m0s | The time until the rate limit (based on tokens) resets ...
  EXPECT_EQ(parse_go_duration("1s"), 1000ms);
  EXPECT_EQ(parse_go_duration("6m0s"), 360'000ms);
  // Values reported from live responses (OpenAI community forum):
  // "12ms", "120ms", "4m12.172s", "23h18m29.144s".
  EXPECT_EQ(parse_go_duration("12ms"), 12ms);
  EXPECT_EQ(parse_go_duration("4m12.172s"), 252'172ms);
  EXPECT_EQ(parse_go_duration("23h18m29.144s"), 83'909'144ms);
}

TEST(RateHintGoDuration, UnitsFractionsAndRounding) {
  EXPECT_EQ(parse_go_duration("20ms"), 20ms);
  EXPECT_EQ(parse_go_duration("1h2m3.5s"), 3'723'500ms);
  EXPECT_EQ(parse_go_duration("0.5s"), 500ms);
  EXPECT_EQ(parse_go_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_go_duration(".25s"), 250ms);
  EXPECT_EQ(parse_go_duration("2m3.5s"), 123'500ms);
  EXPECT_EQ(parse_go_duration(" 2s "), 2000ms);
  EXPECT_EQ(parse_go_duration("+3s"), 3000ms);
  // Anything non-zero rounds up to a whole millisecond: never wait too little.
  EXPECT_EQ(parse_go_duration("150us"), 1ms);
  EXPECT_EQ(parse_go_duration("1500\xC2\xB5s"), 2ms);  // µs (U+00B5)
  EXPECT_EQ(parse_go_duration("999\xCE\xBCs"), 1ms);   // μs (U+03BC)
  EXPECT_EQ(parse_go_duration("100ns"), 1ms);
  EXPECT_EQ(parse_go_duration("1.000340012s"), 1001ms);  // protobuf Duration JSON (Gemini)
  EXPECT_EQ(parse_go_duration("0"), 0ms);
  EXPECT_EQ(parse_go_duration("0s"), 0ms);
  EXPECT_EQ(parse_go_duration("100000h"), milliseconds(std::chrono::hours(24 * 7)));  // clamped to a week
}

TEST(RateHintGoDuration, MalformedIsNullopt) {
  for (const char* bad : {"", " ", "s", "1", "10", "1x", "-1s", "1..5s", "abc", "1s2", "1.s5", "ms", "1 s", "1sec"}) {
    EXPECT_EQ(parse_go_duration(bad), std::nullopt) << bad;
  }
}

TEST(RateHintHttpDate, AllThreeRfc9110Forms) {
  // RFC 9110 §5.6.7 (Date/Time Formats):
  //   Sun, 06 Nov 1994 08:49:37 GMT    ; IMF-fixdate
  //   Sunday, 06-Nov-94 08:49:37 GMT   ; obsolete RFC 850 format
  //   Sun Nov  6 08:49:37 1994         ; ANSI C's asctime() format
  const SysTime expected = utc(1994, 11, 6, 8, 49, 37);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), expected);
  EXPECT_EQ(parse_http_date("  Sun, 06 Nov 1994 08:49:37 GMT\r\n"), expected);
  EXPECT_EQ(parse_http_date("Thu, 15 Jan 2026 12:02:00 GMT"), kWallNow + 120s);
  EXPECT_EQ(parse_http_date("Thursday, 15-Jan-26 12:02:00 GMT"), kWallNow + 120s);  // yy < 70: 20yy
}

TEST(RateHintHttpDate, MalformedIsNullopt) {
  for (const char* bad :
       {"", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 06 Nov 1994 08:49:37 GMT junk",
        "Sun, 06 Nov 94 08:49:37 GMT", "06 Nov 1994 08:49:37 GMT", "Sun Nov  6 08:49:37",
        "Sun, 06 Nov 1800 08:49:37 GMT", "120"}) {
    EXPECT_EQ(parse_http_date(bad), std::nullopt) << bad;
  }
}

TEST(RateHintRfc3339, ZuluOffsetsAndFractions) {
  // Anthropic, "Rate limits": anthropic-ratelimit-requests-reset is "The time when the request
  // rate limit will be fully replenished, provided in RFC 3339 format"; a recorded response
  // carries e.g. `anthropic-ratelimit-requests-reset: 2025-08-21T12:40:59Z`.
  EXPECT_EQ(parse_rfc3339("2025-08-21T12:40:59Z"), utc(2025, 8, 21, 12, 40, 59));
  const SysTime t = utc(2026, 11, 23, 7, 37, 6);
  EXPECT_EQ(parse_rfc3339("2026-11-23T07:37:06Z"), t);
  EXPECT_EQ(parse_rfc3339("2026-11-23t07:37:06z"), t);
  EXPECT_EQ(parse_rfc3339("2026-11-23T07:37:06.250Z"), t + 250ms);
  EXPECT_EQ(parse_rfc3339("2026-11-23T07:37:06.123456789123Z"), t + std::chrono::nanoseconds(123456789));
  EXPECT_EQ(parse_rfc3339("2026-11-23T09:37:06+02:00"), t);
  EXPECT_EQ(parse_rfc3339("2026-11-23T02:07:06-05:30"), t);
  EXPECT_EQ(parse_rfc3339("2026-11-23T07:37:06+00:00"), t);
}

TEST(RateHintRfc3339, MalformedIsNullopt) {
  for (const char* bad : {"", "2026-11-23", "2026-11-23T07:37:06", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-11-23T07:37:06+0200", "2026-11-23T07:37:06.Z", "2026-11-23T07:37Z",
                          "9999-01-01T00:00:00Z", "2026-11-23T07:37:06Zjunk", "2026-11-23T07:37:06+24:00"}) {
    EXPECT_EQ(parse_rfc3339(bad), std::nullopt) << bad;
  }
}

TEST(RateHintRetryAfter, SecondsAndDates) {
  // RFC 9110 §10.2.3: "Retry-After: Fri, 31 Dec 1999 23:59:59 GMT" and "Retry-After: 120".
  EXPECT_EQ(parse_retry_after("120", kWallNow), 120'000ms);
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", kWallNow), 0ms);  // in the past
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", utc(1999, 12, 31, 23, 59, 0)), 59'000ms);
  EXPECT_EQ(parse_retry_after("1.5", kWallNow), 1500ms);
  EXPECT_EQ(parse_retry_after("0", kWallNow), 0ms);
  EXPECT_EQ(parse_retry_after(" 7 ", kWallNow), 7000ms);
  EXPECT_EQ(parse_retry_after("Thu, 15 Jan 2026 12:00:30 GMT", kWallNow), 30'000ms);
  EXPECT_EQ(parse_retry_after("Thursday, 15-Jan-26 12:00:30 GMT", kWallNow), 30'000ms);
  EXPECT_EQ(parse_retry_after("Thu Jan 15 12:00:30 2026", kWallNow), 30'000ms);
  EXPECT_EQ(parse_retry_after("Thu, 15 Jan 2026 12:00:30 GMT", kWallNow - 250ms), 30'250ms);
  for (const char* bad : {"", "-5", "soon", "5s", "1e", "inf", "nan", "0x10"}) {
    EXPECT_EQ(parse_retry_after(bad, kWallNow), std::nullopt) << bad;
  }
}

TEST(RateHintHeaders, OpenAiDocumentedHeaders) {
  // OpenAI, "Rate limits" guide, sample values of the header fields.
  const auto hints = parse_rate_hints(headers({{"x-ratelimit-limit-requests", "60"},
                                               {"x-ratelimit-limit-tokens", "150000"},
                                               {"x-ratelimit-remaining-requests", "59"},
                                               {"x-ratelimit-remaining-tokens", "149984"},
                                               {"x-ratelimit-reset-requests", "1s"},
                                               {"x-ratelimit-reset-tokens", "6m0s"}}),
                                      "", kWallNow);
  EXPECT_EQ(hints.requests_limit, 60);
  EXPECT_EQ(hints.requests_remaining, 59);
  EXPECT_EQ(hints.requests_reset, 1000ms);
  EXPECT_EQ(hints.tokens_limit, 150000);
  EXPECT_EQ(hints.tokens_remaining, 149984);
  EXPECT_EQ(hints.tokens_reset, 360'000ms);
  EXPECT_EQ(hints.retry_after, std::nullopt);
}

TEST(RateHintHeaders, RetryAfterPrecedence) {
  // Azure OpenAI / OpenAI send `retry-after-ms` (milliseconds) next to `retry-after`.
  const std::string body = R"({"error":{"message":"Please try again in 20s."}})";
  EXPECT_EQ(parse_rate_hints(headers({{"retry-after-ms", "1500"}, {"retry-after", "9"}}), body, kWallNow).retry_after,
            1500ms);
  EXPECT_EQ(parse_rate_hints(headers({{"retry-after-ms", "12.5"}}), "", kWallNow).retry_after, 13ms);
  EXPECT_EQ(parse_rate_hints(headers({{"x-ms-retry-after-ms", "800"}}), "", kWallNow).retry_after, 800ms);
  EXPECT_EQ(parse_rate_hints(headers({{"retry-after", "9"}}), body, kWallNow).retry_after, 9000ms);
  EXPECT_EQ(parse_rate_hints(headers({{"retry-after", "Thu, 15 Jan 2026 12:01:00 GMT"}}), body, kWallNow).retry_after,
            60'000ms);
  EXPECT_EQ(parse_rate_hints(headers({}), body, kWallNow).retry_after, 20'000ms);
  // A malformed header falls through to the next source.
  EXPECT_EQ(
      parse_rate_hints(headers({{"retry-after-ms", "soon"}, {"retry-after", "later"}}), body, kWallNow).retry_after,
      20'000ms);
}

TEST(RateHintBody, OpenAiAndGroqMessages) {
  // OpenAI 429 body (error.message as documented in the "Error codes" guide's rate-limit example).
  EXPECT_EQ(parse_rate_hints(headers({}),
                             R"({"error":{"message":"Rate limit reached for gpt-4 in organization org-x on tokens )"
                             R"(per min (TPM): Limit 10000, Used 9800, Requested 500. Please try again in 1.8s. )"
                             R"(Visit https://platform.openai.com/account/rate-limits to learn more.",)"
                             R"("type":"tokens","param":null,"code":"rate_limit_exceeded"}})",
                             kWallNow)
                .retry_after,
            1800ms);
  EXPECT_EQ(parse_rate_hints(headers({}), "Please try again in 120ms.", kWallNow).retry_after, 120ms);
  EXPECT_EQ(parse_rate_hints(headers({}), "please TRY AGAIN IN 2m3.5s", kWallNow).retry_after, 123'500ms);
  // Groq: "... Please try again in 2m59.56s. Need more tokens? ..."
  EXPECT_EQ(parse_rate_hints(headers({}), "Please try again in 2m59.56s. Need more tokens?", kWallNow).retry_after,
            179'560ms);
  // A phrase that is not followed by a duration is skipped for a later one.
  EXPECT_EQ(parse_rate_hints(headers({}), "try again in a moment; try again in 3s", kWallNow).retry_after, 3000ms);
  EXPECT_EQ(parse_rate_hints(headers({}), "try again in a moment", kWallNow).retry_after, std::nullopt);
}

TEST(RateHintBody, GeminiRetryInfo) {
  // Gemini API 429 RESOURCE_EXHAUSTED body: google.rpc.RetryInfo in error.details.
  const std::string body = R"({
  "error": {
    "code": 429,
    "message": "You exceeded your current quota, please check your plan and billing details. Please retry in 21.5s.",
    "status": "RESOURCE_EXHAUSTED",
    "details": [
      {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaValue": "250"}]},
      {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "22s"}
    ]
  }
})";
  EXPECT_EQ(parse_rate_hints(headers({}), body, kWallNow).retry_after, 22'000ms);  // structured wins
  EXPECT_EQ(parse_rate_hints(headers({}), R"({"retryDelay":"30s"})", kWallNow).retry_after, 30'000ms);
  EXPECT_EQ(parse_rate_hints(headers({}), R"({"retryDelay" :  "1.5s"})", kWallNow).retry_after, 1500ms);
  EXPECT_EQ(parse_rate_hints(headers({}), R"({"msg":"{\"retryDelay\": \"5s\"}"})", kWallNow).retry_after, 5000ms);
  // The prose alone (Gemini's message), and a retryDelay that is not a duration.
  EXPECT_EQ(parse_rate_hints(headers({}), "Please retry in 46.862264798s.", kWallNow).retry_after, 46'863ms);
  EXPECT_EQ(parse_rate_hints(headers({}), R"({"retryDelay": 30})", kWallNow).retry_after, std::nullopt);
  EXPECT_EQ(parse_rate_hints(headers({}), R"({"retryDelay": "x", "retryDelay": "4s"})", kWallNow).retry_after, 4000ms);
}

TEST(RateHintHeaders, AnthropicRfc3339Resets) {
  // Anthropic, "Rate limits", response headers: anthropic-ratelimit-requests-{limit,remaining,reset},
  // anthropic-ratelimit-tokens-*, anthropic-ratelimit-input-tokens-*; resets in RFC 3339 format.
  const auto hints = parse_rate_hints(headers({{"retry-after", "30"},
                                               {"anthropic-ratelimit-requests-limit", "50"},
                                               {"anthropic-ratelimit-requests-remaining", "0"},
                                               {"anthropic-ratelimit-requests-reset", "2026-01-15T12:00:30Z"},
                                               {"anthropic-ratelimit-tokens-limit", "96000"},
                                               {"anthropic-ratelimit-tokens-remaining", "1000"},
                                               {"anthropic-ratelimit-tokens-reset", "2026-01-15T12:00:59.5Z"},
                                               {"anthropic-ratelimit-input-tokens-limit", "80000"}}),
                                      "", kWallNow);
  EXPECT_EQ(hints.retry_after, 30'000ms);
  EXPECT_EQ(hints.requests_limit, 50);
  EXPECT_EQ(hints.requests_remaining, 0);
  EXPECT_EQ(hints.requests_reset, 30'000ms);
  EXPECT_EQ(hints.tokens_limit, 96000);  // tokens-* wins over input-tokens-*
  EXPECT_EQ(hints.tokens_remaining, 1000);
  EXPECT_EQ(hints.tokens_reset, 59'500ms);
}

TEST(RateHintHeaders, AnthropicInputTokensFallbackAndPastReset) {
  const auto hints =
      parse_rate_hints(headers({{"anthropic-ratelimit-requests-reset", "2026-01-15T11:59:00Z"},
                                {"anthropic-ratelimit-input-tokens-limit", "80000"},
                                {"anthropic-ratelimit-input-tokens-remaining", "0"},
                                {"anthropic-ratelimit-input-tokens-reset", "2026-01-15T14:00:10+02:00"}}),
                       "", kWallNow);
  EXPECT_EQ(hints.requests_reset, 0ms);  // already past
  EXPECT_EQ(hints.tokens_limit, 80000);
  EXPECT_EQ(hints.tokens_remaining, 0);
  EXPECT_EQ(hints.tokens_reset, 10'000ms);
}

TEST(RateHintHeaders, GenericXRateLimit) {
  auto generic = [](const char* reset) {
    return parse_rate_hints(
        headers({{"x-ratelimit-limit", "100"}, {"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", reset}}), "",
        kWallNow);
  };
  const auto delay = generic("30");
  EXPECT_EQ(delay.requests_limit, 100);
  EXPECT_EQ(delay.requests_remaining, 0);
  EXPECT_EQ(delay.requests_reset, 30'000ms);
  const auto epoch_s = std::chrono::duration_cast<std::chrono::seconds>(kWallNow.time_since_epoch()).count();
  EXPECT_EQ(generic(std::to_string(epoch_s + 45).c_str()).requests_reset, 45'000ms);              // epoch seconds
  EXPECT_EQ(generic(std::to_string((epoch_s + 2) * 1000 + 500).c_str()).requests_reset, 2500ms);  // epoch ms
  EXPECT_EQ(generic(std::to_string(epoch_s - 100).c_str()).requests_reset, 0ms);                  // past
  EXPECT_EQ(generic("Thu, 15 Jan 2026 12:00:05 GMT").requests_reset, 5000ms);
  EXPECT_EQ(generic("later").requests_reset, std::nullopt);
  // OpenAI's own headers win over the generic ones, whole.
  const auto both = parse_rate_hints(
      headers({{"x-ratelimit-limit-requests", "60"}, {"x-ratelimit-limit", "7"}, {"x-ratelimit-reset", "30"}}), "",
      kWallNow);
  EXPECT_EQ(both.requests_limit, 60);
  EXPECT_EQ(both.requests_reset, std::nullopt);
}

TEST(RateHintHeaders, AzurePlainSecondsAndUnknownValues) {
  // Azure OpenAI sends `x-ratelimit-reset-tokens` as whole seconds and -1 for unknown limits.
  const auto hints = parse_rate_hints(headers({{"x-ratelimit-limit-tokens", "-1"},
                                               {"x-ratelimit-remaining-tokens", "-1"},
                                               {"x-ratelimit-reset-tokens", "12"}}),
                                      "", kWallNow);
  EXPECT_EQ(hints.tokens_limit, std::nullopt);
  EXPECT_EQ(hints.tokens_remaining, std::nullopt);
  EXPECT_EQ(hints.tokens_reset, 12'000ms);
}

TEST(RateHintHeaders, MalformedValuesAreIgnored) {
  const auto hints = parse_rate_hints(headers({{"retry-after", "soon"},
                                               {"retry-after-ms", "-3"},
                                               {"x-ratelimit-limit-requests", "sixty"},
                                               {"x-ratelimit-remaining-requests", "1e400"},
                                               {"x-ratelimit-reset-requests", "6 minutes"},
                                               {"anthropic-ratelimit-tokens-reset", "tomorrow"},
                                               {"x-ratelimit-reset", "99999999999999999999999"}}),
                                      "no hint here \xCE\xBC \xC2", kWallNow);
  EXPECT_TRUE(hints.empty());
  EXPECT_TRUE(parse_rate_hints(HeaderLookup{}, "", kWallNow).empty());
  EXPECT_TRUE(parse_rate_hints(headers({}), "", kWallNow).empty());
}

TEST(RateHintRobustness, ArbitraryTextNeverBreaksAParser) {
  // Bytes an upstream could send, biased to the characters the grammars use,
  // so that most strings get deep into a parser (run under the sanitizers).
  const std::string alphabet = "0123456789.:+-, TtZzsmhnuGMTSunNovJanFri\\\"\xC2\xB5\xCE\xBC\xFF";
  const std::vector<std::string> seeds = {"Sun, 06 Nov 1994 08:49:37 GMT", "2026-11-23T07:37:06.5+02:00", "1h2m3.5s",
                                          R"({"retryDelay": "30s"})", "Please try again in 1.5s."};
  std::uint64_t state = 12345;
  const auto next = [&state] {  // an LCG's high bits; the low ones cycle
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (int i = 0; i < 20'000; ++i) {
    std::string text = seeds[next() % seeds.size()];
    for (int edits = static_cast<int>(next() % 4); edits >= 0; --edits) {
      const std::size_t at = text.empty() ? 0 : next() % (text.size() + 1);
      const char c = alphabet[next() % alphabet.size()];
      if (next() % 2 == 0 && at < text.size()) {
        text[at] = c;
      } else {
        text.insert(at, 1, c);
      }
    }
    (void)parse_go_duration(text);
    (void)parse_http_date(text);
    (void)parse_rfc3339(text);
    (void)parse_retry_after(text, kWallNow);
    const auto hints = parse_rate_hints([&](std::string_view) { return text; }, text, kWallNow);
    if (hints.retry_after) EXPECT_GE(hints.retry_after->count(), 0) << text;
  }
}

}  // namespace
}  // namespace aisbf::limits
