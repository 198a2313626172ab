#include "core/json_read.hpp"

#include <gtest/gtest.h>

#include <string>

namespace aisbf::json_read {
namespace {

namespace json = boost::json;

json::object object_of(std::string_view text) {
  auto parsed = parse_object(text, "test");
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed ? std::move(*parsed) : json::object{};
}

TEST(JsonRead, ParseObjectRejectsOtherValues) {
  for (std::string_view text : {"[1,2]", "\"text\"", "42", "null"}) {
    auto parsed = parse_object(text, "answer");
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().kind, ErrorKind::upstream_protocol);
    EXPECT_EQ(parsed.error().message, "upstream answer is not a JSON object: " + std::string(text));
  }
  // parse_json takes them.
  auto any = parse_json("[1,2]", "answer");
  ASSERT_TRUE(any.has_value());
  EXPECT_TRUE(any->is_array());
}

TEST(JsonRead, ParseErrorNamesWhatAndQuotesText) {
  auto parsed = parse_object("{\"a\":", "stream line");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().kind, ErrorKind::upstream_protocol);
  EXPECT_EQ(parsed.error().message.rfind("upstream stream line is not valid JSON (", 0), 0u) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find("): {\"a\":"), std::string::npos) << parsed.error().message;
}

TEST(JsonRead, DepthLimit) {
  auto nested = [](std::size_t depth) {
    return "{\"a\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
  };
  EXPECT_TRUE(parse_object(nested(kMaxDepth), "answer").has_value());
  auto deep = parse_object(nested(kMaxDepth + 1), "answer");
  ASSERT_FALSE(deep.has_value());
  EXPECT_NE(deep.error().message.find("not valid JSON"), std::string::npos);
}

TEST(JsonRead, ExcerptCutsOnUtf8Boundary) {
  EXPECT_EQ(excerpt("short", 10), "short");
  EXPECT_EQ(excerpt("abcdef", 3), "abc…");
  // "é" is 2 bytes (C3 A9): a cut at byte 2 would split it, so it goes whole.
  EXPECT_EQ(excerpt("aé b", 2), "a…");
  EXPECT_EQ(excerpt("aé b", 3), "aé…");
  // "€" is 3 bytes: cuts inside it back up to before it.
  EXPECT_EQ(excerpt("€€", 4), "€…");
  EXPECT_EQ(excerpt("€€", 5), "€…");
  EXPECT_EQ(excerpt("€", 1), "…");
}

TEST(JsonRead, LongTextIsExcerptedInErrors) {
  const std::string text = "[" + std::string(200, '1') + "]";
  auto parsed = parse_object(text, "answer");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().message, "upstream answer is not a JSON object: " + text.substr(0, 120) + "…");
}

TEST(JsonRead, MembersOfTheWrongTypeReadAsEmpty) {
  const auto o = object_of(
      R"({"s":"text","i":7,"u":18446744073709551615,"d":2.0,"f":2.5,"n":null,"b":true,"bf":false,)"
      R"("o":{},"a":[],"is":"12"})");
  EXPECT_EQ(string_member(o, "s"), "text");
  EXPECT_EQ(string_member(o, "i"), "");
  EXPECT_EQ(string_member(o, "missing"), "");

  EXPECT_EQ(optional_int_member(o, "i"), 7);
  EXPECT_EQ(optional_int_member(o, "d"), 2);  // integral double
  EXPECT_EQ(optional_int_member(o, "f"), std::nullopt);
  EXPECT_EQ(optional_int_member(o, "u"), std::nullopt);  // out of int64 range
  EXPECT_EQ(optional_int_member(o, "n"), std::nullopt);
  EXPECT_EQ(optional_int_member(o, "is"), std::nullopt);  // strings are not numbers here
  EXPECT_EQ(optional_int_member(o, "missing"), std::nullopt);
  EXPECT_EQ(int_member(o, "i"), 7);
  EXPECT_EQ(int_member(o, "s"), 0);
  EXPECT_EQ(int_member(o, "missing"), 0);

  EXPECT_TRUE(bool_member(o, "b"));
  EXPECT_FALSE(bool_member(o, "bf"));
  EXPECT_FALSE(bool_member(o, "i"));
  EXPECT_FALSE(bool_member(o, "missing"));

  EXPECT_NE(object_member(o, "o"), nullptr);
  EXPECT_EQ(object_member(o, "a"), nullptr);
  EXPECT_EQ(object_member(o, "missing"), nullptr);
  EXPECT_NE(array_member(o, "a"), nullptr);
  EXPECT_EQ(array_member(o, "o"), nullptr);
  EXPECT_EQ(array_member(o, "missing"), nullptr);
}

}  // namespace
}  // namespace aisbf::json_read
