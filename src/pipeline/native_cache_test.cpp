// The per-request half of native caching (native_cache.hpp): the "auto"
// prompt_cache_key and the passthrough body edits.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "pipeline/native_cache.hpp"

namespace aisbf {
namespace {

namespace json = boost::json;

ChatRequest conversation(std::string system, std::string first, std::string later = "later") {
  ChatRequest r;
  r.messages.push_back(Message{Role::system, {TextBlock{std::move(system)}}, {}});
  r.messages.push_back(Message{Role::user, {TextBlock{std::move(first)}}, {}});
  r.messages.push_back(Message{Role::assistant, {TextBlock{"answer"}}, {}});
  r.messages.push_back(Message{Role::user, {TextBlock{std::move(later)}}, {}});
  return r;
}

TEST(NativeCache, AutoKeyFollowsNamespaceAndStablePrefixOnly) {
  const std::string key = auto_prompt_cache_key("", conversation("sys", "q1"));
  EXPECT_EQ(key.size(), 6u + 32u);
  EXPECT_EQ(key.rfind("aisbf-", 0), 0u);
  EXPECT_EQ(key, auto_prompt_cache_key("", conversation("sys", "q1", "another later turn")));
  EXPECT_NE(key, auto_prompt_cache_key("alice", conversation("sys", "q1")));
  EXPECT_NE(key, auto_prompt_cache_key("", conversation("sys2", "q1")));
  EXPECT_NE(key, auto_prompt_cache_key("", conversation("sys", "q2")));
}

UpstreamTarget keyed(std::string key) {
  UpstreamTarget t;
  t.provider_id = "p";
  t.provider_type = "openai";
  t.upstream_model = "m";
  t.native_cache.prompt_cache_key = std::move(key);
  return t;
}

TEST(NativeCache, PassthroughInsertsTheKeyUnlessTheClientSentOne) {
  const std::string body = R"( {"model":"m","messages":[{"role":"user","content":"hi"}]})";
  auto fixed = native_cache_body(body, keyed("team \"a\""), IngressFormat::openai_chat, "");
  ASSERT_TRUE(fixed);
  const json::object parsed = json::parse(*fixed).as_object();
  EXPECT_EQ(parsed.at("prompt_cache_key"), "team \"a\"");
  EXPECT_EQ(parsed.at("model"), "m");
  auto automatic = native_cache_body(body, keyed("auto"), IngressFormat::openai_chat, "bob");
  ASSERT_TRUE(automatic);
  ChatRequest prefix;
  prefix.messages.push_back(Message{Role::user, {TextBlock{"hi"}}, {}});
  EXPECT_EQ(json::parse(*automatic).at("prompt_cache_key").as_string(), auto_prompt_cache_key("bob", prefix));
  // The client's own key wins; no key configured: nothing to do.
  EXPECT_FALSE(native_cache_body(R"({"prompt_cache_key":"mine","model":"m","messages":[]})", keyed("auto"),
                                 IngressFormat::openai_chat, ""));
  EXPECT_FALSE(native_cache_body(body, keyed(""), IngressFormat::openai_chat, ""));
  EXPECT_FALSE(native_cache_body("{", keyed("k"), IngressFormat::openai_chat, ""));
  EXPECT_EQ(*native_cache_body("{}", keyed("k"), IngressFormat::openai_chat, ""), R"({"prompt_cache_key":"k"})");
}

TEST(NativeCache, TranslatedTargetGetsTheRequestsKey) {
  EXPECT_FALSE(with_request_cache_key(keyed("fixed"), "", conversation("s", "q")));
  EXPECT_FALSE(with_request_cache_key(keyed(""), "", conversation("s", "q")));
  auto t = with_request_cache_key(keyed("auto"), "u", conversation("s", "q"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->native_cache.prompt_cache_key, auto_prompt_cache_key("u", conversation("s", "q")));
  EXPECT_TRUE(native_cache_edits_passthrough(keyed("k"), false));
  EXPECT_TRUE(native_cache_edits_passthrough(keyed(""), true));  // an Anthropic client's marks may be too many
}

}  // namespace
}  // namespace aisbf
