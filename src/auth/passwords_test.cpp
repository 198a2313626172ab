#include "auth/passwords.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <regex>

#include "auth/api_tokens.hpp"

namespace aisbf::auth {
namespace {

TEST(Passwords, ValidUsername) {
  EXPECT_TRUE(valid_username("admin"));
  EXPECT_TRUE(valid_username("a"));
  EXPECT_TRUE(valid_username("j.doe-2_x"));
  EXPECT_TRUE(valid_username(std::string(63, 'a')));
  EXPECT_FALSE(valid_username(std::string(64, 'a')));
  EXPECT_FALSE(valid_username(""));
  EXPECT_FALSE(valid_username("Admin"));
  EXPECT_FALSE(valid_username("_admin"));
  EXPECT_FALSE(valid_username(".admin"));
  EXPECT_FALSE(valid_username("a b"));
  EXPECT_FALSE(valid_username("a/b"));
}

TEST(Passwords, AcceptablePassword) {
  EXPECT_FALSE(acceptable_password("1234567"));
  EXPECT_TRUE(acceptable_password("12345678"));
  EXPECT_TRUE(acceptable_password(std::string(1024, 'x')));
  EXPECT_FALSE(acceptable_password(std::string(1025, 'x')));
}

TEST(Passwords, HashAndVerify) {
  const auto hash = hash_password("correct horse");
  EXPECT_TRUE(hash.starts_with("$argon2id$")) << hash;
  EXPECT_EQ(verify_password(hash, "correct horse"), PasswordCheck::ok);
  EXPECT_EQ(verify_password(hash, "correct horsf"), PasswordCheck::wrong);
  EXPECT_EQ(verify_password(hash, ""), PasswordCheck::wrong);
  EXPECT_NE(hash_password("correct horse"), hash);  // salted
}

TEST(Passwords, WeakerArgonAsksForRehash) {
  ASSERT_GE(sodium_init(), 0);
  char weak[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_str(weak, "pw123456", 8, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
  EXPECT_EQ(verify_password(weak, "pw123456"), PasswordCheck::ok_rehash);
  EXPECT_EQ(verify_password(weak, "pw123457"), PasswordCheck::wrong);
}

TEST(Passwords, AisbfSha256IsAcceptedForRehash) {
  const std::string stored = "sha256:" + sha256_hex("old dashboard pw");
  EXPECT_EQ(verify_password(stored, "old dashboard pw"), PasswordCheck::ok_rehash);
  EXPECT_EQ(verify_password(stored, "old dashboard pX"), PasswordCheck::wrong);
  std::string upper = stored;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  upper.replace(0, 7, "sha256:");
  EXPECT_EQ(verify_password(upper, "old dashboard pw"), PasswordCheck::ok_rehash);
}

TEST(Passwords, MalformedStoredHashIsWrong) {
  EXPECT_EQ(verify_password("", "anything1"), PasswordCheck::wrong);
  EXPECT_EQ(verify_password("sha256:abc", "anything1"), PasswordCheck::wrong);
  EXPECT_EQ(verify_password("sha256:" + std::string(64, 'g'), "anything1"), PasswordCheck::wrong);
  EXPECT_EQ(verify_password("plain-text-password", "plain-text-password"), PasswordCheck::wrong);
  EXPECT_EQ(verify_password(std::string(500, '$'), "x"), PasswordCheck::wrong);
}

TEST(Passwords, RandomPassword) {
  const std::regex shape("^[0-9A-Za-z]{20}$");
  const auto a = random_password(), b = random_password();
  EXPECT_TRUE(std::regex_match(a, shape)) << a;
  EXPECT_NE(a, b);
  EXPECT_TRUE(acceptable_password(a));
}

}  // namespace
}  // namespace aisbf::auth
