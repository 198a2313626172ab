// The text helpers of the condensation methods, on the edges that matter:
// UTF-8 never cut inside a character, code indentation kept, fences found.
#include <gtest/gtest.h>

#include "context/condense_text.hpp"

namespace aisbf::context {
namespace {

TEST(CondenseText, PrefixesStopOnACharacterBoundary) {
  EXPECT_EQ(utf8_prefix("héllo", 2), "h");  // é is two bytes: not cut in half
  EXPECT_EQ(utf8_prefix("héllo", 3), "hé");
  EXPECT_EQ(utf8_prefix("ab", 10), "ab");
  EXPECT_EQ(first_line("\n\n  naïve approach  \nsecond", 3), "na…");  // ï is bytes 2-3
  EXPECT_EQ(first_line("\n\n  naïve approach  \nsecond", 4), "naï…");
}

TEST(CondenseText, FirstSentenceOfTheFirstNonBlankLine) {
  EXPECT_EQ(first_sentence("\nIt fails. Then it works.\nMore.", 100), "It fails.");
  EXPECT_EQ(first_sentence("Does src/a.cpp build? Yes.", 100), "Does src/a.cpp build?");
  EXPECT_EQ(first_sentence("No sentence end here", 100), "No sentence end here");
  EXPECT_EQ(first_sentence("   \n\t\n", 100), "");
}

TEST(CondenseText, WhitespaceCollapsesButIndentationStays) {
  EXPECT_EQ(collapse_whitespace("a  b   \r\n\n\n\n    if (x)   y;\t\n"), "a b\n\n    if (x) y;\n");
  EXPECT_EQ(collapse_whitespace("same"), "same");
}

TEST(CondenseText, RepeatedLinesCollapseFromThreeInARow) {
  EXPECT_EQ(collapse_repeated_lines("a\na\nb\nb\nb\nb\nc\n"), "a\na\nb\n[previous line repeated 3 more times]\nc\n");
}

TEST(CondenseText, HeadAndTailOfOneLongLineCutsOnCharacters) {
  std::string line(3000, 'x');
  line.replace(1199, 2, "é");  // the head's last byte would fall inside é
  std::string out = head_and_tail(line, 1200, 800);
  EXPECT_EQ(out.substr(0, 1199), line.substr(0, 1199));
  EXPECT_EQ(out.substr(1199, 1), "\n");
  std::string marker = "[… 1 line, 1001 bytes omitted …]\n";  // part of one line
  EXPECT_EQ(out.substr(1200, marker.size()), marker);
  EXPECT_EQ(out.substr(1200 + marker.size()), std::string(800, 'x'));
  EXPECT_EQ(head_and_tail("short", 1200, 800), "short");
}

TEST(CondenseText, FencedCodeSegments) {
  auto segments = split_fenced_code("Intro.\n```cpp\nint x;\n```\nOutro.\n~~~\nopen");
  ASSERT_EQ(segments.size(), 4u);
  EXPECT_EQ(segments[0].text, "Intro.\n");
  EXPECT_FALSE(segments[0].code);
  EXPECT_EQ(segments[1].text, "```cpp\nint x;\n```\n");
  EXPECT_TRUE(segments[1].code);
  EXPECT_EQ(segments[2].text, "Outro.\n");
  EXPECT_EQ(segments[3].text, "~~~\nopen");  // an unclosed fence runs to the end
  EXPECT_TRUE(segments[3].code);
}

TEST(CondenseText, MinHashSeesNearDuplicatesAndNotOthers) {
  std::string a, b, c;
  for (int i = 0; i < 60; ++i) {
    a += "word" + std::to_string(i) + " ";
    c += "other" + std::to_string(i) + " ";
  }
  b = a + "extra";
  EXPECT_GE(equal_slots(min_hash(a), min_hash(b)), 13u);
  EXPECT_LE(equal_slots(min_hash(a), min_hash(c)), 2u);
  EXPECT_EQ(min_hash(a).shingles, 58u);
  EXPECT_EQ(min_hash("one two").shingles, 0u);
}

}  // namespace
}  // namespace aisbf::context
