// scan_responses_usage: the usage of an OpenAI Responses body (top level) and
// of its stream's final event (inside "response"), as the passthrough relay
// reads them; the fixtures are tests/fixtures/openai_responses/.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/usage_scan.hpp"

namespace aisbf {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/openai_responses/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ResponsesUsageScan, ABodysTopLevelUsage) {
  std::string_view object;
  const std::string body = fixture("response_reasoning_tool.json");
  auto u = scan_responses_usage(body, &object);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->prompt_tokens, 36);
  EXPECT_EQ(u->completion_tokens, 87);
  EXPECT_EQ(u->total_tokens, 123);
  EXPECT_EQ(u->cached_tokens, 10);
  EXPECT_EQ(u->reasoning_tokens, 64);
  EXPECT_TRUE(u->reported);
  EXPECT_EQ(object.substr(0, 16), R"({"input_tokens":)");  // where the relay writes effective_context
}

TEST(ResponsesUsageScan, TheCompletedEventsNestedUsage) {
  std::string_view object;
  auto u = scan_responses_usage(
      R"({"type":"response.completed","sequence_number":9,"response":{"id":"r","status":"completed","output":[],)"
      R"("usage":{"input_tokens":75,"input_tokens_details":{"cached_tokens":64},"output_tokens":130,)"
      R"("output_tokens_details":{"reasoning_tokens":112}}}})",
      &object);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->prompt_tokens, 75);
  EXPECT_EQ(u->completion_tokens, 130);
  EXPECT_EQ(u->total_tokens, 205);  // no total: the sum
  EXPECT_EQ(u->cached_tokens, 64);
  EXPECT_EQ(u->reasoning_tokens, 112);
  EXPECT_TRUE(object.empty());  // nested: not where the relay splices
}

TEST(ResponsesUsageScan, EscapedKeysAreReadToo) {
  // Plain keys are read directly; a usage object with escapes takes the validating scan.
  auto u = scan_responses_usage(
      R"({"usage":{"input\u005ftokens":5,"output_tokens":6,"output_tokens_details":{"reasoning\u005ftokens":2}}})");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->prompt_tokens, 5);
  EXPECT_EQ(u->completion_tokens, 6);
  EXPECT_EQ(u->total_tokens, 11);
  EXPECT_EQ(u->reasoning_tokens, 2);
  // A key that only begins like a count's is not one.
  auto v =
      scan_responses_usage(R"({"usage":{"input_tokens_x":9,"input_tokens":1,"output_tokens":2,"total_tokens":4}})");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->prompt_tokens, 1);
  EXPECT_EQ(v->total_tokens, 4);
}

TEST(ResponsesUsageScan, EventsWithoutUsage) {
  EXPECT_FALSE(scan_responses_usage(R"({"type":"response.output_text.delta","delta":"usage"})"));
  EXPECT_FALSE(scan_responses_usage(R"({"type":"response.created","response":{"id":"r","usage":null}})"));
  EXPECT_FALSE(scan_responses_usage(R"({"usage":{"input_tokens":1)"));
  EXPECT_FALSE(scan_responses_usage("not json"));
  UsageScanner scanner(UsageScanner::Wire::openai_responses);
  ScannedUsage out;
  EXPECT_TRUE(scanner.read(R"({"type":"response.incomplete","response":{"usage":{"input_tokens":3,"output_tokens":4}}})", out));
  EXPECT_EQ(out.total_tokens, 7);
}

}  // namespace
}  // namespace aisbf
