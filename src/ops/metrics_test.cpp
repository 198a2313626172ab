// Per-thread shards summed at scrape, label interning, the text format.
#include "ops/metrics.hpp"

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
