#include "cache/cache_key.hpp"

#include <cmath>
#include <random>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

namespace aisbf::cache {
namespace {

std::string text_of(std::string_view body) {
  auto c = canonical_request(body);
  return c ? c->text : std::string("<none>");
}

// The canonical form as it was first written, over Boost.JSON's tree: the
// reference the byte reader (canonical_json.cpp) must match exactly.
namespace oracle {

namespace json = boost::json;

bool ignored(std::string_view key) {
  for (std::string_view k : {"model", "stream", "stream_options", "user", "metadata", "store"}) {
    if (k == key) return true;
  }
  return false;
}

void write_number(double d, std::string& out) {
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.0e15) {
    out += fmt::format("{}", static_cast<std::int64_t>(d));
  } else {
    out += json::serialize(json::value(d));
  }
}

void write_value(const json::value& v, std::string& out);

void write_object(const json::object& obj, std::string& out, bool top) {
  std::vector<const json::key_value_pair*> fields;
  for (const auto& kv : obj) {
    if (!(top && ignored(kv.key()))) fields.push_back(&kv);
  }
  std::sort(fields.begin(), fields.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
  out += '{';
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += json::serialize(fields[i]->key());
    out += ':';
    write_value(fields[i]->value(), out);
  }
  out += '}';
}

void write_value(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: write_object(v.get_object(), out, false); break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write_value(item, out);
      }
      out += ']';
      break;
    }
    case json::kind::string: out += json::serialize(v.get_string()); break;
    case json::kind::double_: write_number(v.get_double(), out); break;
    case json::kind::int64: out += std::to_string(v.get_int64()); break;
    case json::kind::uint64: out += std::to_string(v.get_uint64()); break;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case json::kind::null: out += "null"; break;
  }
}

std::string text_of(std::string_view body) {
  json::error_code ec;
  const json::value root = json::parse(body, ec);
  if (ec || !root.is_object()) return "<none>";
  std::string out;
  write_object(root.get_object(), out, true);
  return out;
}

}  // namespace oracle

// Random request-like JSON: few key names (so some repeat), strings with
// every kind of escape and raw UTF-8, numbers in every spelling, random
// whitespace.
class BodyMaker {
 public:
  explicit BodyMaker(unsigned seed) : rng_(seed) {}

  std::string object(int depth) {
    std::string out = "{";
    const int n = pick(0, 5);
    for (int i = 0; i < n; ++i) {
      if (i > 0) out += ",";
      out += space() + string(true) + space() + ":" + space() + value(depth + 1) + space();
    }
    return out + "}";
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  std::string space() {
    static const char* kSpaces[] = {"", "", "", " ", "\n  ", "\t", " \r\n"};
    return kSpaces[pick(0, 6)];
  }

  std::string string(bool key) {
    static const char* kKeys[] = {"model", "messages", "role", "content", "temperature", "seed", "a", "b", "user",
                                  "c\\u006fntent", "r\\u00f4le", "", "stream"};
    static const char* kPieces[] = {"hi",      "\\n",    "\\\"",  "\\\\",  "\\/",     "\\u00e9", "\\u0000",
                                    "\\u001f", "\\b",    "\\t",   "\\ud83d\\ude00", "\xc3\xa9", "\xf0\x9f\x98\x80",
                                    " ",       "x",     "\\u0041", "\x7f",   "\\u2028", "\\uD834\\uDD1E"};
    if (key) return std::string("\"") + kKeys[pick(0, 12)] + "\"";
    std::string out = "\"";
    const int n = pick(0, 4);
    for (int i = 0; i < n; ++i) out += kPieces[pick(0, 18)];
    return out + "\"";
  }

  std::string number() {
    static const char* kNumbers[] = {"0",    "-0",   "1",      "1.0",   "0.50", "1e2",  "1E+2", "2.5e-1", "-3",
                                     "0.1",  "0.7",  "-0.0",   "1e400", "123456789012345678", "1234567890123456789",
                                     "12345678901234567890", "-9223372036854775808", "18446744073709551615",
                                     "0.30000000000000004", "5e-324", "1.7976931348623157e308", "9e15", "-9e15"};
    return kNumbers[pick(0, 22)];
  }

  std::string value(int depth) {
    const int k = pick(0, depth > 4 ? 5 : 7);
    switch (k) {
      case 0: return string(false);
      case 1: return number();
      case 2: return "true";
      case 3: return "false";
      case 4: return "null";
      case 5: return string(false);
      case 6: return object(depth);
      default: {
        std::string out = "[";
        const int n = pick(0, 4);
        for (int i = 0; i < n; ++i) out += (i > 0 ? "," : "") + space() + value(depth + 1);
        return out + space() + "]";
      }
    }
  }

  std::mt19937 rng_;
};

TEST(CacheKey, ByteReaderWritesWhatTheTreeWrote) {
  std::mt19937 mutate(7);
  int compared = 0, refused = 0;
  for (unsigned seed = 0; seed < 4000; ++seed) {
    std::string body = BodyMaker(seed).object(0);
    if (seed % 2 == 1 && !body.empty()) {
      // A damaged copy: both refuse it, or both read it alike.
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, body.size() - 1)(mutate);
      static const char kBytes[] = {'"', '\\', '{', '}', ',', ':', '0', 'e', '.', '-', '\x80', '\xff', ' ', 'u'};
      body[at] = kBytes[std::uniform_int_distribution<int>(0, sizeof kBytes - 1)(mutate)];
    }
    const std::string expected = oracle::text_of(body);
    const std::string got = text_of(body);
    EXPECT_EQ(got, expected) << body;
    if (expected == "<none>") {
      ++refused;
    } else {
      ++compared;
    }
  }
  // Both kinds were exercised.
  EXPECT_GT(compared, 2000);
  EXPECT_GT(refused, 100);
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

// Beyond 64 bits the tree rounded an integer to a double, so that two
// different seeds shared a key; the reader keeps them as written.
TEST(CacheKey, IntegersBeyond64BitsStayAsWritten) {
  EXPECT_EQ(text_of(R"({"seed":99999999999999999999})"), R"({"seed":99999999999999999999})");
  EXPECT_NE(text_of(R"({"seed":99999999999999999999})"), text_of(R"({"seed":100000000000000000000})"));
  EXPECT_EQ(text_of(R"({"seed":-99999999999999999999})"), R"({"seed":-99999999999999999999})");
  EXPECT_EQ(text_of(R"({"seed":18446744073709551615})"), R"({"seed":18446744073709551615})");
  EXPECT_EQ(text_of(R"({"seed":1e20})"), R"({"seed":1E20})");
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
