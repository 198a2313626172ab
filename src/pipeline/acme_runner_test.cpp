#include "pipeline/acme_runner.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "ops/tls_certificates.hpp"

namespace aisbf {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class AcmeInstallTest : public testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/aisbf-acme-install-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    paths_.dir = root_ / "acme";
    fs::create_directories(paths_.dir);
  }
  void TearDown() override { fs::remove_all(root_); }
  // A certificate for `kDomain` and its key, as PEM: {chain, key}.
  std::pair<std::string, std::string> pair(const std::string& name) {
    const ops::CertificateFiles files{
        .cert = root_ / (name + ".cert"), .key = root_ / (name + ".key"), .source = ops::CertificateSource::acme};
    EXPECT_EQ(ops::generate_self_signed(files, {kDomain}, 90), "");
    return {read(files.cert), read(files.key)};
  }
  static constexpr const char* kDomain = "gw.example.test";
  fs::path root_;
  AcmePaths paths_;
};

TEST_F(AcmeInstallTest, WritesTheKeyThenTheChain) {
  const auto [chain, key] = pair("new");
  EXPECT_EQ(install_certificate(paths_, kDomain, chain, key), "");
  EXPECT_EQ(read(paths_.certificate()), chain);
  EXPECT_EQ(read(paths_.key()), key);
}

// A certificate that cannot be written leaves the served pair as it was:
// the old key goes back beside the old certificate.
TEST_F(AcmeInstallTest, AFailedCertificateWritePutsTheOldKeyBack) {
  const auto [old_chain, old_key] = pair("old");
  ASSERT_EQ(install_certificate(paths_, kDomain, old_chain, old_key), "");
  const auto [chain, key] = pair("new");
  const WriteOptions failing{.mode = FileMode::keep_existing,
                             .fail_at = [](WriteStep step) { return step == WriteStep::rename; }};
  const std::string failure = install_certificate(paths_, kDomain, chain, key, failing);
  EXPECT_TRUE(failure.starts_with("cannot write " + paths_.certificate().string())) << failure;
  EXPECT_EQ(read(paths_.certificate()), old_chain);
  EXPECT_EQ(read(paths_.key()), old_key);
}

TEST_F(AcmeInstallTest, AFailedFirstCertificateWriteLeavesNoKey) {
  const auto [chain, key] = pair("new");
  const WriteOptions failing{.mode = FileMode::keep_existing,
                             .fail_at = [](WriteStep step) { return step == WriteStep::sync_file; }};
  EXPECT_NE(install_certificate(paths_, kDomain, chain, key, failing), "");
  EXPECT_FALSE(fs::exists(paths_.certificate()));
  EXPECT_FALSE(fs::exists(paths_.key()));
}

TEST_F(AcmeInstallTest, RefusesAChainForAnotherKeyOrName) {
  const auto [chain, key] = pair("new");
  const auto [other_chain, other_key] = pair("other");
  EXPECT_EQ(install_certificate(paths_, kDomain, chain, other_key), "the CA's certificate is not for the key sent");
  EXPECT_EQ(install_certificate(paths_, "other.example.test", chain, key),
            "the CA's certificate does not name other.example.test");
  EXPECT_FALSE(fs::exists(paths_.key()));
}

}  // namespace
}  // namespace aisbf
