#include "core/text.hpp"

#include <gtest/gtest.h>

namespace aisbf {
namespace {

static_assert(trim("  a b \r\n") == "a b");

TEST(CoreText, TrimRemovesSpaceTabAndLineEndsAtBothEnds) {
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t\r\n"), "");
  EXPECT_EQ(trim("x"), "x");
  EXPECT_EQ(trim("\t data: {\"a\": 1}\r\n"), "data: {\"a\": 1}");
  EXPECT_EQ(trim(" a \v"), "a \v");  // only the four characters above
}

}  // namespace
}  // namespace aisbf
