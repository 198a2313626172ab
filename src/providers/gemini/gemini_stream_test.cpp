// Gemini stream decoder against recorded `alt=sse` samples
// (tests/fixtures/gemini/stream_*), each fed through the real SSE framer
// whole, byte by byte and cut at every position.
#include "providers/gemini/gemini_test_util.hpp"
#include "providers/gemini/gemini_wire.hpp"

namespace aisbf::gemini::test {
namespace {

using Lines = std::vector<std::string>;

constexpr int kStop = static_cast<int>(FinishReason::stop);
constexpr int kToolCalls = static_cast<int>(FinishReason::tool_calls);
constexpr int kFilter = static_cast<int>(FinishReason::content_filter);

TEST(GeminiStream, TextOverSeveralChunks) {
  for (const char* name : {"stream_text.sse", "stream_text_crlf.sse"}) {
    std::string bytes = fixture(name);
    StreamRun run = run_whole(bytes);
    ASSERT_FALSE(run.error) << name << ": " << run.error->message;
    EXPECT_FALSE(run.cut);
    EXPECT_EQ(run.events,
              (Lines{"start Il0taOTHN5-xz7IP gemini-2.5-flash", "text Il fait beau", "usage 9 0 9 cached=0 reasoning=0",
                     "text  à Paris ☀️, 21 °C.", "usage 9 8 17 cached=0 reasoning=0", "text  Bonne journée 🌞",
                     fmt::format("finish {}", kStop), "usage 9 13 22 cached=0 reasoning=0"}))
        << name;
    expect_split_invariant(bytes);
  }
}

TEST(GeminiStream, FunctionCallsArriveWhole) {
  std::string bytes = fixture("stream_function_call.sse");
  StreamRun run = run_whole(bytes);
  ASSERT_FALSE(run.error) << run.error->message;
  std::string id0 = tool_call_id("fc-stream-1", 0, ""), id1 = tool_call_id("fc-stream-1", 1, "");
  EXPECT_EQ(run.events, (Lines{"start fc-stream-1 gemini-3-flash-preview", "text Let me check both cities.",
                               "usage 70 0 70 cached=0 reasoning=0", "reasoning |gemini:CiQBVKhc7oXfVDoqYGLX",
                               "call 0 " + id0 + R"( get_current_temperature {"location":"Paris"})",
                               "call 1 " + id1 + R"( get_current_temperature {"location":"London"})",
                               fmt::format("finish {}", kToolCalls), "usage 70 80 150 cached=0 reasoning=44"}));
  expect_split_invariant(bytes);
}

TEST(GeminiStream, ThoughtsAndLateSignature) {
  std::string bytes = fixture("stream_thinking.sse");
  StreamRun run = run_whole(bytes);
  ASSERT_FALSE(run.error) << run.error->message;
  EXPECT_EQ(run.events,
            (Lines{"start th-1 gemini-2.5-pro", "reasoning **Weighing the options**\n\nThe user wants a number.|",
                   "text The answer is 42.", "reasoning |gemini:EiYKJGUyNDhmZDA0", fmt::format("finish {}", kStop),
                   "usage 11 84 95 cached=0 reasoning=78"}));
  expect_split_invariant(bytes);
}

TEST(GeminiStream, PromptBlocked) {
  std::string bytes = fixture("stream_blocked.sse");
  StreamRun run = run_whole(bytes);
  ASSERT_FALSE(run.error);
  EXPECT_EQ(run.events, (Lines{"start blk-s gemini-2.5-flash", fmt::format("finish {}", kFilter),
                               "usage 12 0 12 cached=0 reasoning=0"}));
  expect_split_invariant(bytes);
}

TEST(GeminiStream, ErrorInStream) {
  std::string bytes = fixture("stream_error.sse");
  StreamRun run = run_whole(bytes);
  ASSERT_TRUE(run.error);
  EXPECT_EQ(run.error->status, 503);
  EXPECT_TRUE(run.error->retryable);
  EXPECT_EQ(run.error->message,
            "provider 'google' answered 503 UNAVAILABLE: The model is overloaded. Please try again later.");
  EXPECT_EQ(run.events, (Lines{"start err-1 gemini-2.5-flash", "text Par"}));
  expect_split_invariant(bytes);
  // Without a code, the RPC status decides; an in-stream 429 stays a rate limit.
  auto decoder = gemini_adapter().make_stream_decoder();
  auto r = decoder->on_event("", R"({"error":{"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::rate_limited);
  EXPECT_TRUE(decoder->on_event("", R"({"candidates":[]})")->empty());  // nothing after an error
}

TEST(GeminiStream, EndWithoutFinishIsAnError) {
  std::string bytes = fixture("stream_no_finish.sse");
  StreamRun run = run_whole(bytes);
  ASSERT_TRUE(run.error);
  EXPECT_EQ(run.error->kind, ErrorKind::upstream_protocol);
  EXPECT_EQ(run.error->message, "stream ended before a finishReason");
  EXPECT_EQ(run.events, (Lines{"start err-1 gemini-2.5-flash", "text Par"}));
  expect_split_invariant(bytes);
  // Cut inside the last event: the framer never hands it over.
  StreamRun cut = run_whole(bytes.substr(0, bytes.size() - 1));
  EXPECT_TRUE(cut.cut);
  EXPECT_EQ(run_whole("").error->kind, ErrorKind::upstream_protocol);
}

TEST(GeminiStream, MalformedChunks) {
  auto decoder = gemini_adapter().make_stream_decoder();
  EXPECT_TRUE(decoder->on_event("", "  \r\n")->empty());
  auto r = decoder->on_event("", R"({"candidates":[)");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::upstream_protocol);
  EXPECT_TRUE(decoder->on_end()->empty());  // the error was already reported
  auto array = gemini_adapter().make_stream_decoder()->on_event("", "[1,2]");
  EXPECT_EQ(array.error().kind, ErrorKind::upstream_protocol);

  // Usage only in a trailing chunk after the finish; a second finish is ignored.
  auto late = gemini_adapter().make_stream_decoder();
  auto a = late->on_event("", R"({"candidates":[{"content":{"parts":[{"text":"hi"}]},"finishReason":"MAX_TOKENS"}]})");
  auto b = late->on_event("", R"({"candidates":[{"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":1}})");
  ASSERT_TRUE(a && b);
  Lines events;
  for (const auto& e : *a) events.push_back(render(e));
  for (const auto& e : *b) events.push_back(render(e));
  EXPECT_EQ(events, (Lines{"start  ", "text hi", fmt::format("finish {}", static_cast<int>(FinishReason::length)),
                           "usage 1 0 1 cached=0 reasoning=0"}));
  EXPECT_TRUE(late->on_end()->empty());

  for (const char* name : {"stream_text.sse", "stream_function_call.sse", "stream_thinking.sse"}) {
    std::string bytes = fixture(name);
    for (std::size_t n = 0; n < bytes.size(); n += 7) {
      auto d = gemini_adapter().make_stream_decoder();
      EXPECT_NO_THROW((void)d->on_event("", std::string_view(bytes).substr(6, n)));
      EXPECT_NO_THROW((void)d->on_end());
    }
  }
}

}  // namespace
}  // namespace aisbf::gemini::test
