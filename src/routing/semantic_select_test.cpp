#include "routing/semantic_select.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace aisbf::routing {
namespace {

using Scores = std::vector<double>;
using Vec = std::vector<float>;

TEST(SemanticSelectTest, CosineOfKnownVectors) {
  EXPECT_NEAR(cosine_similarity(Vec{1, 0}, Vec{0, 1}), 0.0, 1e-9);
  EXPECT_NEAR(cosine_similarity(Vec{1, 2, 3}, Vec{2, 4, 6}), 1.0, 1e-6);
  EXPECT_NEAR(cosine_similarity(Vec{1, 2, 3}, Vec{-1, -2, -3}), -1.0, 1e-6);
  EXPECT_NEAR(cosine_similarity(Vec{1, 1}, Vec{1, 0}), 1.0 / std::sqrt(2.0), 1e-6);
  // 19 components: the eight-way sums and the tail both count.
  Vec a(19), b(19);
  for (int i = 0; i < 19; ++i) {
    a[i] = static_cast<float>(i + 1);
    b[i] = static_cast<float>(19 - i);
  }
  double dot = 0, na = 0, nb = 0;
  for (int i = 0; i < 19; ++i) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  EXPECT_NEAR(cosine_similarity(a, b), dot / std::sqrt(na * nb), 1e-6);
  EXPECT_NEAR(dot_product(unit_vector(a), unit_vector(b)), dot / std::sqrt(na * nb), 1e-6);
}

TEST(SemanticSelectTest, CosineOfDegenerateVectorsIsZero) {
  EXPECT_EQ(cosine_similarity(Vec{}, Vec{}), 0.0);
  EXPECT_EQ(cosine_similarity(Vec{1, 2}, Vec{1, 2, 3}), 0.0);
  EXPECT_EQ(cosine_similarity(Vec{0, 0}, Vec{1, 2}), 0.0);
  EXPECT_EQ(cosine_similarity(Vec{NAN, 1}, Vec{1, 2}), 0.0);
  EXPECT_EQ(unit_vector(Vec{0, 0}), (Vec{0, 0}));
  EXPECT_EQ(dot_product(Vec{1}, Vec{1, 2}), 0.0);
  const auto u = unit_vector(Vec{3, 4});
  EXPECT_NEAR(u[0], 0.6, 1e-6);
  EXPECT_NEAR(u[1], 0.8, 1e-6);
}

TEST(SemanticSelectTest, Bm25AloneChoosesWhenTheBestStandsClear) {
  // Normalised: 0, 1, 1/3 → margin 2/3.
  const auto pick = pick_semantic(Scores{2.0, 5.0, 3.0}, {}, {.weight = 0.9, .margin = 0.5});
  ASSERT_TRUE(pick.chosen.has_value());
  EXPECT_EQ(*pick.chosen, 1u);
  EXPECT_NEAR(pick.margin, 1.0 - (3.0 - 2.0) / (5.0 - 2.0), 1e-12);
  // The same scores under a stricter margin: nothing chosen, the best named.
  const auto strict = pick_semantic(Scores{2.0, 5.0, 3.0}, {}, {.weight = 0.9, .margin = 0.7});
  EXPECT_FALSE(strict.chosen.has_value());
  EXPECT_EQ(strict.best, 1u);
}

TEST(SemanticSelectTest, HybridWeighsBothScales) {
  const Scores bm25 = {4.0, 0.0, 2.0};     // normalised 1, 0, 0.5
  const Scores cosines = {0.2, 0.6, 0.4};  // normalised 0, 1, 0.5
  // w = 0.75: 0.25, 0.75, 0.5 → candidate 1, margin (0.75 − 0.5) / 0.75 = 1/3.
  auto pick = pick_semantic(bm25, cosines, {.weight = 0.75, .margin = 0.3});
  ASSERT_TRUE(pick.chosen);
  EXPECT_EQ(*pick.chosen, 1u);
  EXPECT_NEAR(pick.margin, 1.0 / 3.0, 1e-12);
  // w = 0.25: 0.75, 0.25, 0.5 → candidate 0, margin 1/3.
  pick = pick_semantic(bm25, cosines, {.weight = 0.25, .margin = 0.3});
  ASSERT_TRUE(pick.chosen);
  EXPECT_EQ(*pick.chosen, 0u);
  // w = 0.5: all 0.5 → a tie, nothing chosen.
  pick = pick_semantic(bm25, cosines, {.weight = 0.5, .margin = 0.01});
  EXPECT_FALSE(pick.chosen);
  EXPECT_EQ(pick.margin, 0.0);
  // Weights outside [0, 1] are clamped: 3 is 1 (cosines alone).
  pick = pick_semantic(bm25, cosines, {.weight = 3, .margin = 0.4});
  ASSERT_TRUE(pick.chosen);
  EXPECT_EQ(*pick.chosen, 1u);
  EXPECT_NEAR(pick.margin, 0.5, 1e-12);
}

TEST(SemanticSelectTest, AScaleWithoutSpreadSaysNothing) {
  // BM25 found nothing: the cosines alone decide, at their share of the score.
  // Scores 0, 0.4, 0.2: margin 0.5.
  const auto pick = pick_semantic(Scores{0, 0, 0}, Scores{0.1, 0.5, 0.3}, {.weight = 0.4, .margin = 0.45});
  ASSERT_TRUE(pick.chosen);
  EXPECT_EQ(*pick.chosen, 1u);
  EXPECT_NEAR(pick.margin, 0.5, 1e-12);
  EXPECT_FALSE(pick_semantic(Scores{0, 0, 0}, {}, {}).chosen);
  EXPECT_FALSE(pick_semantic(Scores{3, 3}, Scores{0.5, 0.5}, {.weight = 0.5, .margin = 0}).chosen);
}

TEST(SemanticSelectTest, EdgeCases) {
  EXPECT_FALSE(pick_semantic(Scores{}, {}, {}).chosen);
  const auto one = pick_semantic(Scores{0}, {}, {.weight = 0.5, .margin = 0.99});
  ASSERT_TRUE(one.chosen);
  EXPECT_EQ(*one.chosen, 0u);
  // Cosines of the wrong length: a caller's mistake, nothing chosen.
  EXPECT_FALSE(pick_semantic(Scores{1, 5}, Scores{0.3}, {}).chosen);
  // A cosine that is not a number counts as the lowest.
  const auto nan = pick_semantic(Scores{0, 0, 0}, Scores{NAN, 0.2, 0.1}, {.weight = 1, .margin = 0.5});
  ASSERT_TRUE(nan.chosen);
  EXPECT_EQ(*nan.chosen, 1u);
  // Margin 0 takes the best even when it barely leads; a tie never.
  EXPECT_EQ(pick_semantic(Scores{1.0, 1.01, 0}, {}, {.weight = 0, .margin = 0}).chosen, std::optional<std::size_t>(1));
  EXPECT_FALSE(pick_semantic(Scores{1.0, 1.0, 0}, {}, {.weight = 0, .margin = 0.001}).chosen);
}

}  // namespace
}  // namespace aisbf::routing
