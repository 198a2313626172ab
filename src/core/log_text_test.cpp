#include "core/log_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace aisbf {
namespace {

TEST(LogText, PlainTextUnchanged) {
  EXPECT_EQ(log_text("mock/gpt-4o-mini"), "mock/gpt-4o-mini");
  EXPECT_EQ(log_text("héllo ✓"), "héllo ✓");
  EXPECT_EQ(log_text(""), "");
}

TEST(LogText, ControlCharactersEscaped) {
  EXPECT_EQ(log_text("evil\nFAKE LINE"), "evil\\nFAKE LINE");
  EXPECT_EQ(log_text("a\r\tb\\c"), "a\\r\\tb\\\\c");
  EXPECT_EQ(log_text(std::string("x\0y\x1b\x7f", 5)), "x\\x00y\\x1b\\x7f");
}

TEST(LogText, LongTextCutWithItsSize) {
  const std::string big(20000, 'x');
  const auto out = log_text(big, 100);
  EXPECT_LE(out.size(), 100u);
  EXPECT_NE(out.find("…(20000 bytes)"), std::string::npos) << out;
  EXPECT_EQ(out.find('\n'), std::string::npos);
}

TEST(LogText, CutNeverSplitsAnEscapeOrACharacter) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "é\n";
  const auto out = log_text(text, 64);
  const auto body = out.substr(0, out.find("…("));
  EXPECT_LE(out.size(), 64u);
  std::string full;
  for (int i = 0; i < 100; ++i) full += "é\\n";
  EXPECT_EQ(full.substr(0, body.size()), body);  // a prefix of the whole escaped text
  const bool whole_unit = body.ends_with("\\n") || body.ends_with("é");
  EXPECT_TRUE(whole_unit) << body;
}

TEST(LogText, FitsExactlyWithoutMarker) {
  const std::string text(64, 'a');
  EXPECT_EQ(log_text(text, 64), text);
}

TEST(LogText, MasksSecrets) {
  EXPECT_EQ(
      log_text("401 from https://u/v1?key=AIzaSyABCDEFGH12345: Incorrect API key provided: sk-proj-0123456789abcdefgh"),
      "401 from https://u/v1?key=***: Incorrect API key provided: ***");
  EXPECT_EQ(log_text("Authorization: Bearer abc123"), "Authorization: Bearer ***");
}

}  // namespace
}  // namespace aisbf
