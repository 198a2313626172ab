#include "auth/secret_box.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>
#include <vector>

#include "auth/api_tokens.hpp"

namespace aisbf::auth {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("aisbf-secretbox-" + random_hex(6));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

std::array<unsigned char, 32> key_of(unsigned char fill) {
  std::array<unsigned char, 32> k{};
  k.fill(fill);
  return k;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 0777;
}

TEST(SecretBox, SealOpenRoundTripWithFreshNonce) {
  const auto box = SecretBox::from_key(key_of(7));
  const auto a = box.seal("sk-live-1234567890");
  const auto b = box.seal("sk-live-1234567890");
  EXPECT_TRUE(std::regex_match(a, std::regex("^enc:v1:[A-Za-z0-9+/]+=*$"))) << a;
  EXPECT_NE(a, b);  // a fresh nonce each call
  EXPECT_TRUE(SecretBox::is_sealed(a));
  EXPECT_FALSE(SecretBox::is_sealed("sk-live-1234567890"));
  EXPECT_EQ(box.open(a), "sk-live-1234567890");
  EXPECT_EQ(box.open(b), "sk-live-1234567890");
  EXPECT_EQ(box.open(box.seal("")), "");
}

TEST(SecretBox, TamperedOrForeignValuesAreRefused) {
  const auto box = SecretBox::from_key(key_of(7));
  const auto sealed = box.seal("provider key");
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    std::string t = sealed;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(box.open(t).has_value()) << "changed at " << i;
  }
  EXPECT_FALSE(SecretBox::from_key(key_of(8)).open(sealed));    // another key
  EXPECT_FALSE(box.open(sealed.substr(0, sealed.size() - 4)));  // truncated
  EXPECT_FALSE(box.open("enc:v1:"));
  EXPECT_FALSE(box.open("enc:v1:!!!!"));
  EXPECT_FALSE(box.open("provider key"));
  EXPECT_FALSE(box.open(sealed + "AAAA"));
}

TEST(SecretBox, KeyFileIsCreated0600AndReused) {
  TempDir dir;
  const auto file = dir.path / "secret.key";
  std::string error, warning;
  auto first = SecretBox::load_or_create(file, &error, &warning);
  ASSERT_TRUE(first) << error;
  EXPECT_EQ(mode_of(file), 0600);
  EXPECT_EQ(warning, "");
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  EXPECT_TRUE(std::regex_match(line, std::regex("^[A-Za-z0-9+/]{43}=$"))) << line;
  auto second = SecretBox::load_or_create(file, &error);
  ASSERT_TRUE(second) << error;
  EXPECT_EQ(second->open(first->seal("kept")), "kept");
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}), 1);
}

TEST(SecretBox, ConcurrentCreatorsEndUpWithOneKey) {
  TempDir dir;
  const auto file = dir.path / "secret.key";
  std::vector<std::optional<SecretBox>> boxes(8);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (auto& slot : boxes) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      std::string error;
      slot = SecretBox::load_or_create(file, &error);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  const auto sealed = boxes[0]->seal("one key");
  for (const auto& b : boxes) {
    ASSERT_TRUE(b);
    EXPECT_EQ(b->open(sealed), "one key");
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}), 1);
}

TEST(SecretBox, ExistingKeyFileIsNeverReplaced) {
  TempDir dir;
  const auto file = dir.path / "secret.key";
  { std::ofstream(file) << "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n"; }  // 32 × 0x01
  ::chmod(file.c_str(), 0600);
  std::string error;
  auto box = SecretBox::load_or_create(file, &error);
  ASSERT_TRUE(box) << error;
  EXPECT_EQ(SecretBox::from_key(key_of(1)).open(box->seal("same")), "same");
}

TEST(SecretBox, GroupReadableKeyFileWarns) {
  TempDir dir;
  const auto file = dir.path / "secret.key";
  std::string error, warning;
  ASSERT_TRUE(SecretBox::load_or_create(file, &error, &warning));
  ::chmod(file.c_str(), 0640);
  ASSERT_TRUE(SecretBox::load_or_create(file, &error, &warning));
  EXPECT_NE(warning.find("chmod 600"), std::string::npos) << warning;
}

TEST(SecretBox, MalformedOrUnreadableKeyFileIsAnError) {
  TempDir dir;
  const auto file = dir.path / "secret.key";
  { std::ofstream(file) << "not a key\n"; }
  std::string error;
  EXPECT_FALSE(SecretBox::load_or_create(file, &error));
  EXPECT_NE(error.find("not a base64 32-byte key"), std::string::npos) << error;
  { std::ofstream(file) << "AQEB\n"; }  // valid base64, too short
  EXPECT_FALSE(SecretBox::load_or_create(file, &error));
  error.clear();
  EXPECT_FALSE(SecretBox::load_or_create(dir.path / "missing-dir" / "secret.key", &error));
  EXPECT_NE(error, "");
}

TEST(SecretMask, Masks) {
  EXPECT_EQ(mask_secret(""), "");
  EXPECT_EQ(mask_secret("short"), "\xE2\x80\xA6");
  EXPECT_EQ(mask_secret("12345678901"), "\xE2\x80\xA6");
  EXPECT_EQ(mask_secret("sk-1234567890abcd"),
            "sk-\xE2\x80\xA6"
            "abcd");
  EXPECT_EQ(mask_secret("123456789012"),
            "123\xE2\x80\xA6"
            "9012");
  // Already masked: returned as is, and recognised.
  EXPECT_EQ(mask_secret("sk-\xE2\x80\xA6"
                        "abcd"),
            "sk-\xE2\x80\xA6"
            "abcd");
  EXPECT_TRUE(
      is_masked("sk-\xE2\x80\xA6"
                "abcd"));
  EXPECT_TRUE(is_masked("\xE2\x80\xA6"));
  EXPECT_TRUE(is_masked(mask_secret("a-very-long-provider-key")));
  EXPECT_FALSE(is_masked("sk-1234567890abcd"));
  // A reference to the environment is no secret: shown, and stored as sent.
  EXPECT_EQ(mask_secret("env:OPENAI_API_KEY"), "env:OPENAI_API_KEY");
  EXPECT_FALSE(is_masked("env:OPENAI_API_KEY"));
  EXPECT_EQ(mask_secret("env:not a name!"),
            "env\xE2\x80\xA6"
            "ame!");
  EXPECT_FALSE(is_masked(""));
  EXPECT_FALSE(is_masked("sk-...abcd"));
}

}  // namespace
}  // namespace aisbf::auth
