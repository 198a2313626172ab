// The context cache split (gemini_cache.hpp): what goes in the cache, what
// stays in the request, and when nothing is worth caching.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/gemini/gemini_cache.hpp"

namespace aisbf::gemini {
namespace {

namespace json = boost::json;

NativeCache on(std::int64_t min_tokens = 10) {
  NativeCache c;
  c.enabled = true;
  c.min_tokens = min_tokens;
  c.ttl_seconds = 600;
  return c;
}

constexpr std::string_view kBody = R"({"contents":[
  {"role":"user","parts":[{"text":"first question with a few more words in it"}]},
  {"role":"model","parts":[{"text":"first answer"}]},
  {"role":"user","parts":[{"text":"second question"}]}],
  "systemInstruction":{"parts":[{"text":"You are a careful assistant who answers in full sentences."}]},
  "tools":[{"functionDeclarations":[{"name":"lookup"}]}],"toolConfig":{"functionCallingConfig":{"mode":"AUTO"}},
  "generationConfig":{"maxOutputTokens":5}})";

TEST(GeminiCache, TakesTheBodyApartAtTheLatestUserTurn) {
  auto parts = context_parts(kBody, on());
  ASSERT_TRUE(parts);
  EXPECT_TRUE(parts->head.contains("systemInstruction"));
  EXPECT_TRUE(parts->head.contains("tools"));
  EXPECT_TRUE(parts->head.contains("toolConfig"));
  EXPECT_EQ(parts->turns.size(), 3u);
  EXPECT_EQ(parts->cacheable, 2u);
  EXPECT_EQ(parts->tokens.size(), 3u);
  EXPECT_LT(parts->tokens[0], parts->tokens[1]);
  EXPECT_LT(parts->tokens[1], parts->tokens[2]);
  EXPECT_FALSE(parts->rest.contains("systemInstruction"));
  EXPECT_FALSE(parts->rest.contains("contents"));
  EXPECT_TRUE(parts->rest.contains("generationConfig"));

  // A cache of the head and both earlier turns; the request sends the last.
  const json::object generate = json::parse(with_cached_content(*parts, 2, "cachedContents/abc")).as_object();
  EXPECT_EQ(generate.at("cachedContent"), "cachedContents/abc");
  EXPECT_FALSE(generate.contains("systemInstruction"));
  EXPECT_TRUE(generate.contains("generationConfig"));
  const auto& rest = generate.at("contents").as_array();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].at("parts").as_array()[0].at("text"), "second question");
  UpstreamTarget t;
  t.provider_id = "g";
  t.upstream_model = "gemini-2.5-flash";
  t.native_cache = on();
  const json::object create = json::parse(cache_create_body(*parts, 2, t)).as_object();
  EXPECT_EQ(create.at("model"), "models/gemini-2.5-flash");
  EXPECT_EQ(create.at("ttl"), "600s");
  EXPECT_EQ(create.at("contents").as_array().size(), 2u);
  EXPECT_TRUE(create.contains("tools"));
  EXPECT_EQ(cached_contents_path(), "/cachedContents");

  // A cache of the head alone: the request sends every turn.
  EXPECT_FALSE(json::parse(cache_create_body(*parts, 0, t)).as_object().contains("contents"));
  EXPECT_EQ(json::parse(with_cached_content(*parts, 0, "cachedContents/h")).at("contents").as_array().size(), 3u);
  // The key texts: the head, then each turn ending a boundary.
  EXPECT_EQ(head_text(*parts), json::serialize(parts->head));
  EXPECT_EQ(turn_text(*parts, 2), json::serialize(parts->turns[1]));
}

TEST(GeminiCache, NothingToCache) {
  EXPECT_FALSE(context_parts(kBody, on(100000)));  // under the threshold
  NativeCache off = on();
  off.enabled = false;
  EXPECT_FALSE(context_parts(kBody, off));
  EXPECT_FALSE(context_parts(R"({"contents":[{"role":"user","parts":[{"text":"only"}]}]})", on(0)));
  EXPECT_FALSE(context_parts("[]", on(0)));
  EXPECT_FALSE(context_parts("{", on(0)));
}

// A conversation's turns of 100 estimated tokens each (400 bytes of text).
ContextParts conversation(std::size_t cacheable) {
  ContextParts parts;
  parts.cacheable = cacheable;
  for (std::size_t k = 0; k <= cacheable; ++k) parts.tokens.push_back(static_cast<std::int64_t>(100 * k));
  return parts;
}

TEST(GeminiCache, ACachedPrefixServesUntilWhatItLeavesOutIsAsLarge) {
  // Nothing cached: a cache of everything up to the latest user turn.
  EXPECT_EQ(choose_context_cache(conversation(2), std::nullopt, 150).create, 2u);
  EXPECT_FALSE(choose_context_cache(conversation(2), std::nullopt, 150).use);
  // The newest prefix is cached already: it serves.
  auto same = choose_context_cache(conversation(2), 2, 150);
  EXPECT_FALSE(same.create);
  EXPECT_EQ(same.use, 2u);
  // Two turns later: 200 tokens left out of a 200-token cache: a new one,
  // the known one if its creation fails.
  auto doubled = choose_context_cache(conversation(4), 2, 150);
  EXPECT_EQ(doubled.create, 4u);
  EXPECT_EQ(doubled.use, 2u);
  // One turn later: 100 left out of 200 cached: the known one serves.
  auto grown = choose_context_cache(conversation(3), 2, 50);
  EXPECT_FALSE(grown.create);
  EXPECT_EQ(grown.use, 2u);
  // Left out as much as is cached but under the threshold: no creation.
  auto small = choose_context_cache(conversation(2), 1, 150);
  EXPECT_FALSE(small.create);
  EXPECT_EQ(small.use, 1u);
  // Over a conversation of 64 turns, a new cache about every doubling.
  std::optional<std::size_t> cached;
  int creations = 0;
  for (std::size_t turn = 1; turn <= 64; ++turn) {
    const auto choice = choose_context_cache(conversation(turn), cached, 100);
    if (choice.create) {
      ++creations;
      cached = choice.create;
    }
  }
  EXPECT_EQ(creations, 7);  // at 1, 2, 4, 8, 16, 32, 64
}

TEST(GeminiCache, CreatedName) {
  EXPECT_EQ(created_cache_name(R"({"name":"cachedContents/x1","model":"models/m"})"), "cachedContents/x1");
  EXPECT_FALSE(created_cache_name(R"({"name":"other/x1"})"));
  EXPECT_FALSE(created_cache_name(R"({"error":{}})"));
  EXPECT_FALSE(created_cache_name("nope"));
}

}  // namespace
}  // namespace aisbf::gemini
