#include "cache/key_memo.hpp"

#include <string>

#include <gtest/gtest.h>

namespace aisbf::cache {
namespace {

// What the key is without the memo: cache_key over the canonical form.
std::string computed_key(KeyParts raw) {
  const auto canonical = canonical_request(raw.request);
  raw.request = canonical->text;
  return cache_key(raw);
}

TEST(KeyMemo, GivesTheComputedKeyFirstAndAfterwards) {
  KeyMemo memo;
  const std::string body = R"({"model":"m","temperature":0,"messages":[{"role":"user","content":"hi"}]})";
  const KeyParts raw{"alice", "p/m", "openai_chat", body, ""};
  const auto first = memo.key_of(raw);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->key, computed_key(raw));
  EXPECT_TRUE(first->deterministic);
  EXPECT_EQ(memo.entries(), 1u);
  const auto again = memo.key_of(raw);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->key, first->key);
  EXPECT_TRUE(again->deterministic);
  EXPECT_EQ(memo.entries(), 1u);
}

// Every raw part is the identity: the same body from another namespace,
// target, format or protocol is another entry with its own key, and the
// same request spelled otherwise has the canonical form's key.
TEST(KeyMemo, EveryPartCounts) {
  KeyMemo memo;
  const std::string body = R"({"temperature":0,"messages":[]})";
  const KeyParts base{"alice", "p/m", "openai_chat", body, ""};
  const std::string k = memo.key_of(base)->key;
  for (KeyParts other : {KeyParts{"bob", "p/m", "openai_chat", body, ""},
                         KeyParts{"", "p/m", "openai_chat", body, ""},
                         KeyParts{"alice", "p/m2", "openai_chat", body, ""},
                         KeyParts{"alice", "p/m", "anthropic_messages", body, ""},
                         KeyParts{"alice", "p/m", "openai_chat", body, "2023-06-01\n"},
                         KeyParts{"alice", "p/m", "openai_chat", R"({"temperature":0,"messages":[1]})", ""}}) {
    const auto got = memo.key_of(other);
    ASSERT_TRUE(got);
    EXPECT_NE(got->key, k);
    EXPECT_EQ(got->key, computed_key(other));
  }
  // Parts are length-prefixed: moving a byte across a boundary is another identity.
  EXPECT_NE(memo.key_of({"ab", "c", "f", "{}", ""})->key, memo.key_of({"a", "bc", "f", "{}", ""})->key);
  const auto respelled = memo.key_of({"alice", "p/m", "openai_chat", R"({ "messages" : [], "temperature" : 0.0 })", ""});
  EXPECT_EQ(respelled->key, k);
  EXPECT_EQ(memo.key_of(base)->key, k);
}

TEST(KeyMemo, NotAnObjectIsNoKeyAndIsNotKept) {
  KeyMemo memo;
  EXPECT_FALSE(memo.key_of({"", "p/m", "openai_chat", "[1]", ""}));
  EXPECT_FALSE(memo.key_of({"", "p/m", "openai_chat", "{", ""}));
  EXPECT_EQ(memo.entries(), 0u);
  const auto random = memo.key_of({"", "p/m", "openai_chat", R"({"messages":[]})", ""});
  ASSERT_TRUE(random);
  EXPECT_FALSE(random->deterministic);
}

TEST(KeyMemo, BoundedBySlotsAndBytes) {
  KeyMemo memo({.slots = 8, .bytes = 4096, .entry_bytes = 1024});
  for (int i = 0; i < 200; ++i) {
    const std::string body = R"({"temperature":0,"n":)" + std::to_string(i) + "}";
    const KeyParts raw{"", "p/m", "openai_chat", body, ""};
    ASSERT_EQ(memo.key_of(raw)->key, computed_key(raw));
    EXPECT_LE(memo.entries(), 8u);
    EXPECT_LE(memo.bytes(), 4096u);
  }
  EXPECT_GT(memo.entries(), 0u);
  // A body over entry_bytes has its key but is not kept.
  const std::string big = R"({"temperature":0,"x":")" + std::string(2000, 'a') + "\"}";
  const std::size_t before = memo.bytes();
  const KeyParts raw{"", "p/m", "openai_chat", big, ""};
  EXPECT_EQ(memo.key_of(raw)->key, computed_key(raw));
  EXPECT_EQ(memo.bytes(), before);
}

}  // namespace
}  // namespace aisbf::cache
