#include "cache/cache_key.hpp"

#include <gtest/gtest.h>

namespace aisbf::cache {
namespace {

std::string text_of(std::string_view body) {
  auto c = canonical_request(body);
  return c ? c->text : std::string("<none>");
}

TEST(CacheKey, CanonicalFormSortsKeysAndDropsWhatCannotChangeTheAnswer) {
  EXPECT_EQ(text_of(R"({"model":"a","messages":[{"role":"user","content":"hi"}],"temperature":0})"),
            R"({"messages":[{"content":"hi","role":"user"}],"temperature":0})");
  // Order, whitespace, stream, stream_options, user, metadata, store: the same request.
  EXPECT_EQ(text_of(R"({ "temperature" : 0.0, "stream": true, "stream_options": {"include_usage": true},
      "user": "u1", "metadata": {"k": "v"}, "store": true,
      "messages": [ {"content": "hi", "role": "user"} ], "model": "b" })"),
            R"({"messages":[{"content":"hi","role":"user"}],"temperature":0})");
  // Nested objects are sorted too; only top-level fields are dropped.
  EXPECT_EQ(text_of(R"({"tools":[{"function":{"user":1,"name":"f"},"type":"function"}]})"),
            R"({"tools":[{"function":{"name":"f","user":1},"type":"function"}]})");
}

TEST(CacheKey, EveryAnswerChangingFieldCounts) {
  const std::string base = text_of(R"({"messages":[{"role":"user","content":"hi"}],"temperature":0})");
  for (const char* body : {R"({"messages":[{"role":"user","content":"ho"}],"temperature":0})",
                           R"({"messages":[{"role":"user","content":"hi"}],"temperature":0,"max_tokens":5})",
                           R"({"messages":[{"role":"user","content":"hi"}],"temperature":0,"top_p":0.5})",
                           R"({"messages":[{"role":"user","content":"hi"}],"temperature":0,"seed":1})",
                           R"({"messages":[{"role":"user","content":"hi"}],"temperature":0,"tool_choice":"none"})",
                           R"({"messages":[{"role":"user","content":"hi"}],"temperature":0.5})",
                           R"({"messages":[{"role":"user","content":"hi"}],"temperature":0,
                               "response_format":{"type":"json_object"}})"}) {
    EXPECT_NE(text_of(body), base) << body;
  }
}

TEST(CacheKey, KeyIsHexAndSeparatesItsParts) {
  const std::string k = cache_key({"alice", "openai/gpt", "openai_chat", "{}"});
  EXPECT_EQ(k.size(), 64u);
  EXPECT_EQ(k.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(k, cache_key({"alice", "openai/gpt", "openai_chat", "{}"}));
  EXPECT_NE(k, cache_key({"bob", "openai/gpt", "openai_chat", "{}"}));
  EXPECT_NE(k, cache_key({"", "openai/gpt", "openai_chat", "{}"}));
  EXPECT_NE(k, cache_key({"alice", "openai/gpt4", "openai_chat", "{}"}));
  EXPECT_NE(k, cache_key({"alice", "openai/gpt", "anthropic_messages", "{}"}));
  // Parts are length-prefixed: moving a byte from one part to the next changes the key.
  EXPECT_NE(cache_key({"ab", "c", "f", "{}"}), cache_key({"a", "bc", "f", "{}"}));
  // An Anthropic client's protocol headers count.
  EXPECT_EQ(k, cache_key({"alice", "openai/gpt", "openai_chat", "{}", ""}));
  EXPECT_NE(cache_key({"a", "t", "anthropic_messages", "{}", "2023-06-01\n"}),
            cache_key({"a", "t", "anthropic_messages", "{}", "2023-06-01\ninterleaved-thinking-2025-05-14"}));
}

TEST(CacheKey, DeterministicOnlyAtTemperatureZeroOrWithASeed) {
  auto det = [](std::string_view body) { return canonical_request(body)->deterministic; };
  EXPECT_TRUE(det(R"({"temperature":0})"));
  EXPECT_TRUE(det(R"({"temperature":0.0})"));
  EXPECT_TRUE(det(R"({"temperature":0.9,"seed":42})"));
  EXPECT_FALSE(det(R"({})"));  // absent: the provider's default, 1
  EXPECT_FALSE(det(R"({"temperature":0.2})"));
  EXPECT_FALSE(det(R"({"temperature":"0"})"));
  EXPECT_FALSE(det(R"({"temperature":1,"seed":null})"));
  CanonicalRequest random{"{}", false};
  EXPECT_FALSE(cacheable(random, false));
  EXPECT_TRUE(cacheable(random, true));
}

// The raw first look agrees with the DOM's rule, and refuses what an entry
// cannot keep.
TEST(CacheKey, MayCacheReadsTheTopLevelOnly) {
  for (const char* body : {R"({"temperature":0})", R"({"temperature":0.0})", R"( {"temperature":0e0} )",
                           R"({"temperature":0.9,"seed":42})", R"({"n":1,"temperature":0,"logprobs":false})",
                           R"({"messages":[{"role":"user","content":"n logprobs audio"}],"seed":7})",
                           R"({"temperature":0,"top_logprobs":null,"audio":null,"modalities":["text"]})"}) {
    EXPECT_TRUE(may_cache(body, false)) << body;
    EXPECT_TRUE(canonical_request(body)->deterministic) << body;
  }
  for (const char* body : {R"({})", R"({"temperature":0.2})", R"({"temperature":"0"})",
                           R"({"temperature":1,"seed":null})", R"({"messages":[{"temperature":0}]})"}) {
    EXPECT_FALSE(may_cache(body, false)) << body;
    EXPECT_FALSE(canonical_request(body)->deterministic) << body;
    EXPECT_TRUE(may_cache(body, true)) << body;  // cache_nondeterministic
  }
  // Never, whatever the sampling: what an entry does not keep, an escaped
  // key, a body that is no object.
  for (const char* body : {R"({"temperature":0,"n":3})", R"({"seed":1,"logprobs":true})",
                           R"({"seed":1,"top_logprobs":2})", R"({"seed":1,"audio":{"voice":"x"}})",
                           R"({"seed":1,"modalities":["text","audio"]})", R"({"se\u0065d":1})", "[1]", "{",
                           ""}) {
    EXPECT_FALSE(may_cache(body, false)) << body;
    EXPECT_FALSE(may_cache(body, true)) << body;
  }
}

TEST(CacheKey, NotAnObjectIsNotCached) {
  EXPECT_FALSE(canonical_request("[1]"));
  EXPECT_FALSE(canonical_request("{"));
  EXPECT_FALSE(canonical_request(""));
}

TEST(CacheKey, NumbersHaveOneSpellingAndStringsAreDecoded) {
  EXPECT_EQ(text_of(R"({"max_tokens":1e2,"top_p":0.50,"n":1.0,"x":[-0.0,2.5e-1,12345678901234567890]})"),
            R"({"max_tokens":100,"n":1,"top_p":5E-1,"x":[0,2.5E-1,12345678901234567890]})");
  // An escape and the character it stands for are the same string; arrays
  // keep their order.
  EXPECT_EQ(text_of(R"({"messages":[{"role":"user","content":"a\u0062 \"q\""},{"content":"x","role":"assistant"}]})"),
            text_of(R"({"messages":[{"role":"user","content":"ab \"q\""},{"content":"x","role":"assistant"}]})"));
  EXPECT_EQ(text_of(R"({"b":{"d":[{"z":1,"y":{"k":true,"a":null}}],"c":false},"a":[]})"),
            R"({"a":[],"b":{"c":false,"d":[{"y":{"a":null,"k":true},"z":1}]}})");
}

// A key given twice (or once escaped, once not) counts as its last value,
// as JSON.parse, Python's json and Go read it: two bodies share a key only
// when they ask the same thing.
TEST(CacheKey, ARepeatedKeyCountsAsItsLastValue) {
  EXPECT_EQ(text_of(R"({"messages":[{"role":"user","content":"X","\u0063ontent":"Y"}]})"),
            text_of(R"({"messages":[{"role":"user","content":"Y"}]})"));
  EXPECT_NE(text_of(R"({"messages":[{"role":"user","\u0063ontent":"Y","content":"X"}]})"),
            text_of(R"({"messages":[{"role":"user","content":"Y"}]})"));
}

TEST(CacheKey, TooDeepIsNotCached) {
  std::string deep = R"({"messages":)";
  for (int i = 0; i < 200; ++i) deep += "[";
  for (int i = 0; i < 200; ++i) deep += "]";
  deep += "}";
  EXPECT_FALSE(canonical_request(deep));
}

TEST(CacheKey, ClientBypass) {
  EXPECT_FALSE(client_bypasses("", ""));
  EXPECT_TRUE(client_bypasses("no-cache", ""));
  EXPECT_TRUE(client_bypasses("max-age=0, No-Store", ""));
  EXPECT_FALSE(client_bypasses("max-age=0", ""));
  EXPECT_FALSE(client_bypasses("no-cache-please", ""));
  EXPECT_TRUE(client_bypasses("", "bypass"));
  EXPECT_TRUE(client_bypasses("", " BYPASS "));
  EXPECT_FALSE(client_bypasses("", "hit"));
}

}  // namespace
}  // namespace aisbf::cache
