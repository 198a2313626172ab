// The HTTPS listener's context source: when a refresh swaps the context
// served to new connections, and when it keeps the one it has.
#include "http/tls_context.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "config/config_test_util.hpp"

namespace aisbf::http {
namespace {

namespace fs = std::filesystem;
using config_test::TempDir;

std::shared_ptr<Config> acme_config() {
  auto config = std::make_shared<Config>();
  config->server.protocol = "https";
  config->server.domain = "gw.example.com";
  return config;
}

TEST(TlsContextSource, KeepsAValidAcmeCertificateWhileItsFilesDoNotLoad) {
  TempDir dir;
  auto config = acme_config();
  const auto acme = ops::acme_files(dir.path());
  ASSERT_EQ(ops::generate_self_signed(acme, {"gw.example.com"}, 90), "");
  TlsContextSource source(
      dir.path(), [config] { return config; }, std::chrono::seconds(10));
  ASSERT_FALSE(source.start());
  const auto first = source.current();
  EXPECT_EQ(source.describe().rfind("acme ", 0), 0u) << source.describe();
  // A renewal between its two renames: the new key beside the old certificate.
  ops::CertificateFiles renewed{dir.path() / "new.pem", dir.path() / "new.key", ops::CertificateSource::acme};
  ASSERT_EQ(ops::generate_self_signed(renewed, {"gw.example.com"}, 90), "");
  fs::rename(renewed.key, acme.key);
  source.refresh(false);
  EXPECT_EQ(source.current(), first);
  EXPECT_EQ(source.describe().rfind("acme ", 0), 0u) << source.describe();
  fs::rename(renewed.cert, acme.cert);
  source.refresh(false);
  EXPECT_NE(source.current(), first);
  EXPECT_EQ(source.describe().rfind("acme ", 0), 0u) << source.describe();
}

TEST(TlsContextSource, ACertificateNearItsEndIsNotRebuiltAtEveryCheck) {
  TempDir dir;
  auto config = acme_config();
  ASSERT_EQ(ops::generate_self_signed(ops::acme_files(dir.path()), {"gw.example.com"}, 10), "");
  TlsContextSource source(
      dir.path(), [config] { return config; }, std::chrono::seconds(10));
  ASSERT_FALSE(source.start());
  const auto first = source.current();
  source.refresh(false);
  source.refresh(false);
  EXPECT_EQ(source.current(), first);
  // SIGHUP with the same files: nothing to swap (the session cache stays).
  source.refresh(true);
  EXPECT_EQ(source.current(), first);
}

}  // namespace
}  // namespace aisbf::http
