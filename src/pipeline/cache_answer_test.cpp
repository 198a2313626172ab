#include "pipeline/cache_answer.hpp"

#include <gtest/gtest.h>

namespace aisbf {
namespace {

constexpr std::string_view kOpenAiBody =
    R"({"id":"chatcmpl-9","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,)"
    R"("message":{"role":"assistant","content":"hi","tool_calls":[{"id":"call_1","type":"function",)"
    R"("function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}],)"
    R"("usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})";

constexpr std::string_view kOpenAiStream =
    "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
    "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}],"
    "\"usage\":null}\n\n"
    "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
    "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
    "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
    "\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":1,\"total_tokens\":5}}\n\n"
    "data: [DONE]\n\n";

constexpr std::string_view kAnthropicStream =
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_5\",\"type\":\"message\","
    "\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
    "\"usage\":{\"input_tokens\":6,\"output_tokens\":1}}}\n\n"
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
    "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
    "\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n"
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
    "\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}\n\n"
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

TEST(CacheAnswer, AWholeBodyItsUsageAndId) {
  auto facts = read_answer(kOpenAiBody, false, IngressFormat::openai_chat);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->id, "chatcmpl-9");
  EXPECT_EQ(facts->usage.prompt_tokens, 3);
  EXPECT_EQ(facts->usage.total_tokens, 5);
  // No usage, an error, not JSON: not kept.
  EXPECT_FALSE(read_answer(R"({"id":"x","choices":[]})", false, IngressFormat::openai_chat));
  EXPECT_FALSE(read_answer(R"({"error":{"message":"no"}})", false, IngressFormat::openai_chat));
  EXPECT_FALSE(read_answer(R"({"id":"x","usage":{"prompt_tokens":1})", false, IngressFormat::openai_chat));
}

TEST(CacheAnswer, AWholeBodyWhoseUsageWasNotedIsNotReadAgain) {
  const ScannedUsage noted{.prompt_tokens = 30, .completion_tokens = 2, .total_tokens = 32, .reported = true};
  auto facts = read_answer(kOpenAiBody, false, IngressFormat::openai_chat, noted);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->usage.prompt_tokens, 30);
  EXPECT_EQ(facts->id, "chatcmpl-9");
  // Not noted: read from the body.
  EXPECT_EQ(read_answer(kOpenAiBody, false, IngressFormat::openai_chat, ScannedUsage{})->usage.prompt_tokens, 3);
  // A stream is always read (its end and its events are checked).
  EXPECT_FALSE(read_answer("data: {}\n\n", true, IngressFormat::openai_chat, noted));
}

TEST(CacheAnswer, AStreamThatEndedWithUsage) {
  auto facts = read_answer(kOpenAiStream, true, IngressFormat::openai_chat);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->id, "chatcmpl-7");
  EXPECT_EQ(facts->usage.prompt_tokens, 4);
  // The id is a view into the body itself.
  EXPECT_GE(facts->id.data(), kOpenAiStream.data());
  EXPECT_LT(facts->id.data(), kOpenAiStream.data() + kOpenAiStream.size());

  auto ant = read_answer(kAnthropicStream, true, IngressFormat::anthropic_messages);
  ASSERT_TRUE(ant);
  EXPECT_EQ(ant->id, "msg_5");
  EXPECT_EQ(ant->usage.prompt_tokens, 6);
  EXPECT_EQ(ant->usage.completion_tokens, 2);
}

TEST(CacheAnswer, AStreamCutOrFailedIsNotKept) {
  const std::string s(kOpenAiStream);
  // Cut before [DONE], or in the middle of an event.
  EXPECT_FALSE(read_answer(s.substr(0, s.rfind("data: [DONE]")), true, IngressFormat::openai_chat));
  EXPECT_FALSE(read_answer(s.substr(0, s.size() - 3), true, IngressFormat::openai_chat));
  // An error chunk, or anything after the end.
  EXPECT_FALSE(read_answer("data: {\"error\":{\"message\":\"x\"}}\n\n" + s, true, IngressFormat::openai_chat));
  EXPECT_FALSE(read_answer(s + "data: {\"id\":\"x\"}\n\n", true, IngressFormat::openai_chat));
  // Without its usage chunk (its client did not ask): complete, usage not reported.
  const std::string no_usage = s.substr(0, s.find("data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\","
                                                   "\"created\":1,\"model\":\"m\",\"choices\":[],")) +
                               "data: [DONE]\n\n";
  ASSERT_NE(no_usage.size(), s.size() + 14);
  const auto facts = read_answer(no_usage, true, IngressFormat::openai_chat);
  ASSERT_TRUE(facts);
  EXPECT_FALSE(facts->usage.reported);
  EXPECT_EQ(facts->id, "chatcmpl-7");
  const std::string a(kAnthropicStream);
  EXPECT_FALSE(read_answer(a.substr(0, a.find("event: message_stop")), true, IngressFormat::anthropic_messages));
  EXPECT_FALSE(read_answer("event: error\ndata: {\"type\":\"error\"}\n\n" + a, true,
                           IngressFormat::anthropic_messages));
}

TEST(CacheAnswer, WithIdReplacesTheIdStringOnly) {
  EXPECT_EQ(with_id(R"({"id":"a1","x":"a1b","y":"za1","z":["a1"],"w":{"id" : "a1"}})", "a1", "new-id"),
            R"({"id":"new-id","x":"a1b","y":"za1","z":["a1"],"w":{"id" : "new-id"}})");
  // A short id that content happens to equal, or that appears escaped in a
  // string: only the id member changes.
  EXPECT_EQ(with_id(R"({"id":"1","choices":[{"delta":{"content":"1"}}],"t":"{\"id\":\"1\"}"})", "1", "n"),
            R"({"id":"n","choices":[{"delta":{"content":"1"}}],"t":"{\"id\":\"1\"}"})");
  EXPECT_EQ(with_id("a1", "a1", "b"), "a1");  // not a JSON string
  EXPECT_EQ(with_id(R"({"id":"a1"})", "", "b"), R"({"id":"a1"})");
  const std::string replayed = with_id(kOpenAiStream, "chatcmpl-7", "chatcmpl-aisbf-r1");
  EXPECT_EQ(replayed.find("chatcmpl-7"), std::string::npos);
  auto facts = read_answer(replayed, true, IngressFormat::openai_chat);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->id, "chatcmpl-aisbf-r1");
  // Tool call ids are not the answer's id.
  EXPECT_NE(with_id(kOpenAiBody, "chatcmpl-9", "n").find("\"call_1\""), std::string::npos);
}

TEST(CacheAnswer, DecodesEitherShape) {
  auto whole = decode_answer(kOpenAiBody, false, IngressFormat::openai_chat);
  ASSERT_TRUE(whole);
  ASSERT_TRUE(whole->usage);
  EXPECT_EQ(whole->usage->prompt_tokens, 3);
  auto streamed = decode_answer(kAnthropicStream, true, IngressFormat::anthropic_messages);
  ASSERT_TRUE(streamed);
  ASSERT_EQ(streamed->message.content.size(), 1u);
  EXPECT_EQ(std::get<TextBlock>(streamed->message.content[0]).text, "hi");
  const std::string a(kAnthropicStream);
  EXPECT_FALSE(decode_answer(a.substr(0, a.find("event: message_delta")), true, IngressFormat::anthropic_messages));
}

}  // namespace
}  // namespace aisbf
