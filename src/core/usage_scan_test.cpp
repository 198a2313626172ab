#include "core/usage_scan.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/json_scan.hpp"

namespace aisbf {
namespace {

void expect_usage(std::string_view text, std::int64_t prompt, std::int64_t completion, std::int64_t total,
                  std::int64_t cached) {
  const auto u = scan_openai_usage(text);
  ASSERT_TRUE(u.has_value()) << text;
  EXPECT_EQ(u->prompt_tokens, prompt) << text;
  EXPECT_EQ(u->completion_tokens, completion) << text;
  EXPECT_EQ(u->total_tokens, total) << text;
  EXPECT_EQ(u->cached_tokens, cached) << text;
}

TEST(UsageScan, NonStreamingResponse) {
  expect_usage(R"({"id":"chatcmpl-1","object":"chat.completion","created":1735689600,"model":"gpt-4o-mini",
 "choices":[{"index":0,"finish_reason":"stop","logprobs":null,"message":{"role":"assistant","content":"Hi"}}],
 "usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99,
   "prompt_tokens_details":{"cached_tokens":64,"audio_tokens":0},
   "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,
     "accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},
 "service_tier":"default","system_fingerprint":"fp_1"})",
               82, 17, 99, 64);
}

TEST(UsageScan, NoUsage) {
  for (std::string_view text : {
           R"({"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}]})",
           R"({"id":"c","choices":[],"usage":null})",
           R"({"usage" : null})",
           R"({"usage":[1,2]})",
           R"({"usage":7})",
           R"({"choices":[{"usage":{"prompt_tokens":1}}]})",           // not top level
           R"({"meta":{"usage":{"prompt_tokens":1}}})",                 // not top level
           R"({"abc\"usage":{"prompt_tokens":1}})",                     // "usage" only as part of a key
           R"({"content":"\"usage\":{}","x":{"usage":{}}})",
           R"({"usage":{"prompt_tokens":1},})",                         // invalid JSON
           R"({"usage":{"prompt_tokens":1})",                           // truncated
           R"([{"usage":{"prompt_tokens":1}}])",                        // not an object
           "",
           "[DONE]",
       }) {
    EXPECT_FALSE(scan_openai_usage(text).has_value()) << text;
  }
}

TEST(UsageScan, FieldVariants) {
  expect_usage(R"({"usage":{}})", 0, 0, 0, 0);
  expect_usage(R"({"usage":{"prompt_tokens":10,"completion_tokens":5}})", 10, 5, 15, 0);  // total computed
  expect_usage(R"({ "usage" :
                  { "completion_tokens" : 5 , "prompt_tokens" : 10 , "total_tokens" : 16 } })",
               10, 5, 16, 0);
  expect_usage(R"({"usage":{"prompt_tokens":10.0,"completion_tokens":2e1,"total_tokens":"x"}})", 10, 20, 0, 0);
  expect_usage(R"({"usage":{"prompt_tokens":-3,"completion_tokens":null,"total_tokens":true}})", 0, 0, 0, 0);
  expect_usage(R"({"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":9223372036854775807}})",
               INT64_MAX, INT64_MAX, INT64_MAX, 0);
  expect_usage(R"({"usage":{"prompt_tokens":1e300}})", INT64_MAX, 0, INT64_MAX, 0);
  expect_usage(R"({"usage":{"prompt_tokens":3,"prompt_tokens_details":null}})", 3, 0, 3, 0);
  expect_usage(R"({"usage":{"prompt_tokens":30,"prompt_cache_hit_tokens":20,"prompt_cache_miss_tokens":10}})", 30, 0,
               30, 20);  // DeepSeek
  expect_usage(R"({"usage":{"prompt_tokens":30,"prompt_tokens_details":{"cached_tokens":5},"prompt_cache_hit_tokens":20}})",
               30, 0, 30, 5);
  expect_usage(R"({"usage":{"prompt_tokens":1,"prompt_tokens":2}})", 1, 0, 1, 0);  // a repeated key inside usage: first wins
  expect_usage(R"({"usage":null,"usage":{"prompt_tokens":4}})", 4, 0, 4, 0);
  expect_usage(R"({"us\u0061ge":null,"usage":{"pr\u006fmpt_tokens":4}})", 4, 0, 4, 0);  // escaped keys inside
}

TEST(UsageScan, IncludeUsageStreamFixture) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/openai/stream_include_usage.sse", std::ios::binary);
  ASSERT_TRUE(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::vector<ScannedUsage> found;
  std::size_t chunks = 0;
  for (std::size_t at = 0; (at = text.find("data: ", at)) != std::string::npos;) {
    const std::size_t end = text.find("\n\n", at);
    const std::string_view data = std::string_view(text).substr(at + 6, end - at - 6);
    ++chunks;
    if (auto u = scan_openai_usage(data)) found.push_back(*u);
    at = end;
  }
  EXPECT_EQ(chunks, 9u);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].prompt_tokens, 19);
  EXPECT_EQ(found[0].completion_tokens, 6);
  EXPECT_EQ(found[0].total_tokens, 25);
  EXPECT_EQ(found[0].cached_tokens, 0);
}

// Plain keys are read where each first occurs (one walk over the quotes):
// a repeated key keeps its first value, a key nested in the details counts,
// a key that is only a prefix ("prompt_tokens_details") is not the key,
// and a key not followed by ':' reads as absent.
TEST(UsageScan, PlainKeysFirstOccurrence) {
  expect_usage(R"({"usage":{"prompt_tokens_details":{"cached_tokens":3},"prompt_tokens":10,)"
               R"("completion_tokens":2,"prompt_tokens":99,"completion_tokens_details":{"reasoning_tokens":1}}})",
               10, 2, 12, 3);
  expect_usage(R"({"usage":{"prompt_cache_hit_tokens":7,"prompt_tokens":8,"completion_tokens":1,"total_tokens":9}})", 8,
               1, 9, 7);
  expect_usage(R"({"usage":{"total_tokens" ,"prompt_tokens":4,"completion_tokens":5}})", 4, 5, 9, 0);
  expect_usage(R"({"usage":{}})", 0, 0, 0, 0);
}

}  // namespace
}  // namespace aisbf

namespace aisbf {
namespace {

// Reasoning tokens (o-series) are read from completion_tokens_details, plain
// or with escaped keys; a scan that found usage says so.
TEST(UsageScan, ReasoningTokens) {
  auto u = scan_openai_usage(
      R"({"usage":{"prompt_tokens":30,"completion_tokens":200,"total_tokens":230,)"
      R"("prompt_tokens_details":{"cached_tokens":12},"completion_tokens_details":{"reasoning_tokens":128}}})");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->reasoning_tokens, 128);
  EXPECT_EQ(u->cached_tokens, 12);
  EXPECT_EQ(u->cache_write_tokens, 0);
  EXPECT_TRUE(u->reported);
  auto escaped = scan_openai_usage(
      R"({"usage":{"prompt_tokens":3,"completion_tokens":9,"completion_tokens_details":{"reasoning\u005ftokens":4}}})");
  ASSERT_TRUE(escaped.has_value());
  EXPECT_EQ(escaped->reasoning_tokens, 4);
  EXPECT_FALSE(ScannedUsage{}.reported);
}

}  // namespace
}  // namespace aisbf
