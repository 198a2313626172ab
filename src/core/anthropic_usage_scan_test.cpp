// Anthropic usage as the passthrough relay reads it (scan_anthropic_usage,
// UsageScanner): bodies, message_start / message_delta, the recorded samples.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/usage_scan.hpp"

namespace aisbf {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/anthropic/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AnthropicUsageScan, BodyWithCacheCounts) {
  AnthropicUsage counts;
  ASSERT_TRUE(scan_anthropic_usage(
      R"({"id":"m","content":[{"type":"text","text":"usage"}],"usage":{"input_tokens":412,"output_tokens":56,)"
      R"("cache_creation_input_tokens":7,"cache_read_input_tokens":100,)"
      R"("cache_creation":{"ephemeral_5m_input_tokens":3,"ephemeral_1h_input_tokens":4},"service_tier":"standard"}})",
      counts));
  const ScannedUsage u = counts.scanned();
  EXPECT_EQ(u.prompt_tokens, 412 + 7 + 100);
  EXPECT_EQ(u.completion_tokens, 56);
  EXPECT_EQ(u.total_tokens, 412 + 7 + 100 + 56);
  EXPECT_EQ(u.cached_tokens, 100);
}

TEST(AnthropicUsageScan, NullCacheCountsReadAsNothing) {
  AnthropicUsage counts;
  ASSERT_TRUE(scan_anthropic_usage(fixture("response_text.json"), counts));
  EXPECT_EQ(counts.input, 2095);
  EXPECT_EQ(counts.output, 503);
  EXPECT_EQ(counts.cache_read, 0);
  EXPECT_EQ(counts.cache_creation, 0);
}

TEST(AnthropicUsageScan, StreamStartThenCumulativeDeltas) {
  UsageScanner scanner(UsageScanner::Wire::anthropic);
  ScannedUsage u;
  ASSERT_TRUE(scanner.read(
      R"({"type":"message_start","message":{"id":"m","usage":{"input_tokens":10,"cache_read_input_tokens":5,"output_tokens":1}}})",
      u));
  EXPECT_EQ(u.prompt_tokens, 15);
  EXPECT_EQ(u.completion_tokens, 1);
  EXPECT_FALSE(
      scanner.read(R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}})", u));
  ASSERT_TRUE(scanner.read(R"({"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":30}})", u));
  // Cumulative: the last value, not a sum; input counts kept.
  ASSERT_TRUE(scanner.read(
      R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":null,"cache_read_input_tokens":null,"output_tokens":42}})",
      u));
  EXPECT_EQ(u.prompt_tokens, 15);
  EXPECT_EQ(u.completion_tokens, 42);
  EXPECT_EQ(u.total_tokens, 57);
  EXPECT_EQ(u.cached_tokens, 5);
}

TEST(AnthropicUsageScan, NestedKeysDoNotCount) {
  AnthropicUsage counts;
  ASSERT_TRUE(scan_anthropic_usage(
      R"({"usage":{"iterations":[{"input_tokens":999,"output_tokens":999}],"input_tokens":3,"output_tokens":4}})",
      counts));
  EXPECT_EQ(counts.input, 3);
  EXPECT_EQ(counts.output, 4);
  // Text that mentions usage, escaped inside a string, is not usage.
  AnthropicUsage none;
  EXPECT_FALSE(scan_anthropic_usage(
      R"({"type":"content_block_delta","delta":{"text":"\"usage\":{\"input_tokens\":5}"}})", none));
  EXPECT_EQ(none.input, 0);
  EXPECT_FALSE(scan_anthropic_usage(R"({"usage":{"input_tokens":5)", none));  // cut: not read
  EXPECT_FALSE(scan_anthropic_usage(R"({"usage":null})", none));
}

TEST(AnthropicUsageScan, RecordedStreams) {
  for (const char* name : {"stream_text.sse", "stream_tool_use.sse", "stream_thinking.sse"}) {
    const std::string text = fixture(name);
    ASSERT_FALSE(text.empty()) << name;
    UsageScanner scanner(UsageScanner::Wire::anthropic);
    ScannedUsage last;
    int reads = 0;
    for (std::size_t at = 0; (at = text.find("data: ", at)) != std::string::npos;) {
      const std::size_t end = text.find('\n', at);
      if (scanner.read(std::string_view(text).substr(at + 6, end - at - 6), last)) ++reads;
      at = end;
    }
    EXPECT_GE(reads, 2) << name;  // message_start and message_delta
    EXPECT_GT(last.prompt_tokens, 0) << name;
    EXPECT_GT(last.completion_tokens, 1) << name;
  }
  // stream_text.sse: input 25 at the start, output 15 at the end.
  UsageScanner scanner(UsageScanner::Wire::anthropic);
  ScannedUsage u;
  const std::string text = fixture("stream_text.sse");
  for (std::size_t at = 0; (at = text.find("data: ", at)) != std::string::npos;) {
    const std::size_t end = text.find('\n', at);
    scanner.read(std::string_view(text).substr(at + 6, end - at - 6), u);
    at = end;
  }
  EXPECT_EQ(u.prompt_tokens, 25);
  EXPECT_EQ(u.completion_tokens, 15);
}

TEST(AnthropicUsageScan, OpenAiWireKeepsTheOpenAiReader) {
  UsageScanner scanner(UsageScanner::Wire::openai);
  ScannedUsage u;
  ASSERT_TRUE(scanner.read(R"({"usage":{"prompt_tokens":3,"completion_tokens":4}})", u));
  EXPECT_EQ(u.total_tokens, 7);
  // Anthropic's names mean nothing to it: why the reader follows the wire.
  ASSERT_TRUE(scanner.read(R"({"usage":{"input_tokens":3,"output_tokens":4}})", u));
  EXPECT_EQ(u.prompt_tokens, 0);
}

}  // namespace
}  // namespace aisbf

namespace aisbf {
namespace {

TEST(AnthropicUsageScan, CacheWritesAreCounted) {
  AnthropicUsage counts;
  ASSERT_TRUE(scan_anthropic_usage(
      R"({"usage":{"input_tokens":10,"output_tokens":5,"cache_creation_input_tokens":40,"cache_read_input_tokens":2}})",
      counts));
  const ScannedUsage u = counts.scanned();
  EXPECT_EQ(u.cache_write_tokens, 40);
  EXPECT_EQ(u.cached_tokens, 2);
  EXPECT_EQ(u.prompt_tokens, 52);
  EXPECT_TRUE(u.reported);
}

}  // namespace
}  // namespace aisbf
