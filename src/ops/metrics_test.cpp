// Per-thread shards summed at scrape, label interning, the text format.
#include "ops/metrics.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>

#include "ops/access_log.hpp"

namespace aisbf::ops {
namespace {

TEST(Metrics, ShardsOfEveryThreadAreSummed) {
  Metrics m;
  auto work = [&m] {
    for (int i = 0; i < 1000; ++i) bump(m.local().requests[3][status_slot(200)]);
    m.local().gauge_add(GaugeId::streams, 1);
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  m.local().gauge_add(GaugeId::streams, -1);  // another thread's decrement: wraps on its shard, sums right
  auto sum = std::make_unique<Shard>();
  m.sum(*sum);
  EXPECT_EQ(sum->requests[3][status_slot(200)].load(), 2000u);
  EXPECT_EQ(static_cast<std::int64_t>(sum->gauges[static_cast<std::size_t>(GaugeId::streams)].load()), 1);
}

TEST(Metrics, TargetsAreInternedOnceAndBounded) {
  Metrics m;
  const auto a = m.target("openai", "gpt-4o");
  EXPECT_EQ(m.target("openai", "gpt-4o"), a);
  EXPECT_NE(m.target("openai", "gpt-4o-mini"), a);
  EXPECT_NE(a, 0u);
  for (std::size_t i = 0; i < kMaxTargets + 10; ++i) m.target("p", std::to_string(i));
  EXPECT_EQ(m.target("p", "overflow"), 0u);  // "other"
  EXPECT_EQ(m.labels().pairs().size(), kMaxTargets);
}

TEST(Metrics, StatusSlots) {
  EXPECT_EQ(status_label(status_slot(429)), "429");
  EXPECT_EQ(status_label(status_slot(418)), "other");
}

TEST(Metrics, TextFormat) {
  TextWriter w;
  HistogramSlots h;
  h.observe(std::chrono::microseconds(700));     // 0.001 bucket
  h.observe(std::chrono::microseconds(20'000));  // 0.025
  w.family("x_seconds", "histogram", "help");
  const std::pair<std::string_view, std::string_view> labels[] = {{"route", "a\"b\\c\nd"}};
  w.histogram("x_seconds", labels, h);
  const auto text = w.take();
  EXPECT_NE(text.find("# TYPE x_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_bucket{route=\"a\\\"b\\\\c\\nd\",le=\"0.0005\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("le=\"0.001\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("le=\"0.025\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_count{route=\"a\\\"b\\\\c\\nd\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_sum{route=\"a\\\"b\\\\c\\nd\"} 0.0207\n"), std::string::npos) << text;
}

TEST(AccessLog, LogfmtAndJsonLines) {
  AccessRecord r;
  r.time_ms = 1;
  r.request_id = "req_1";
  r.client = "127.0.0.1";
  r.method = "POST";
  r.target = "/v1/chat?key=abc";
  r.route = "chat";
  r.model = "mock/m \"x\"";
  r.status = 200;
  r.latency_us = 10;
  r.ttfb_us = 5;
  const auto logfmt = format_access_line(r, LogFormat::logfmt);
  EXPECT_EQ(logfmt,
            "ts_ms=1 event=access request_id=req_1 client=127.0.0.1 method=POST path=\"/v1/chat?key=***\" route=chat "
            "user=- model=\"mock/m \\\"x\\\"\" provider=- upstream_model=- status=200 attempts=0 prompt_tokens=0 "
            "completion_tokens=0 latency_us=10 ttfb_us=5\n");
  const auto json = format_access_line(r, LogFormat::json);
  EXPECT_EQ(json.substr(0, 40), R"({"ts_ms":1,"event":"access","request_id")");
  EXPECT_NE(json.find(R"("path":"/v1/chat?key=***")"), std::string::npos);
  EXPECT_EQ(json.back(), '\n');
}

TEST(AccessLog, EscapesBoundsAndAppends) {
  AccessRecord r;
  r.request_id = "";                              // empty: quoted in logfmt
  r.client = "a b=c";                             // space and '=': quoted, not escaped
  r.method = std::string_view("G\x01\x7f\\", 4);  // control bytes and a backslash escaped
  r.target = "/v1/models";
  const std::string long_model(300, 'm');
  r.model = long_model;  // cut to 256 bytes
  std::string out = "kept";
  append_access_line(out, r, LogFormat::logfmt);
  EXPECT_EQ(out.rfind("kept", 0), 0u);
  EXPECT_NE(out.find(" request_id=\"\" client=\"a b=c\" method=\"G\\u0001\\u007f\\\\\" path=/v1/models "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(" model=" + std::string(256, 'm') + " provider=-"), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
  const auto json = format_access_line(r, LogFormat::json);
  EXPECT_NE(json.find(R"("request_id":"","client":"a b=c","method":"G\u0001\u007f\\","path":"/v1/models",)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("status":0,"attempts":0,)"), std::string::npos) << json;
  EXPECT_EQ(json.substr(json.size() - 2), "}\n");
}

// The block copies and the 16-byte scan against a byte-at-a-time reference:
// every length around the block sizes, a special byte at every position.
TEST(AccessLog, ValuesOfEveryLengthMatchAPlainReference) {
  const auto reference = [](std::string_view v, bool json) {
    bool quote = json || v.empty();
    for (unsigned char c : v) quote = quote || c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f;
    std::string out = quote ? "\"" : "";
    for (unsigned char c : v) {
      if (c == '"' || c == '\\')
        out += {'\\', static_cast<char>(c)};
      else if (c < 0x20 || c == 0x7f)
        out += fmt::format("\\u{:04x}", c);
      else
        out += static_cast<char>(c);
    }
    return quote ? out + "\"" : out;
  };
  for (const auto format : {LogFormat::logfmt, LogFormat::json}) {
    const bool json = format == LogFormat::json;
    for (std::size_t n = 0; n <= 40; ++n) {
      for (std::size_t at = 0; at <= n; ++at) {  // at == n: no special byte
        for (const char special : {'"', ' ', '\x01', '=', '\\'}) {
          std::string value(n, 'a');
          for (std::size_t i = 0; i < n; ++i) value[i] = static_cast<char>('a' + (i * 7) % 26);
          if (at < n) value[at] = special;
          AccessRecord r;
          r.model = value;
          const auto line = format_access_line(r, format);
          const std::string want = (json ? "\"model\":" : " model=") + reference(value.empty() ? "-" : value, json) +
                                   (json ? ",\"provider\":" : " provider=");
          ASSERT_NE(line.find(want), std::string::npos) << "n=" << n << " at=" << at << " line=" << line;
        }
      }
    }
  }
}

TEST(AccessLog, RequestIdsAndTraceparent) {
  EXPECT_TRUE(acceptable_request_id("abc-123_x.y:z"));
  EXPECT_FALSE(acceptable_request_id(""));
  EXPECT_FALSE(acceptable_request_id("a b"));
  EXPECT_FALSE(acceptable_request_id(std::string(129, 'a')));
  EXPECT_TRUE(valid_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(valid_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(valid_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(valid_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

}  // namespace
}  // namespace aisbf::ops
