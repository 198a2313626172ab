#include "ops/tls_certificates.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_test_util.hpp"

namespace aisbf::ops {
namespace {

namespace fs = std::filesystem;
using config_test::TempDir;
using testing::HasSubstr;

int mode_of(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
}

void write_text(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

ServerConfig https_server() {
  ServerConfig s;
  s.protocol = "https";
  return s;
}

TEST(TlsCertificates, GeneratesASelfSignedPairWithTheNamesAndMode0600) {
  TempDir dir;
  auto files = self_signed_files(dir.path());
  ASSERT_EQ(generate_self_signed(files, {"localhost", "127.0.0.1", "::1", "gw.example.com"}, 365), "");
  EXPECT_EQ(mode_of(files.cert), 0600);
  EXPECT_EQ(mode_of(files.key), 0600);
  auto loaded = load_certificate_pair(files.cert, files.key);
  ASSERT_TRUE(loaded.pair) << loaded.error;
  EXPECT_EQ(loaded.pair->names, (std::vector<std::string>{"localhost", "127.0.0.1", "::1", "gw.example.com"}));
  EXPECT_THAT(loaded.pair->subject, HasSubstr("aisbf self-signed"));
  const auto left = loaded.pair->not_after - std::chrono::system_clock::now();
  EXPECT_GT(left, std::chrono::hours(24 * 364));
  EXPECT_LE(left, std::chrono::hours(24 * 365));
  EXPECT_THAT(loaded.pair->chain_pem, HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(loaded.pair->key_pem, HasSubstr("BEGIN PRIVATE KEY"));
}

TEST(TlsCertificates, AKeyOfAnotherCertificateIsRefused) {
  TempDir dir;
  CertificateFiles a{dir.path() / "a.pem", dir.path() / "a.key", CertificateSource::configured};
  CertificateFiles b{dir.path() / "b.pem", dir.path() / "b.key", CertificateSource::configured};
  ASSERT_EQ(generate_self_signed(a, {"localhost"}), "");
  ASSERT_EQ(generate_self_signed(b, {"localhost"}), "");
  auto loaded = load_certificate_pair(a.cert, b.key);
  EXPECT_FALSE(loaded.pair);
  EXPECT_EQ(loaded.error, b.key.string() + ": the key does not match the certificate in " + a.cert.string());
}

TEST(TlsCertificates, BadFilesAreRefusedNamingTheFile) {
  TempDir dir;
  CertificateFiles good{dir.path() / "c.pem", dir.path() / "k.pem", CertificateSource::configured};
  ASSERT_EQ(generate_self_signed(good, {"localhost"}), "");
  write_text(dir.path() / "junk.pem", "not a certificate\n");
  auto junk = load_certificate_pair(dir.path() / "junk.pem", good.key);
  EXPECT_THAT(junk.error, HasSubstr("junk.pem: no PEM certificate"));
  auto junk_key = load_certificate_pair(good.cert, dir.path() / "junk.pem");
  EXPECT_THAT(junk_key.error, HasSubstr("junk.pem: no unencrypted PEM private key"));
  auto missing = load_certificate_pair(dir.path() / "none.pem", good.key);
  EXPECT_THAT(missing.error, HasSubstr("none.pem: "));
  write_text(dir.path() / "big.pem", std::string(2 * 1024 * 1024, 'A'));
  EXPECT_THAT(load_certificate_pair(dir.path() / "big.pem", good.key).error, HasSubstr("larger than 1 MiB"));
}

TEST(TlsCertificates, ChainKeepsEveryCertificateInOrder) {
  TempDir dir;
  CertificateFiles leaf{dir.path() / "leaf.pem", dir.path() / "leaf.key", CertificateSource::configured};
  CertificateFiles other{dir.path() / "other.pem", dir.path() / "other.key", CertificateSource::configured};
  ASSERT_EQ(generate_self_signed(leaf, {"localhost"}), "");
  ASSERT_EQ(generate_self_signed(other, {"other.example"}), "");
  auto text = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  write_text(dir.path() / "chain.pem", text(leaf.cert) + text(other.cert));
  auto loaded = load_certificate_pair(dir.path() / "chain.pem", leaf.key);
  ASSERT_TRUE(loaded.pair) << loaded.error;
  EXPECT_EQ(loaded.pair->chain_pem, text(leaf.cert) + text(other.cert));
  EXPECT_EQ(loaded.pair->names, std::vector<std::string>{"localhost"});  // the leaf's
}

TEST(TlsCertificates, SelfSignedNamesAddTheHostAndDomain) {
  auto s = https_server();
  EXPECT_EQ(self_signed_names(s), (std::vector<std::string>{"localhost", "127.0.0.1", "::1"}));
  s.host = "0.0.0.0";
  s.domain = "gw.example.com";
  EXPECT_EQ(self_signed_names(s), (std::vector<std::string>{"localhost", "127.0.0.1", "::1", "gw.example.com"}));
  s.host = "192.168.1.4";
  EXPECT_EQ(self_signed_names(s),
            (std::vector<std::string>{"localhost", "127.0.0.1", "::1", "192.168.1.4", "gw.example.com"}));
}

TEST(TlsCertificates, SelfSignedIsMadeOnceThenReused) {
  TempDir dir;
  auto first = select_certificate(https_server(), dir.path());
  ASSERT_TRUE(first.pair) << first.error;
  EXPECT_TRUE(first.generated);
  EXPECT_EQ(first.files.source, CertificateSource::self_signed);
  EXPECT_EQ(first.files.cert, dir.path() / "cert.pem");
  const auto stamp = stamp_of(first.files.cert);
  auto second = select_certificate(https_server(), dir.path());
  ASSERT_TRUE(second.pair) << second.error;
  EXPECT_FALSE(second.generated);
  EXPECT_EQ(stamp_of(second.files.cert), stamp);
  EXPECT_EQ(second.pair->chain_pem, first.pair->chain_pem);
}

TEST(TlsCertificates, OurSelfSignedIsRemadeForANewNameButAnotherIsLeftAlone) {
  TempDir dir;
  ASSERT_TRUE(select_certificate(https_server(), dir.path()).pair);
  auto s = https_server();
  s.host = "10.1.2.3";
  auto remade = select_certificate(s, dir.path());
  ASSERT_TRUE(remade.pair) << remade.error;
  EXPECT_TRUE(remade.generated);
  EXPECT_EQ(remade.pair->names.back(), "10.1.2.3");
  // One the operator put there (another subject, a short life) is served as it is.
  auto files = self_signed_files(dir.path());
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=foreign"
      " -days 5 -keyout " +
      files.key.string() + " -out " + files.cert.string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  s.domain = "gw.example.com";
  auto kept = select_certificate(s, dir.path());
  ASSERT_TRUE(kept.pair) << kept.error;
  EXPECT_FALSE(kept.generated);
  EXPECT_THAT(kept.pair->subject, HasSubstr("foreign"));
}

TEST(TlsCertificates, OurPairWithAnotherKeyIsMadeAnew) {
  // A write interrupted between the key and the certificate leaves ours apart.
  TempDir dir;
  ASSERT_TRUE(select_certificate(https_server(), dir.path()).pair);
  CertificateFiles other{dir.path() / "other.pem", dir.path() / "other.key", CertificateSource::self_signed};
  ASSERT_EQ(generate_self_signed(other, {"localhost"}), "");
  fs::rename(other.key, self_signed_files(dir.path()).key);
  auto remade = select_certificate(https_server(), dir.path());
  ASSERT_TRUE(remade.pair) << remade.error;
  EXPECT_TRUE(remade.generated);
  EXPECT_THAT(remade.notes.back(), HasSubstr("the key does not match"));
  // Someone else's certificate with a wrong key is an error, not replaced.
  auto files = self_signed_files(dir.path());
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=foreign"
      " -days 5 -keyout /dev/null -out " +
      files.cert.string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  auto refused = select_certificate(https_server(), dir.path());
  EXPECT_FALSE(refused.pair);
  EXPECT_FALSE(refused.generated);
  EXPECT_THAT(refused.error, HasSubstr("the key does not match"));
}

TEST(TlsCertificates, ConfiguredFilesWinAndAreRelativeToTheConfigDir) {
  TempDir dir;
  CertificateFiles mine{dir.path() / "tls" / "c.pem", dir.path() / "tls" / "k.pem", CertificateSource::configured};
  ASSERT_EQ(generate_self_signed(mine, {"mine.example"}), "");
  auto s = https_server();
  s.ssl_certfile = "tls/c.pem";
  s.ssl_keyfile = "tls/k.pem";
  s.domain = "gw.example.com";
  auto chosen = select_certificate(s, dir.path());
  ASSERT_TRUE(chosen.pair) << chosen.error;
  EXPECT_EQ(chosen.files.source, CertificateSource::configured);
  EXPECT_EQ(chosen.pair->names, std::vector<std::string>{"mine.example"});
  EXPECT_FALSE(fs::exists(dir.path() / "cert.pem"));  // nothing generated
  s.ssl_keyfile = "tls/missing.pem";
  auto broken = select_certificate(s, dir.path());
  EXPECT_FALSE(broken.pair);
  EXPECT_THAT(broken.error, HasSubstr("missing.pem"));
}

TEST(TlsCertificates, AcmeCertificateServedWhenPresentElseSelfSignedWithTheReason) {
  TempDir dir;
  auto s = https_server();
  s.domain = "gw.example.com";
  auto before = select_certificate(s, dir.path());
  ASSERT_TRUE(before.pair) << before.error;
  EXPECT_EQ(before.files.source, CertificateSource::self_signed);
  EXPECT_EQ(before.notes.front(), "no ACME certificate for gw.example.com yet: serving the self-signed one");
  auto acme = acme_files(dir.path());
  ASSERT_EQ(generate_self_signed(acme, {"gw.example.com"}), "");
  auto after = select_certificate(s, dir.path());
  ASSERT_TRUE(after.pair) << after.error;
  EXPECT_EQ(after.files.source, CertificateSource::acme);
  EXPECT_TRUE(after.notes.empty());
  write_text(acme.cert, "broken");
  auto broken = select_certificate(s, dir.path());
  ASSERT_TRUE(broken.pair) << broken.error;
  EXPECT_EQ(broken.files.source, CertificateSource::self_signed);
  EXPECT_THAT(broken.notes.front(), HasSubstr("the ACME certificate is not served ("));
  // Without a domain the ACME files are not looked at.
  auto plain = select_certificate(https_server(), dir.path());
  EXPECT_EQ(plain.files.source, CertificateSource::self_signed);
}

TEST(TlsCertificates, StampChangesWhenAFileIsReplaced) {
  TempDir dir;
  auto files = self_signed_files(dir.path());
  EXPECT_FALSE(stamp_of(files.cert).exists);
  ASSERT_EQ(generate_self_signed(files, {"localhost"}), "");
  const auto first = stamp_of(files.cert);
  EXPECT_TRUE(first.exists);
  ASSERT_EQ(generate_self_signed(files, {"localhost"}), "");  // renamed over: a new inode
  EXPECT_NE(stamp_of(files.cert), first);
}

}  // namespace
}  // namespace aisbf::ops
