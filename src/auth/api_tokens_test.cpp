#include "auth/api_tokens.hpp"

#include <gtest/gtest.h>

#include <array>
#include <regex>
#include <set>
#include <string>

namespace aisbf::auth {
namespace {

TEST(ApiTokens, FormatIsPrefixAnd43Base62) {
  const std::regex shape("^aisbf_[0-9A-Za-z]{43}$");
  for (int i = 0; i < 200; ++i) {
    const auto t = generate_api_token();
    EXPECT_TRUE(std::regex_match(t.token, shape)) << t.token;
    EXPECT_TRUE(looks_like_user_token(t.token));
    EXPECT_EQ(t.hash, sha256_hex(t.token));
  }
}

TEST(ApiTokens, LooksLikeUserTokenRefusesOtherShapes) {
  const std::string good = "aisbf_" + std::string(43, 'a');
  EXPECT_TRUE(looks_like_user_token(good));
  EXPECT_FALSE(looks_like_user_token("aisbf_" + std::string(42, 'a')));
  EXPECT_FALSE(looks_like_user_token("aisbf_" + std::string(44, 'a')));
  EXPECT_FALSE(looks_like_user_token("aisbx_" + std::string(43, 'a')));
  EXPECT_FALSE(looks_like_user_token("aisbf_" + std::string(42, 'a') + "-"));
  EXPECT_FALSE(looks_like_user_token(""));
}

// Every digit position takes most of the 62 values, the first one included
// (no fixed "0" prefix from the padding), and no digit dominates any position.
TEST(ApiTokens, DigitsAreSpreadAtEveryPosition) {
  constexpr int kTokens = 3000;
  std::array<std::array<int, 128>, 43> counts{};
  std::set<std::string> seen;
  for (int i = 0; i < kTokens; ++i) {
    const auto t = generate_api_token();
    seen.insert(t.token);
    for (std::size_t p = 0; p < 43; ++p) ++counts[p][static_cast<unsigned char>(t.token[6 + p])];
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kTokens));
  for (std::size_t p = 0; p < 43; ++p) {
    int distinct = 0, most = 0;
    for (int c : counts[p]) {
      distinct += c > 0;
      most = std::max(most, c);
    }
    // Expected ~48 per value; 3000 draws over 61-62 values leave none empty in practice.
    EXPECT_GE(distinct, 58) << "position " << p;
    EXPECT_LT(most, 120) << "position " << p;
  }
  // 62^43 is just above 2^256: the first digit is below 'z' (61) always.
  EXPECT_EQ(counts[0]['z'], 0);
}

TEST(ApiTokens, Sha256HexKnownValue) {
  EXPECT_EQ(sha256_hex("admin"), "8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ApiTokens, RandomHex) {
  const std::regex hex("^[0-9a-f]{32}$");
  const auto a = random_hex(16), b = random_hex(16);
  EXPECT_TRUE(std::regex_match(a, hex)) << a;
  EXPECT_NE(a, b);
  EXPECT_EQ(random_hex(0), "");
}

TEST(ApiTokens, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("secret-value-123", "secret-value-123"));
  EXPECT_FALSE(constant_time_equal("secret-value-124", "secret-value-123"));
  EXPECT_FALSE(constant_time_equal("Xecret-value-123", "secret-value-123"));
  EXPECT_FALSE(constant_time_equal("secret", "secret-value-123"));
  EXPECT_FALSE(constant_time_equal("secret-value-123-and-more", "secret-value-123"));
  EXPECT_FALSE(constant_time_equal("", "x"));
}

}  // namespace
}  // namespace aisbf::auth
