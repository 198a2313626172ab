// A stream in a client format read back into canonical events, as a
// coalesced follower reads its leader's bytes: split anywhere, complete
// only with its finish and proper end; an error event is an error.
#include "pipeline/cache_follow.hpp"

#include <gtest/gtest.h>

namespace aisbf {
namespace {

constexpr std::string_view kOpenAi =
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"content\":\"Hé there\"},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
    "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    "data: [DONE]\n\n";

std::string text_of(const std::vector<StreamEvent>& events) {
  std::string out;
  for (const auto& ev : events) {
    if (const auto* t = std::get_if<TextDelta>(&ev)) out += t->text;
  }
  return out;
}

TEST(RecordedStream, AnOpenAiStreamSplitAnywhereReadsBackWhole) {
  for (std::size_t cut = 0; cut <= kOpenAi.size(); ++cut) {
    RecordedStream reader(IngressFormat::openai_chat, 1 << 20);
    std::vector<StreamEvent> events;
    ASSERT_FALSE(reader.feed(kOpenAi.substr(0, cut), events)) << cut;
    ASSERT_FALSE(reader.feed(kOpenAi.substr(cut), events)) << cut;
    ASSERT_FALSE(reader.finish(events)) << cut;
    EXPECT_EQ(text_of(events), "Hé there") << cut;
    ASSERT_FALSE(events.empty());
    EXPECT_TRUE(std::holds_alternative<StreamStart>(events.front()));
  }
}

TEST(RecordedStream, AStreamCutShortIsNotComplete) {
  const std::size_t done = kOpenAi.find("data: [DONE]");
  for (const std::size_t end : {done, done + 4, kOpenAi.find("\"stop\"")}) {
    RecordedStream reader(IngressFormat::openai_chat, 1 << 20);
    std::vector<StreamEvent> events;
    ASSERT_FALSE(reader.feed(kOpenAi.substr(0, end), events));
    EXPECT_TRUE(reader.finish(events).has_value()) << end;
  }
}

TEST(RecordedStream, AnErrorEventIsAnError) {
  RecordedStream reader(IngressFormat::openai_chat, 1 << 20);
  std::vector<StreamEvent> events;
  const std::string bytes = std::string(kOpenAi.substr(0, kOpenAi.find("data: {", 10))) +
                            "data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n";
  const auto error = reader.feed(bytes, events);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->message.find("boom"), std::string::npos) << error->message;

  RecordedStream anthropic(IngressFormat::anthropic_messages, 1 << 20);
  const auto failed = anthropic.feed(
      "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"down\"}}\n\n", events);
  ASSERT_TRUE(failed.has_value());
  EXPECT_NE(failed->message.find("down"), std::string::npos) << failed->message;
}

TEST(RecordedStream, AnEventPastTheCapIsAnError) {
  RecordedStream reader(IngressFormat::openai_chat, 16);
  std::vector<StreamEvent> events;
  EXPECT_TRUE(reader.feed(kOpenAi, events).has_value());
}

}  // namespace
}  // namespace aisbf
