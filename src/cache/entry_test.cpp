#include "cache/entry.hpp"

#include <gtest/gtest.h>

namespace aisbf::cache {
namespace {

ChatResponse sample() {
  ChatResponse r;
  r.id = "chatcmpl-1";
  r.model = "gpt";
  r.created = 1700000000;
  r.message.role = Role::assistant;
  r.message.content.emplace_back(ThinkingBlock{"hmm", "sig"});
  r.message.content.emplace_back(TextBlock{"hello \"world\"\n"});
  r.message.content.emplace_back(ToolCallBlock{"call_1", "f", R"({"a":1})"});
  r.finish_reason = FinishReason::tool_calls;
  r.usage = Usage{10, 5, 15, 2, 1, 3, 12};
  return r;
}

TEST(CacheEntry, RoundTrip) {
  const ChatResponse r = sample();
  const std::string bytes = encode_entry(r);
  EXPECT_EQ(bytes.substr(0, kEntryMagic.size()), kEntryMagic);
  auto back = decode_entry(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, r.id);
  EXPECT_EQ(back->model, r.model);
  EXPECT_EQ(back->created, r.created);
  EXPECT_EQ(back->finish_reason, FinishReason::tool_calls);
  ASSERT_EQ(back->message.content.size(), 3u);
  EXPECT_EQ(std::get<ThinkingBlock>(back->message.content[0]).signature, "sig");
  EXPECT_EQ(std::get<TextBlock>(back->message.content[1]).text, "hello \"world\"\n");
  EXPECT_EQ(std::get<ToolCallBlock>(back->message.content[2]).arguments_json, R"({"a":1})");
  ASSERT_TRUE(back->usage);
  EXPECT_EQ(back->usage->prompt_tokens, 10);
  EXPECT_EQ(back->usage->completion_tokens, 5);
  EXPECT_EQ(back->usage->cached_tokens, 2);
  EXPECT_EQ(back->usage->effective_context, 12);
}

TEST(CacheEntry, KeepsWhichProviderAndModelAnswered) {
  EntryOrigin origin{"stale", "stale"};
  ASSERT_TRUE(decode_entry(encode_entry(sample(), {"mock", "mock-model"}), &origin));
  EXPECT_EQ(origin.provider, "mock");
  EXPECT_EQ(origin.model, "mock-model");
  // An entry written before the origin was kept still reads, naming none.
  ASSERT_TRUE(decode_entry(encode_entry(sample()), &origin));
  EXPECT_EQ(origin.provider, "");
  EXPECT_EQ(origin.model, "");
  EXPECT_FALSE(decode_entry(std::string(kEntryMagic) +
                            R"({"id":"a","model":"m","created":1,"finish":1,"split_chunks":0,"blocks":[],"provider":1})"));
}

TEST(CacheEntry, WithoutUsage) {
  ChatResponse r = sample();
  r.usage.reset();
  auto back = decode_entry(encode_entry(r));
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->usage);
}

TEST(CacheEntry, CorruptOrForeignIsAMiss) {
  const std::string good = encode_entry(sample());
  EXPECT_FALSE(decode_entry(""));
  EXPECT_FALSE(decode_entry("aisbf-cache-v0\n{}"));
  EXPECT_FALSE(decode_entry(std::string(kEntryMagic) + "{}"));
  EXPECT_FALSE(decode_entry(std::string(kEntryMagic) + "[]"));
  EXPECT_FALSE(decode_entry(std::string(kEntryMagic) +
                            R"({"id":"a","model":"m","created":1,"finish":99,"split_chunks":0,"blocks":[]})"));
  EXPECT_FALSE(
      decode_entry(std::string(kEntryMagic) +
                   R"({"id":"a","model":"m","created":1,"finish":1,"split_chunks":0,"blocks":[{"type":"x"}]})"));
  EXPECT_FALSE(decode_entry(std::string(kEntryMagic) +
                            R"({"id":"a","model":"m","created":1,"finish":1,"split_chunks":0,"blocks":[],"usage":1})"));
  // Every truncation of a good entry is a miss, never a crash.
  for (std::size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(decode_entry(good.substr(0, n))) << n;
  EXPECT_TRUE(decode_entry(std::string(kEntryMagic) +
                           R"({"id":"a","model":"m","created":1,"finish":1,"split_chunks":0,"blocks":[]})"));
}

}  // namespace
}  // namespace aisbf::cache
