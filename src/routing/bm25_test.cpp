#include "routing/bm25.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace aisbf::routing {
namespace {

std::size_t best(const std::vector<double>& scores) {
  return static_cast<std::size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
}

const std::vector<std::string> kDescriptions = {
    "Free lightweight model, good for simple tasks, git operations and short Q&A.",
    "Advanced coding model for complex algorithms, architecture and multi-file refactoring.",
    "Creative writing: stories, poems and marketing copy.",
    "Vision model that reads images, screenshots and charts.",
};

TEST(Bm25Test, WordsAreLowerCasedStemmedAndFiltered) {
  EXPECT_EQ(bm25_words("The Tests, testing TESTED; a coding codes: queries x café"),
            (std::vector<std::string>{"test", "test", "test", "cod", "cod", "query", "caf\xc3\xa9"}));
  EXPECT_EQ(bm25_words("class status analysis"), (std::vector<std::string>{"class", "status", "analysis"}));
}

TEST(Bm25Test, ThePromptPicksTheDescriptionItSharesWordsWith) {
  const Bm25Index index(kDescriptions);
  EXPECT_EQ(best(index.score("Refactor this multi-file C++ architecture and fix the algorithm")), 1u);
  EXPECT_EQ(best(index.score("write me a poem about the sea")), 2u);
  EXPECT_EQ(best(index.score("what is in this screenshot?")), 3u);
  EXPECT_EQ(best(index.score("commit and push with git")), 0u);
}

TEST(Bm25Test, AQueryWithNoSharedWordScoresZeroEverywhere) {
  const Bm25Index index(kDescriptions);
  const auto scores = index.score("bonjour le monde");
  EXPECT_TRUE(std::all_of(scores.begin(), scores.end(), [](double s) { return s == 0.0; }));
  EXPECT_EQ(bm25_margin(scores), 0.0);
}

TEST(Bm25Test, RepeatingAQueryWordDoesNotRaiseItsWeight) {
  const Bm25Index index(kDescriptions);
  EXPECT_EQ(index.score("poem"), index.score("poem poem poem poem"));
}

TEST(Bm25Test, RareWordsWeighMoreThanCommonOnes) {
  const Bm25Index index({"python code", "python code", "python code rust"});
  const auto scores = index.score("python rust");
  EXPECT_GT(scores[2], scores[0]);
  EXPECT_EQ(scores[0], scores[1]);
}

TEST(Bm25Test, OnlyTheQuerysLatestBytesAreRead) {
  const Bm25Index index(kDescriptions);
  const std::string query = "poem stories " + std::string(5000, ' ') + "screenshot charts";
  const auto scores = index.score(query, 100);
  EXPECT_EQ(scores[2], 0.0);
  EXPECT_GT(scores[3], 0.0);
}

TEST(Bm25Test, MarginSaysHowClearTheWinnerIs) {
  EXPECT_DOUBLE_EQ(bm25_margin({4.0, 1.0, 3.0}), 0.25);
  EXPECT_DOUBLE_EQ(bm25_margin({2.0}), 1.0);
  EXPECT_DOUBLE_EQ(bm25_margin({}), 0.0);
}

TEST(Bm25Test, AnEmptyIndexScoresNothing) {
  const Bm25Index index(std::vector<std::string>{});
  EXPECT_TRUE(index.score("anything").empty());
}

}  // namespace
}  // namespace aisbf::routing
