// with_effective_context and sse_block_with_data: only the top-level usage
// object changes, and only by the figure; every other byte stays.
#include "core/usage_splice.hpp"

#include <gtest/gtest.h>

#include "core/json_scan.hpp"
#include "core/usage_scan.hpp"

namespace aisbf {
namespace {

std::string spliced(std::string_view text, std::int64_t n = 42) {
  auto out = with_effective_context(text, n);
  return out ? *out : "<none>";
}

TEST(UsageSplice, OpenAiBodyGetsTheFigureLastInUsage) {
  const std::string body =
      R"({"id":"c1","choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}],)"
      R"("usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10,"prompt_tokens_details":{"cached_tokens":0}}})";
  EXPECT_EQ(
      spliced(body),
      R"({"id":"c1","choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}],)"
      R"("usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10,"prompt_tokens_details":{"cached_tokens":0},"effective_context":42}})");
}

TEST(UsageSplice, AnthropicBodyAndMessageDelta) {
  EXPECT_EQ(spliced(R"({"type":"message","content":[],"usage":{"input_tokens":5,"output_tokens":2}})", 7),
            R"({"type":"message","content":[],"usage":{"input_tokens":5,"output_tokens":2,"effective_context":7}})");
  EXPECT_EQ(
      spliced(R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}})", 12),
      R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15,"effective_context":12}})");
}

TEST(UsageSplice, UsageInsideStringsOrNestedObjectsIsNotTouched) {
  // A "usage" key in content text, and in a nested object: no top-level usage.
  EXPECT_EQ(spliced(R"({"choices":[{"delta":{"content":"\"usage\":{\"a\":1}"}}],"x":{"usage":{"n":1}}})"), "<none>");
  // The same, beside a real one: only the top-level object changes.
  EXPECT_EQ(spliced(R"({"c":"\"usage\":{}","x":{"usage":{"n":1}},"usage":{"n":2}})", 3),
            R"({"c":"\"usage\":{}","x":{"usage":{"n":1}},"usage":{"n":2,"effective_context":3}})");
  // Anthropic's message_start holds usage inside "message": left as it is.
  EXPECT_EQ(spliced(R"({"type":"message_start","message":{"usage":{"input_tokens":3}}})"), "<none>");
}

TEST(UsageSplice, WhitespaceEscapesAndEmptyObjects) {
  EXPECT_EQ(spliced("{ \"usage\" : { \"prompt_tokens\" : 1 \n } \n}\n", 5),
            "{ \"usage\" : { \"prompt_tokens\" : 1 \n ,\"effective_context\":5} \n}\n");
  EXPECT_EQ(spliced(R"({"usage":{}})", 5), R"({"usage":{"effective_context":5}})");
  EXPECT_EQ(spliced("{\"usage\":{ }}", 5), "{\"usage\":{ \"effective_context\":5}}");
  // A key written with escapes is still "usage"; strings with escaped quotes and braces are skipped whole.
  EXPECT_EQ(spliced(R"({"a":"}\"{","us\u0061ge":{"n":"\"}"}})", 6),
            R"({"a":"}\"{","us\u0061ge":{"n":"\"}","effective_context":6}})");
}

TEST(UsageSplice, NullOrOddUsageIsLeftAlone) {
  EXPECT_EQ(spliced(R"({"choices":[],"usage":null})"), "<none>");
  EXPECT_EQ(spliced(R"({"usage":[1,2]})"), "<none>");
  EXPECT_EQ(spliced(R"({"usage":"x"})"), "<none>");
  EXPECT_EQ(spliced(R"({"id":1})"), "<none>");
  EXPECT_EQ(spliced(R"([{"usage":{}}])"), "<none>");
  EXPECT_EQ(spliced(R"({"usage":{"a":1,}})"), "<none>");  // not valid JSON inside
  EXPECT_EQ(spliced(R"({"usage":{"a":1}} trailing)"), "<none>");
  EXPECT_EQ(spliced(""), "<none>");
  EXPECT_EQ(spliced(R"({"usage":{"a":1})"), "<none>");  // cut short
}

TEST(UsageSplice, AnUpstreamFigureIsReplaced) {
  EXPECT_EQ(spliced(R"({"usage":{"effective_context":999,"prompt_tokens":1}})", 8),
            R"({"usage":{"effective_context":8,"prompt_tokens":1}})");
  EXPECT_EQ(spliced(R"({"usage":{"prompt_tokens":1,"effective_context":null}})", 8),
            R"({"usage":{"prompt_tokens":1,"effective_context":8}})");
}

TEST(UsageSplice, ResultIsValidJson) {
  for (std::string_view text :
       {R"({"usage":{}})", R"({"usage":{"a":{"b":[1,{"c":2}]}}})", "{\"usage\":{\"a\":1}\r\n}"}) {
    const auto out = with_effective_context(text, 1);
    ASSERT_TRUE(out) << text;
    EXPECT_FALSE(json_scan::validate(*out)) << *out;
  }
}

TEST(UsageSplice, SseBlockKeepsItsOtherBytes) {
  const std::string raw = "event: message_delta\r\nid: 7\r\ndata: {\"usage\":{}}\r\n: note\r\n\r\n";
  const std::string_view data = std::string_view(raw).substr(raw.find('{'), 12);
  ASSERT_EQ(data, R"({"usage":{}})");
  EXPECT_EQ(sse_block_with_data(raw, "message_delta", "7", data, R"({"usage":{"effective_context":1}})"),
            "event: message_delta\r\nid: 7\r\ndata: {\"usage\":{\"effective_context\":1}}\r\n: note\r\n\r\n");
}

TEST(UsageSplice, SseBlockOfSeveralDataLinesIsWrittenAnew) {
  const std::string raw = "event: e\ndata: {\"usage\":\ndata: {}}\n\n";
  const std::string joined = "{\"usage\":\n{}}";  // the parser's own buffer, not inside raw
  EXPECT_EQ(sse_block_with_data(raw, "e", "", joined, "{\"usage\":\n{\"effective_context\":2}}"),
            "event: e\ndata: {\"usage\":\ndata: {\"effective_context\":2}}\n\n");
  EXPECT_EQ(sse_block_with_data(raw, "", "", joined, "{}"), "data: {}\n\n");
}

TEST(UsageSplice, TheScannersObjectGivesTheSameBytesWithoutASecondScan) {
  for (std::string_view text : {
           R"({"id":"c1","usage":{"prompt_tokens":9,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":0}}})",
           R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}})",
           "{ \"usage\" : { \"prompt_tokens\" : 1 \n } \n}\n", R"({"usage":{}})", "{\"usage\":{ }}",
           R"({"a":"}\"{","us\u0061ge":{"n":"\"}"}})", R"({"usage":{"effective_context":999,"prompt_tokens":1}})"}) {
    std::string_view object;
    ASSERT_TRUE(scan_openai_usage(text, &object)) << text;
    EXPECT_EQ(with_effective_context(text, object, 42), with_effective_context(text, 42)) << text;
  }
  // A view that is not into the text, or not an object: nothing.
  const std::string other = R"({"n":1})";
  EXPECT_FALSE(with_effective_context(R"({"usage":{"n":1}})", other, 1));
  EXPECT_FALSE(with_effective_context(R"({"usage":null})", std::string_view{}, 1));
}

TEST(UsageSplice, TheScannerNamesNoObjectForAnthropicsMessageStart) {
  AnthropicUsage counts;
  std::string_view object = "unset";
  ASSERT_TRUE(scan_anthropic_usage(R"({"type":"message_start","message":{"usage":{"input_tokens":3}}})", counts, &object));
  EXPECT_EQ(object, "unset");
  const std::string_view delta = R"({"type":"message_delta","usage":{"output_tokens":2}})";
  ASSERT_TRUE(scan_anthropic_usage(delta, counts, &object));
  EXPECT_EQ(object, R"({"output_tokens":2})");
}

}  // namespace
}  // namespace aisbf
