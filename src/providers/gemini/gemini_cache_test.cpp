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

TEST(GeminiCache, SplitsThePrefixFromTheLatestTurn) {
  auto split = split_for_context_cache(kBody, on());
  ASSERT_TRUE(split);
  const json::object prefix = json::parse(split->prefix).as_object();
  EXPECT_TRUE(prefix.contains("systemInstruction"));
  EXPECT_TRUE(prefix.contains("tools"));
  EXPECT_TRUE(prefix.contains("toolConfig"));
  EXPECT_EQ(prefix.at("contents").as_array().size(), 2u);
  EXPECT_FALSE(split->rest.contains("systemInstruction"));
  EXPECT_FALSE(split->rest.contains("tools"));
  EXPECT_FALSE(split->rest.contains("toolConfig"));
  EXPECT_TRUE(split->rest.contains("generationConfig"));
  const auto& rest = split->rest.at("contents").as_array();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].at("parts").as_array()[0].at("text"), "second question");

  const json::object generate = json::parse(with_cached_content(*split, "cachedContents/abc")).as_object();
  EXPECT_EQ(generate.at("cachedContent"), "cachedContents/abc");
  UpstreamTarget t;
  t.provider_id = "g";
  t.upstream_model = "gemini-2.5-flash";
  t.native_cache = on();
  const json::object create = json::parse(cache_create_body(*split, t)).as_object();
  EXPECT_EQ(create.at("model"), "models/gemini-2.5-flash");
  EXPECT_EQ(create.at("ttl"), "600s");
  EXPECT_EQ(create.at("contents").as_array().size(), 2u);
  EXPECT_EQ(cached_contents_path(), "/cachedContents");
}

TEST(GeminiCache, NothingToCache) {
  EXPECT_FALSE(split_for_context_cache(kBody, on(100000)));  // under the threshold
  NativeCache off = on();
  off.enabled = false;
  EXPECT_FALSE(split_for_context_cache(kBody, off));
  EXPECT_FALSE(split_for_context_cache(R"({"contents":[{"role":"user","parts":[{"text":"only"}]}]})", on(0)));
  EXPECT_FALSE(split_for_context_cache("[]", on(0)));
  EXPECT_FALSE(split_for_context_cache("{", on(0)));
}

TEST(GeminiCache, CreatedName) {
  EXPECT_EQ(created_cache_name(R"({"name":"cachedContents/x1","model":"models/m"})"), "cachedContents/x1");
  EXPECT_FALSE(created_cache_name(R"({"name":"other/x1"})"));
  EXPECT_FALSE(created_cache_name(R"({"error":{}})"));
  EXPECT_FALSE(created_cache_name("nope"));
}

}  // namespace
}  // namespace aisbf::gemini
