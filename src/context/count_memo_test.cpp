#include "context/count_memo.hpp"

#include <gtest/gtest.h>

#include <string>

#include "context/tokenizer.hpp"

namespace aisbf::context {
namespace {

TEST(CountMemoTest, KeepsACountPerTextAndEncoding) {
  CountMemo memo;
  const std::string text = "a text counted once";
  EXPECT_FALSE(memo.find(Encoding::cl100k_base, text));
  memo.keep(5);
  EXPECT_EQ(memo.find(Encoding::cl100k_base, text), 5u);
  EXPECT_FALSE(memo.find(Encoding::o200k_base, text));  // the other encoding's count is its own
  EXPECT_FALSE(memo.find(Encoding::cl100k_base, text + " "));
}

TEST(CountMemoTest, KeepsNothingWithoutAFindOrForEmptyText) {
  CountMemo memo;
  memo.keep(3);  // no find before: nothing to key it by
  EXPECT_FALSE(memo.find(Encoding::cl100k_base, ""));
  memo.keep(3);
  EXPECT_FALSE(memo.find(Encoding::cl100k_base, ""));
}

TEST(CountMemoTest, ANewerTextInTheSameSlotReplacesTheOlder) {
  CountMemo memo;
  // 5000 texts in 4096 slots: every lookup is right or absent, never wrong.
  for (int i = 0; i < 5000; ++i) {
    const std::string text = "text " + std::to_string(i);
    ASSERT_FALSE(memo.find(Encoding::cl100k_base, text));
    memo.keep(static_cast<std::size_t>(i + 1));
  }
  int found = 0;
  for (int i = 0; i < 5000; ++i) {
    const auto n = memo.find(Encoding::cl100k_base, "text " + std::to_string(i));
    if (n) {
      EXPECT_EQ(*n, static_cast<std::size_t>(i + 1));
      ++found;
    }
  }
  EXPECT_GT(found, 2000);
  EXPECT_LT(found, 5000);
}

}  // namespace
}  // namespace aisbf::context

namespace aisbf::context {
namespace {

TEST(CountMemoTest, TheTokenizersCountIsTheSameFromTheMemo) {
  auto tokenizer = tokenizer_for(Encoding::o200k_base);
  if (!tokenizer) GTEST_SKIP() << tokenizer.error().message;
  const std::string text = "The memo answers the second count of this text: \xF0\x9F\x91\x8D and \xff bytes.";
  const std::size_t first = (*tokenizer)->count(text);
  const auto hits = CountMemo::hits();
  EXPECT_EQ((*tokenizer)->count(text), first);
  EXPECT_EQ(CountMemo::hits(), hits + 1);
  EXPECT_EQ(first, (*tokenizer)->encode(text).size());
}

}  // namespace
}  // namespace aisbf::context
