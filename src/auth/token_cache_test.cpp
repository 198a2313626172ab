#include "auth/token_cache.hpp"

#include <gtest/gtest.h>

namespace aisbf::auth {
namespace {

using Cache = TokenCache<int>;

Cache::Slot slot(int n) { return {"raw" + std::to_string(n), "hash" + std::to_string(n), nullptr, 1}; }

TEST(TokenCache, BoundedAndTheOldestLeavesFirst) {
  Cache cache(4);
  for (int k = 1; k <= 4; ++k) cache.put(k, slot(k));
  EXPECT_EQ(cache.size(), 4u);
  cache.put(5, slot(5));
  EXPECT_EQ(cache.size(), 4u);
  EXPECT_EQ(cache.find(1), nullptr);
  ASSERT_NE(cache.find(2), nullptr);
  EXPECT_EQ(cache.find(5)->raw, "raw5");
  cache.put(6, slot(6));
  EXPECT_EQ(cache.find(2), nullptr);
  EXPECT_NE(cache.find(3), nullptr);
  for (int k = 100; k < 1000; ++k) cache.put(k, slot(k));
  EXPECT_EQ(cache.size(), 4u);
  for (int k = 996; k < 1000; ++k) EXPECT_NE(cache.find(k), nullptr) << k;
}

TEST(TokenCache, ReplacingAKeyKeepsOneEntry) {
  Cache cache(2);
  cache.put(1, slot(1));
  cache.put(1, slot(11));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find(1)->raw, "raw11");
  cache.put(2, slot(2));
  cache.put(3, slot(3));  // 1 is the oldest
  EXPECT_EQ(cache.find(1), nullptr);
  EXPECT_EQ(cache.size(), 2u);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.find(2), nullptr);
}

}  // namespace
}  // namespace aisbf::auth
