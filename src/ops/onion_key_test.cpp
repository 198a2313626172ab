#include "ops/onion_key.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

namespace aisbf::ops {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 0777 : 0;
}

class OnionKeyTest : public testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/aisbf-onion-key-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

const std::string kKey = "ED25519-V3:" + std::string(86, 'k') + "==";

TEST_F(OnionKeyTest, TheFirstStartCreatesThePrivateDirectoryAndSavesTheKey) {
  const fs::path dir = root_ / "a" / "onion";
  auto first = load_onion_key(dir);
  EXPECT_TRUE(first.error.empty()) << first.error;
  EXPECT_FALSE(first.key);
  EXPECT_EQ(mode_of(dir), 0700u);
  ASSERT_FALSE(save_onion_key(dir, kKey));
  EXPECT_EQ(mode_of(dir / kOnionKeyFile), 0600u);
  auto again = load_onion_key(dir);
  ASSERT_TRUE(again.key) << again.error;
  EXPECT_EQ(*again.key, kKey);
  EXPECT_TRUE(again.warning.empty());
}

TEST_F(OnionKeyTest, AForeignFileIsAnErrorAndStaysUntouched) {
  std::ofstream(root_ / kOnionKeyFile) << "not a key\n";
  ::chmod(root_.c_str(), 0700);
  auto loaded = load_onion_key(root_);
  EXPECT_FALSE(loaded.key);
  EXPECT_NE(loaded.error.find("move it away"), std::string::npos) << loaded.error;
  std::ifstream in(root_ / kOnionKeyFile);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "not a key");
}

// A FIFO in the key's place would block the read (and the worker with it).
TEST_F(OnionKeyTest, AKeyFileThatIsNotARegularFileIsRefusedUnread) {
  ::chmod(root_.c_str(), 0700);
  ASSERT_EQ(::mkfifo((root_ / kOnionKeyFile).c_str(), 0600), 0);
  auto loaded = load_onion_key(root_);
  EXPECT_FALSE(loaded.key);
  EXPECT_NE(loaded.error.find("not a regular file"), std::string::npos) << loaded.error;
}

TEST_F(OnionKeyTest, ADirectoryOthersMayReadIsWarnedAbout) {
  ::chmod(root_.c_str(), 0755);
  auto loaded = load_onion_key(root_);
  EXPECT_TRUE(loaded.error.empty());
  EXPECT_NE(loaded.warning.find("chmod 700"), std::string::npos) << loaded.warning;
  std::ofstream(root_ / "file") << "x";
  EXPECT_NE(load_onion_key(root_ / "file").error.find("not a directory"), std::string::npos);
}

TEST(OnionKeyHome, TildeIsExpanded) {
  const char* home = std::getenv("HOME");
  ASSERT_NE(home, nullptr);
  EXPECT_EQ(expand_home("~/x/y"), fs::path(home) / "x/y");
  EXPECT_EQ(expand_home("/abs/~"), fs::path("/abs/~"));
}

}  // namespace
}  // namespace aisbf::ops
