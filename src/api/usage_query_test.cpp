#include "api/usage_query.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace aisbf::api {
namespace {

constexpr store::UnixMs kNow = 1'764'700'000'000;  // 2025-12-02T18:26:40Z

TEST(UsageQuery, Defaults) {
  auto p = parse_usage_request("/api/admin/usage", kNow);
  ASSERT_TRUE(p.request.has_value());
  EXPECT_EQ(p.request->query.to_ms, kNow);
  EXPECT_EQ(p.request->query.from_ms, kNow - 86'400'000);
  EXPECT_EQ(p.request->query.bucket, store::UsageBucket::none);
  EXPECT_EQ(p.request->query.group_by, store::UsageGroup::none);
  EXPECT_FALSE(p.request->query.username.has_value());
  EXPECT_FALSE(p.request->csv);
}

TEST(UsageQuery, TimesAsIsoOrUnixSeconds) {
  EXPECT_EQ(parse_usage_time("0"), 0);
  EXPECT_EQ(parse_usage_time("1764700000"), kNow);
  EXPECT_EQ(parse_usage_time("2025-12-02T18:26:40Z"), kNow);
  EXPECT_EQ(parse_usage_time("2025-12-02T20:26:40+02:00"), kNow);
  EXPECT_EQ(parse_usage_time("2025-12-02T17:26:40-0100"), kNow);
  EXPECT_EQ(parse_usage_time("2025-12-02T18:26:40.250Z"), kNow + 250);
  EXPECT_EQ(parse_usage_time("2025-12-02"), kNow - (18 * 3600 + 26 * 60 + 40) * 1000LL);
  EXPECT_EQ(parse_usage_time("1970-01-01T00:00Z"), 0);
  for (auto bad : {"", "yesterday", "2025-13-01", "2025-12-02T18:26:40", "2025-12-02T25:00:00Z", "-5", "1.5",
                   "2025-12-02T18:26:40Zjunk", "99999999999999999999"}) {
    EXPECT_FALSE(parse_usage_time(bad).has_value()) << bad;
  }
}

TEST(UsageQuery, IsoFormatting) {
  EXPECT_EQ(iso8601_utc(kNow), "2025-12-02T18:26:40Z");
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso8601_utc(kNow + 7), "2025-12-02T18:26:40.007Z");
  EXPECT_EQ(iso8601_utc(951'782'400'000), "2000-02-29T00:00:00Z");
}

TEST(UsageQuery, EveryParameter) {
  auto p = parse_usage_request(
      "/api/admin/usage?from=2025-12-01&to=1764700000&bucket=day&group_by=provider&user=alice&provider=mock"
      "&model=m%2Fx&rotation=r1&token=auth.tokens%5B0%5D&format=csv",
      kNow);
  ASSERT_TRUE(p.request.has_value()) << p.error->message;
  const auto& q = p.request->query;
  EXPECT_EQ(q.from_ms, *parse_usage_time("2025-12-01"));
  EXPECT_EQ(q.to_ms, kNow);
  EXPECT_EQ(q.bucket, store::UsageBucket::day);
  EXPECT_EQ(q.group_by, store::UsageGroup::provider);
  EXPECT_EQ(q.username, "alice");
  EXPECT_EQ(q.provider, "mock");
  EXPECT_EQ(q.model, "m/x");
  EXPECT_EQ(q.rotation, "r1");
  EXPECT_EQ(q.token_id, "auth.tokens[0]");
  EXPECT_TRUE(p.request->csv);
  auto empty_filter = parse_usage_request("/u?rotation=", kNow);
  ASSERT_TRUE(empty_filter.request.has_value());
  EXPECT_EQ(empty_filter.request->query.rotation, "");  // rows without a rotation
}

TEST(UsageQuery, BadParametersAreNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {"/u?from=yesterday", "from"},  {"/u?to=x", "to"},
      {"/u?bucket=week", "bucket"},   {"/u?group_by=colour", "group_by"},
      {"/u?bucket=second", "bucket"}, {"/u?format=xml", "format"},
      {"/u?colour=blue", "colour"},   {"/u?user=a&user=b", "user"},
      {"/u?from=200&to=100", "from"},
  };
  for (const auto& [target, param] : cases) {
    auto p = parse_usage_request(target, kNow);
    ASSERT_TRUE(p.error.has_value()) << target;
    EXPECT_EQ(p.error->param, param) << target;
  }
  auto long_filter = parse_usage_request("/u?model=" + std::string(257, 'a'), kNow);
  ASSERT_TRUE(long_filter.error.has_value());
  EXPECT_EQ(long_filter.error->param, "model");
}

TEST(UsageQuery, MinuteBucketsCoverAtMostSixHours) {
  auto p = parse_usage_request("/u?bucket=minute", kNow);
  ASSERT_TRUE(p.request.has_value()) << p.error->message;
  EXPECT_EQ(p.request->query.bucket, store::UsageBucket::minute);
  EXPECT_EQ(p.request->query.from_ms, kNow - 3'600'000);  // the hour before, not the day
  EXPECT_EQ(p.request->query.to_ms, kNow);

  auto six = parse_usage_request("/u?bucket=minute&from=2025-12-02T12:26:40Z", kNow);
  ASSERT_TRUE(six.request.has_value()) << six.error->message;
  EXPECT_EQ(six.request->query.from_ms, kNow - kMaxMinuteRangeMs);

  for (const char* target : {"/u?bucket=minute&from=2025-12-02T12:26:39Z", "/u?bucket=minute&from=2025-12-01",
                             "/u?from=2025-11-01&to=2025-12-01&bucket=minute"}) {
    auto longer = parse_usage_request(target, kNow);
    ASSERT_TRUE(longer.error.has_value()) << target;
    EXPECT_EQ(longer.error->param, "bucket") << target;
    EXPECT_NE(longer.error->message.find("at most 6 hours"), std::string::npos) << longer.error->message;
  }
  // An hour or day series of the same range is fine.
  EXPECT_TRUE(parse_usage_request("/u?bucket=hour&from=2025-12-01", kNow).request.has_value());
}

TEST(UsageQuery, ReportJsonHasErrorsAndLatencyPercentiles) {
  store::UsageReport report;
  report.totals.requests = 4;
  report.totals.errors = 1;
  report.totals.latency[store::latency_bucket(50)] = 3;    // (40, 63]
  report.totals.latency[store::latency_bucket(2000)] = 1;  // (1600, 2500]
  store::UsageTotals quiet;                                // a bucket of rows from before schema version 8
  quiet.requests = 2;
  report.series.push_back({kNow, quiet});
  store::UsageQuery q;
  q.from_ms = kNow - 3'600'000;
  q.to_ms = kNow;
  auto v = boost::json::parse(usage_report_json(report, q, 0)).as_object();
  const auto& totals = v.at("totals").as_object();
  EXPECT_EQ(totals.at("errors"), 1);
  EXPECT_EQ(totals.at("latency_p50_ms"), 55);    // rank 2 of 3 in (40, 63]: 40 + 23 × 2/3
  EXPECT_EQ(totals.at("latency_p95_ms"), 2320);  // rank 3.8: 1600 + 900 × 0.8
  const auto& empty = v.at("series").at(0).as_object();
  EXPECT_EQ(empty.at("errors"), 0);
  EXPECT_TRUE(empty.at("latency_p50_ms").is_null());
  EXPECT_TRUE(empty.at("latency_p95_ms").is_null());
}

TEST(UsageQuery, ReportJson) {
  store::UsageReport report;
  report.totals = {3, 30, 12, 0.5, 1};
  report.series.push_back({kNow - 3'600'000, {2, 20, 8, 0.5, 0}});
  report.series.push_back({kNow, {1, 10, 4, 0, 1}});
  report.groups.push_back({"mock", {3, 30, 12, 0.5, 1}});
  store::UsageQuery q;
  q.from_ms = kNow - 86'400'000;
  q.to_ms = kNow;
  auto v = boost::json::parse(usage_report_json(report, q, 4)).as_object();
  EXPECT_EQ(v.at("totals").at("requests"), 3);
  EXPECT_EQ(v.at("totals").at("cost"), 0.5);
  EXPECT_EQ(v.at("series").at(0).at("t"), "2025-12-02T17:26:40Z");
  EXPECT_EQ(v.at("series").at(0).at("prompt_tokens"), 20);
  EXPECT_TRUE(v.at("series").at(1).at("cost").is_null());  // its only row had no price
  EXPECT_EQ(v.at("groups").at(0).at("key"), "mock");
  EXPECT_EQ(v.at("dropped"), 4);
  EXPECT_EQ(v.at("from"), "2025-12-01T18:26:40Z");
}

TEST(UsageQuery, CsvQuotingAndFormulaGuard) {
  std::string out;
  append_csv_cell(out, "plain");
  EXPECT_EQ(out, "plain");
  out.clear();
  append_csv_cell(out, "a,b \"c\"");
  EXPECT_EQ(out, "\"a,b \"\"c\"\"\"");
  out.clear();
  append_csv_cell(out, "=HYPERLINK(\"x\")");
  EXPECT_EQ(out, "\"'=HYPERLINK(\"\"x\"\")\"");
  for (std::string_view s : {"+1", "-1", "@SUM(A1)", "=1"}) {
    out.clear();
    append_csv_cell(out, s);
    EXPECT_EQ(out, "'" + std::string(s)) << s;
  }
  out.clear();
  append_csv_cell(out, "line\nbreak");
  EXPECT_EQ(out, "\"line\nbreak\"");
}

TEST(UsageQuery, CsvRow) {
  store::UsageRecord r;
  r.time_ms = kNow;
  r.token_id = "auth.tokens[0]";
  r.route = "chat";
  r.requested_model = "=evil,model";
  r.provider = "mock";
  r.model = "mock-model";
  r.attempts = 1;
  r.prompt_tokens = 5;
  r.completion_tokens = 4;
  r.cost = 0.25;
  r.latency_ms = 12;
  r.ttfb_ms = -1;
  r.status = 200;
  r.streamed = true;
  r.effective_context = 77;
  std::string out;
  append_usage_csv_row(out, r);
  EXPECT_EQ(out,
            "2025-12-02T18:26:40Z,,auth.tokens[0],chat,\"'=evil,model\",mock,mock-model,,1,5,4,0,0,0,false,0.25,12,,"
            "200,,true,false,77,,\r\n");  // no autoselect: the last two cells empty
  // As many cells as the header has columns, the later versions' last.
  const auto header = usage_csv_header();
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), 24);
  EXPECT_TRUE(header.ends_with(",effective_context,autoselected,autoselected_by\r\n"));

  r.autoselected = "-coding,fast";  // a model_id is the operator's text: quoted, never a formula
  r.autoselected_by = "llm";
  out.clear();
  append_usage_csv_row(out, r);
  EXPECT_TRUE(out.ends_with(",77,\"'-coding,fast\",llm\r\n")) << out;
}

}  // namespace
}  // namespace aisbf::api
