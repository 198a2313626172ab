#include "routing/description_vectors.hpp"

#include <gtest/gtest.h>

namespace aisbf::routing {
namespace {

TEST(DescriptionVectors, KeyedByModelAndText) {
  DescriptionVectors cache({10, 1 << 20});
  cache.store("p/emb", text_digest("code and programming"), {1, 0});
  auto hit = cache.find("p/emb", text_digest("code and programming"));
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(*hit, (std::vector<float>{1, 0}));
  EXPECT_EQ(cache.find("p/other", text_digest("code and programming")), nullptr);
  EXPECT_EQ(cache.find("p/emb", text_digest("code and programming.")), nullptr);
}

TEST(DescriptionVectors, DigestIsSha256) {
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  const TextDigest d = text_digest("abc");
  EXPECT_EQ(d[0], 0xba);
  EXPECT_EQ(d[1], 0x78);
  EXPECT_EQ(d[31], 0xad);
}

TEST(DescriptionVectors, BoundedDroppingTheOldest) {
  DescriptionVectors cache({2, 1 << 20});
  cache.store("m", text_digest("a"), {1});
  cache.store("m", text_digest("b"), {2});
  cache.store("m", text_digest("a"), {3});  // replaced in place: no new entry
  cache.store("m", text_digest("c"), {4});
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.find("m", text_digest("a")), nullptr);
  EXPECT_NE(cache.find("m", text_digest("b")), nullptr);
  EXPECT_NE(cache.find("m", text_digest("c")), nullptr);
}

TEST(DescriptionVectors, BoundedByBytes) {
  DescriptionVectors cache({100, 4 * sizeof(float)});
  cache.store("m", text_digest("a"), {1, 2});
  cache.store("m", text_digest("b"), {1, 2});
  EXPECT_EQ(cache.bytes(), 4 * sizeof(float));
  cache.store("m", text_digest("c"), {1, 2, 3});  // the two older ones make room
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.bytes(), 3 * sizeof(float));
  EXPECT_NE(cache.find("m", text_digest("c")), nullptr);
  cache.store("m", text_digest("d"), {1, 2, 3, 4, 5});  // larger than the whole cache: not kept
  EXPECT_EQ(cache.find("m", text_digest("d")), nullptr);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(DescriptionVectors, EraseForgetsAndFreesTheBytes) {
  DescriptionVectors cache({2, 1 << 20});
  cache.store("m", text_digest("a"), {1, 0});
  cache.store("m", text_digest("b"), {0, 1});
  cache.erase("m", text_digest("a"));
  EXPECT_EQ(cache.find("m", text_digest("a")), nullptr);
  EXPECT_EQ(cache.bytes(), 2 * sizeof(float));
  cache.store("m", text_digest("a"), {1, 0});  // stored again: newest, so "b" goes first
  cache.store("m", text_digest("c"), {1, 1});
  EXPECT_EQ(cache.find("m", text_digest("b")), nullptr);
  EXPECT_NE(cache.find("m", text_digest("a")), nullptr);
}

}  // namespace
}  // namespace aisbf::routing
