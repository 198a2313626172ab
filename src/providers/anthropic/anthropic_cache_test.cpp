// Automatic cache breakpoints (anthropic_cache.hpp): where they go, when
// they do not, and that the client's own are kept alone.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/anthropic/anthropic_adapter.hpp"
#include "providers/anthropic/anthropic_cache.hpp"

namespace aisbf::anthropic {
namespace {

namespace json = boost::json;

NativeCache on(std::int64_t min_tokens = 10, std::int64_t ttl = 300) {
  NativeCache c;
  c.enabled = true;
  c.min_tokens = min_tokens;
  c.ttl_seconds = ttl;
  return c;
}

std::string words(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "word ";
  return out;
}

json::object conversation() {
  json::object body = json::parse(R"({"model":"m","max_tokens":5,
    "tools":[{"name":"a","input_schema":{"type":"object"}},{"name":"b","input_schema":{"type":"object"}}],
    "messages":[{"role":"user","content":"first question"},
                {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"},
                                               {"type":"text","text":"an answer"}]},
                {"role":"user","content":"second question"}]})").as_object();
  body["system"] = words(20);  // 100 bytes: 25 tokens by the estimate
  return body;
}

TEST(AnthropicCache, MarksToolsSystemAndTheTurnBeforeTheLatestUserTurn) {
  json::object body = conversation();
  // The tools' strings are 54 bytes (13 tokens), with the system 154 (38).
  EXPECT_EQ(place_cache_breakpoints(body, on(20)), 2);  // the tools alone are under 20 tokens
  const json::object mark{{"type", "ephemeral"}};
  EXPECT_FALSE(body.at("tools").as_array()[1].as_object().contains("cache_control"));
  const auto& system = body.at("system").as_array();  // the string became one marked text block
  ASSERT_EQ(system.size(), 1u);
  EXPECT_EQ(system[0].at("cache_control"), mark);
  const auto& answer = body.at("messages").as_array()[1].at("content").as_array();
  EXPECT_EQ(answer[1].at("cache_control"), mark);  // the last block, not the thinking block
  EXPECT_FALSE(answer[0].as_object().contains("cache_control"));
  EXPECT_EQ(body.at("messages").as_array()[2].at("content"), "second question");  // the latest turn is not marked
  EXPECT_TRUE(has_cache_breakpoints(body));

  json::object again = conversation();
  EXPECT_EQ(place_cache_breakpoints(again, on(1)), 3);  // a low threshold: the tools too, the last one
  EXPECT_EQ(again.at("tools").as_array()[1].at("cache_control"), mark);
}

TEST(AnthropicCache, HourLongTtlAndThreshold) {
  json::object body = conversation();
  EXPECT_EQ(place_cache_breakpoints(body, on(1000, 3600)), 0);  // nothing reaches 1000 tokens
  EXPECT_FALSE(has_cache_breakpoints(body));
  EXPECT_EQ(place_cache_breakpoints(body, on(20, 3600)), 2);
  EXPECT_EQ(json::serialize(body.at("system").as_array()[0].at("cache_control")), R"({"type":"ephemeral","ttl":"1h"})");
}

TEST(AnthropicCache, TheClientsMarksAreKeptAlone) {
  for (const char* marked : {
           R"({"messages":[{"role":"user","content":"q"}],"cache_control":{"type":"ephemeral"}})",
           R"({"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],"messages":[]})",
           R"({"tools":[{"name":"a","cache_control":{"type":"ephemeral"}}],"messages":[]})",
           R"({"messages":[{"role":"user","content":[{"type":"text","text":"q","cache_control":{"type":"ephemeral"}}]}]})"}) {
    json::object body = json::parse(marked).as_object();
    const std::string before = json::serialize(body);
    EXPECT_TRUE(has_cache_breakpoints(body)) << marked;
    EXPECT_EQ(place_cache_breakpoints(body, on(0)), 0) << marked;
    EXPECT_EQ(json::serialize(body), before);
  }
}

// Six marks, in Anthropic's order: tool, system, three turns, top level.
constexpr const char* kSixMarks = R"({"tools":[{"name":"a","cache_control":{"type":"ephemeral","ttl":"1h"}}],
  "system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral","ttl":"1h"}}],
  "messages":[{"role":"user","content":[{"type":"text","text":"q1","cache_control":{"type":"ephemeral"}}]},
              {"role":"assistant","content":[{"type":"text","text":"a1","cache_control":{"type":"ephemeral"}}]},
              {"role":"user","content":[{"type":"text","text":"q2","cache_control":{"type":"ephemeral"}}]}],
  "cache_control":{"type":"ephemeral"}})";

bool marked_at(const json::object& body, std::string_view list, std::size_t i, std::size_t block = 0) {
  if (list == "tools" || list == "system") return body.at(list).as_array()[i].as_object().contains("cache_control");
  return body.at("messages").as_array()[i].at("content").as_array()[block].as_object().contains("cache_control");
}

TEST(AnthropicCache, MoreThanFourKeepTheFirstThreeAndTheLast) {
  json::object body = json::parse(kSixMarks).as_object();
  EXPECT_EQ(clamp_cache_breakpoints(body), 2);
  EXPECT_TRUE(marked_at(body, "tools", 0));
  EXPECT_TRUE(marked_at(body, "system", 0));
  EXPECT_TRUE(marked_at(body, "messages", 0));
  EXPECT_FALSE(marked_at(body, "messages", 1));
  EXPECT_FALSE(marked_at(body, "messages", 2));
  EXPECT_TRUE(body.contains("cache_control"));  // the last: the longest prefix
  EXPECT_EQ(clamp_cache_breakpoints(body), 0);  // four: left as they are
  // Without a top-level mark the last block's is the last.
  body = json::parse(kSixMarks).as_object();
  body.erase("cache_control");
  EXPECT_EQ(clamp_cache_breakpoints(body), 1);
  EXPECT_FALSE(marked_at(body, "messages", 1));
  EXPECT_TRUE(marked_at(body, "messages", 2));
}

TEST(AnthropicCache, ThePassthroughIsClampedOnlyWhenOverFour) {
  auto clamped = with_breakpoints_clamped(kSixMarks);
  ASSERT_TRUE(clamped);
  const json::object body = json::parse(*clamped).as_object();
  EXPECT_FALSE(marked_at(body, "messages", 1));
  EXPECT_EQ(json::serialize(body).find("a1\",\"cache_control"), std::string::npos);
  // Four or fewer, a mention in text that is no mark, or no JSON: unchanged.
  json::object four = json::parse(kSixMarks).as_object();
  clamp_cache_breakpoints(four);
  EXPECT_FALSE(with_breakpoints_clamped(json::serialize(four)));
  EXPECT_FALSE(with_breakpoints_clamped(R"({"messages":[{"role":"user","content":"\"cache_control\" \"cache_control\" \"cache_control\" \"cache_control\" \"cache_control\""}]})"));
  EXPECT_FALSE(with_breakpoints_clamped(R"(["cache_control","cache_control","cache_control","cache_control","cache_control"])"));
}

TEST(AnthropicCache, OffOrUnreadableLeavesTheBodyAlone) {
  json::object body = conversation();
  NativeCache off = on();
  off.enabled = false;
  EXPECT_EQ(place_cache_breakpoints(body, off), 0);
  EXPECT_FALSE(with_cache_breakpoints(json::serialize(conversation()), off));
  EXPECT_FALSE(with_cache_breakpoints("not json", on()));
  EXPECT_FALSE(with_cache_breakpoints("[1,2]", on()));
  EXPECT_FALSE(with_cache_breakpoints(R"({"messages":[{"role":"user","content":"one turn"}]})", on(0)));
  auto edited = with_cache_breakpoints(json::serialize(conversation()), on());
  ASSERT_TRUE(edited);
  EXPECT_TRUE(has_cache_breakpoints(json::parse(*edited).as_object()));
}

TEST(AnthropicCache, EncodeChatPlacesThemFromTheTarget) {
  ChatRequest r;
  r.messages.push_back(Message{Role::system, {TextBlock{words(40)}}, {}});
  r.messages.push_back(Message{Role::user, {TextBlock{"hello"}}, {}});
  UpstreamTarget t;
  t.endpoint = "https://api.anthropic.com/v1";
  t.api_key = "k";
  t.upstream_model = "claude";
  t.native_cache = on(20);
  auto encoded = AnthropicAdapter{}.encode_chat(r, t);
  ASSERT_TRUE(encoded);
  const json::object body = json::parse(encoded->body).as_object();
  EXPECT_EQ(json::serialize(body.at("system")),
            R"([{"type":"text","text":")" + words(40) + R"(","cache_control":{"type":"ephemeral"}}])");
  t.native_cache.enabled = false;
  EXPECT_TRUE(json::parse(AnthropicAdapter{}.encode_chat(r, t)->body).at("system").is_string());
}

}  // namespace
}  // namespace aisbf::anthropic
