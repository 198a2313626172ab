#include "auth/unknown_tokens.hpp"

#include <gtest/gtest.h>

#include <string>

namespace aisbf::auth {
namespace {

std::string hash_of(int i) { return std::string(56, 'a') + std::to_string(10'000'000 + i); }

TEST(UnknownTokens, RemembersForItsTimeToLive) {
  UnknownTokens unknown(8, 1000);
  unknown.remember(hash_of(1), 0);
  EXPECT_TRUE(unknown.contains(hash_of(1), 999));
  EXPECT_FALSE(unknown.contains(hash_of(1), 1000));
  EXPECT_FALSE(unknown.contains(hash_of(2), 0));
  unknown.remember(hash_of(1), 1000);  // again: a fresh lifetime, still one entry
  EXPECT_TRUE(unknown.contains(hash_of(1), 1500));
  EXPECT_EQ(unknown.size(), 1u);
}

TEST(UnknownTokens, AFloodStaysBoundedAndTheOldestGoFirst) {
  UnknownTokens unknown(4, 60'000);
  for (int i = 0; i < 10'000; ++i) unknown.remember(hash_of(i), 0);
  EXPECT_EQ(unknown.size(), 4u);
  for (int i = 9'996; i < 10'000; ++i) EXPECT_TRUE(unknown.contains(hash_of(i), 0)) << i;
  EXPECT_FALSE(unknown.contains(hash_of(9'995), 0));
  EXPECT_FALSE(unknown.contains(hash_of(0), 0));
}

TEST(UnknownTokens, ForgetAndClear) {
  UnknownTokens unknown(4, 60'000);
  unknown.remember(hash_of(1), 0);
  unknown.remember(hash_of(2), 0);
  unknown.forget(hash_of(1));
  EXPECT_FALSE(unknown.contains(hash_of(1), 0));
  EXPECT_TRUE(unknown.contains(hash_of(2), 0));
  // A forgotten hash remembered again and then pushed around the ring keeps the bound.
  for (int i = 0; i < 20; ++i) unknown.remember(hash_of(i % 6), 0);
  EXPECT_LE(unknown.size(), 4u);
  unknown.clear();
  EXPECT_EQ(unknown.size(), 0u);
  EXPECT_FALSE(unknown.contains(hash_of(2), 0));
}

}  // namespace
}  // namespace aisbf::auth
