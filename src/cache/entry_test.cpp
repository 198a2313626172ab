#include "cache/entry.hpp"

#include <gtest/gtest.h>

namespace aisbf::cache {
namespace {

StoredAnswer sample() {
  StoredAnswer a;
  a.streamed = true;
  a.usage = ScannedUsage{10, 5, 15, 2, 1, 3, true};
  a.id = "chatcmpl-1";
  a.provider = "mock";
  a.model = "mock-model";
  a.asked = "mock/mock-model";
  a.body = "data: {\"id\":\"chatcmpl-1\"}\n\ndata: [DONE]\n\n";
  return a;
}

TEST(CacheEntry, RoundTrip) {
  const StoredAnswer a = sample();
  const std::string bytes = encode_entry(a);
  EXPECT_EQ(bytes.substr(0, kEntryMagic.size()), kEntryMagic);
  auto back = decode_entry(bytes);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->streamed);
  EXPECT_EQ(back->usage.prompt_tokens, 10);
  EXPECT_EQ(back->usage.completion_tokens, 5);
  EXPECT_EQ(back->usage.total_tokens, 15);
  EXPECT_EQ(back->usage.cached_tokens, 2);
  EXPECT_EQ(back->usage.cache_write_tokens, 1);
  EXPECT_EQ(back->usage.reasoning_tokens, 3);
  EXPECT_TRUE(back->usage.reported);
  EXPECT_EQ(back->id, a.id);
  EXPECT_EQ(back->provider, a.provider);
  EXPECT_EQ(back->model, a.model);
  EXPECT_EQ(back->asked, a.asked);
  EXPECT_EQ(back->body, a.body);
}

TEST(CacheEntry, AWholeBodyAndEmptyLabels) {
  StoredAnswer a = sample();
  a.streamed = false;
  a.id = a.provider = a.model = a.asked = "";
  a.body = "{\"x\":\"line\\nbreak\"}\n";
  const std::string bytes = encode_entry(a);  // the decoded views point into it
  auto back = decode_entry(bytes);
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->streamed);
  EXPECT_EQ(back->id, "");
  EXPECT_EQ(back->body, a.body);
}

TEST(CacheEntry, ALineBreakInALabelIsNotStored) {
  StoredAnswer a = sample();
  a.model = "m\nx";
  EXPECT_EQ(encode_entry(a), "");
  a.model = "m";
  a.id = "i\r";
  EXPECT_EQ(encode_entry(a), "");
  a.id = "i";
  a.asked = "\n";
  EXPECT_EQ(encode_entry(a), "");
}

TEST(CacheEntry, AnythingElseIsAMiss) {
  const std::string good = encode_entry(sample());
  EXPECT_FALSE(decode_entry(""));
  EXPECT_FALSE(decode_entry("aisbf-cache-v1\n{}"));
  EXPECT_FALSE(decode_entry(std::string(kEntryMagic) + "x\n"));
  // Every truncation before the body's first byte is a miss.
  const std::size_t body_at = good.size() - sample().body.size();
  for (std::size_t n = 0; n <= body_at; ++n) EXPECT_FALSE(decode_entry(good.substr(0, n))) << n;
  // Counts: six, non-negative, numbers.
  const std::string head = std::string(kEntryMagic) + "w\n";
  const std::string tail = "\nid\np\nm\nasked\n{}";
  EXPECT_TRUE(decode_entry(head + "1 2 3 4 5 6 1" + tail));
  EXPECT_FALSE(decode_entry(head + "1 2 3 4 5 6 0" + tail)->usage.reported);
  for (const char* counts : {"1 2 3 4 5 6", "1 2 3 4 5 6 1 7", "1 2 3 4 5 -6 1", "1 2 x 4 5 6 1", "1  2 3 4 5 6 1",
                             " 1 2 3 4 5 6 1", "1 2 3 4 5 6 2"}) {
    EXPECT_FALSE(decode_entry(head + counts + tail)) << counts;
  }
}

}  // namespace
}  // namespace aisbf::cache
