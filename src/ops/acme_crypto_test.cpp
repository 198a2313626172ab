#include "ops/acme_crypto.hpp"

#include <memory>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace aisbf::acme {
namespace {

namespace json = boost::json;

// RFC 7515 appendix A.3: the ES256 example key.
constexpr std::string_view kX = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr std::string_view kY = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr std::string_view kD = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";

std::string decode(std::string_view text) {
  auto out = base64url_decode(text);
  EXPECT_TRUE(out.has_value()) << text;
  return out.value_or("");
}

// Verifies a raw r||s ES256 signature with OpenSSL (converted to DER).
bool verify_es256(EVP_PKEY* key, std::string_view input, std::string_view raw) {
  if (raw.size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG_set0(sig, BN_bin2bn(bytes, 32, nullptr), BN_bin2bn(bytes + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(md, der, static_cast<std::size_t>(der_len),
                                   reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  OPENSSL_free(der);
  return ok;
}

TEST(AcmeCrypto, Base64urlRoundTripsWithoutPadding) {
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
  for (std::string s : {"", "a", "ab", "abc", "abcd", "\x00\xff\x10"}) EXPECT_EQ(decode(base64url(s)), s);
  EXPECT_FALSE(base64url_decode("Zm9v=").has_value());
  EXPECT_FALSE(base64url_decode("Z").has_value());
  EXPECT_FALSE(base64url_decode("Zm+v").has_value());
}

TEST(AcmeCrypto, Rfc7638ThumbprintExample) {
  // RFC 7638 §3.1: the required members of the RFC 7517 A.1 RSA key, in order.
  const std::string canonical =
      R"({"e":"AQAB","kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"})";
  EXPECT_EQ(jwk_thumbprint(canonical), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(AcmeCrypto, JwkOfTheRfc7515Key) {
  auto key = EcKey::from_jwk(kX, kY, kD);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->jwk_json(), std::string(R"({"crv":"P-256","kty":"EC","x":")") + std::string(kX) + R"(","y":")" +
                                 std::string(kY) + R"("})");
  // The PEM round trip keeps the key.
  auto again = EcKey::from_pem(key->private_pem());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->jwk_json(), key->jwk_json());
  EXPECT_EQ(key_authorization("tok", *key), "tok." + jwk_thumbprint(key->jwk_json()));
}

TEST(AcmeCrypto, Es256SignatureIsRawRAndSVerifiedByOpenssl) {
  auto key = EcKey::from_jwk(kX, kY, kD);
  ASSERT_TRUE(key);
  // RFC 7515 A.3.1's signing input.
  const std::string input =
      "eyJhbGciOiJFUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
  auto sig = key->sign_es256(input);
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_TRUE(verify_es256(key->get(), input, *sig));
  EXPECT_FALSE(verify_es256(key->get(), input + "x", *sig));
  // The RFC's own signature (ECDSA is randomised: it verifies, it is not reproduced).
  const std::string rfc_sig =
      decode("DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q");
  EXPECT_TRUE(verify_es256(key->get(), input, rfc_sig));
}

TEST(AcmeCrypto, FlattenedJwsWithJwkThenKid) {
  auto key = EcKey::generate();
  ASSERT_TRUE(key);
  auto first = jws({&*key, {}}, "nonce-1", "https://ca.test/new-acct", R"({"termsOfServiceAgreed":true})");
  ASSERT_TRUE(first);
  json::object obj = json::parse(*first).as_object();
  ASSERT_EQ(obj.size(), 3u);
  const std::string protected64(obj.at("protected").as_string());
  const std::string payload64(obj.at("payload").as_string());
  json::object header = json::parse(decode(protected64)).as_object();
  EXPECT_EQ(header.at("alg"), "ES256");
  EXPECT_EQ(header.at("nonce"), "nonce-1");
  EXPECT_EQ(header.at("url"), "https://ca.test/new-acct");
  EXPECT_EQ(json::serialize(header.at("jwk")), key->jwk_json());
  EXPECT_FALSE(header.contains("kid"));
  EXPECT_EQ(decode(payload64), R"({"termsOfServiceAgreed":true})");
  EXPECT_TRUE(verify_es256(key->get(), protected64 + "." + payload64, decode(obj.at("signature").as_string())));

  // POST-as-GET: an empty payload, the account URL as kid.
  auto later = jws({&*key, "https://ca.test/acct/1"}, "n2", "https://ca.test/order/1", "");
  ASSERT_TRUE(later);
  obj = json::parse(*later).as_object();
  EXPECT_EQ(obj.at("payload"), "");
  header = json::parse(decode(obj.at("protected").as_string())).as_object();
  EXPECT_EQ(header.at("kid"), "https://ca.test/acct/1");
  EXPECT_FALSE(header.contains("jwk"));
}

TEST(AcmeCrypto, PemKeysOtherThanP256AreRefused) {
  EVP_PKEY* rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, rsa, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(rsa);
  EXPECT_FALSE(EcKey::from_pem(pem));
  EXPECT_FALSE(EcKey::from_pem("not a key"));
}

// A self-signed certificate for `domain`, valid `days`, as PEM (the test's CA stand-in).
std::string self_signed(const EcKey& key, const std::string& domain, long days) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), days * 86400);
  X509_set_pubkey(cert, key.get());
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(domain.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  const std::string san = "DNS:" + domain;
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  X509_sign(cert, key.get(), EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  X509_free(cert);
  return pem;
}

TEST(AcmeCrypto, CsrNamesTheDomainAndIsSignedByTheKey) {
  auto key = EcKey::generate();
  ASSERT_TRUE(key);
  auto csr64 = csr_for("gw.example.test", *key);
  ASSERT_TRUE(csr64);
  const std::string der = decode(*csr64);
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  X509_REQ* req = d2i_X509_REQ(nullptr, &cursor, static_cast<long>(der.size()));
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(X509_REQ_verify(req, key->get()), 1);
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req);
  ASSERT_NE(exts, nullptr);
  bool found = false;
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) != NID_subject_alt_name) continue;
    auto* names = static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext));
    ASSERT_EQ(sk_GENERAL_NAME_num(names), 1);
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, 0);
    ASSERT_EQ(name->type, GEN_DNS);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName))), "gw.example.test");
    GENERAL_NAMES_free(names);
    found = true;
  }
  EXPECT_TRUE(found);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  X509_REQ_free(req);
}

TEST(AcmeCrypto, RenewalReasons) {
  auto key = EcKey::generate();
  auto other = EcKey::generate();
  ASSERT_TRUE(key && other);
  const auto now = std::chrono::system_clock::now();
  const std::string key_pem = key->private_pem();
  const std::string fresh = self_signed(*key, "gw.example.test", 90);
  EXPECT_EQ(renewal_reason(fresh, key_pem, "gw.example.test", now), "");
  EXPECT_EQ(renewal_reason("", key_pem, "gw.example.test", now), "no certificate yet");
  EXPECT_EQ(renewal_reason(fresh, "", "gw.example.test", now), "no certificate yet");
  EXPECT_EQ(renewal_reason(fresh, key_pem, "other.example.test", now),
            "the certificate does not name other.example.test");
  EXPECT_EQ(renewal_reason(fresh, other->private_pem(), "gw.example.test", now),
            "the key file does not match the certificate");
  // Relative to the certificate's own notAfter (whole seconds, stamped while
  // it was made), not to a clock read before: 20 days less one second left.
  const std::string short_lived = self_signed(*key, "gw.example.test", 20);
  auto short_info = read_certificate(short_lived, "gw.example.test");
  ASSERT_TRUE(short_info);
  const auto near_end = short_info->not_after - std::chrono::hours(24 * 20) + std::chrono::seconds(1);
  EXPECT_EQ(renewal_reason(short_lived, key_pem, "gw.example.test", near_end), "the certificate expires in 19 days");
  const auto thirty_days_before = short_info->not_after - std::chrono::hours(24 * 30);
  EXPECT_EQ(renewal_reason(short_lived, key_pem, "gw.example.test", thirty_days_before), "");
  EXPECT_EQ(renewal_reason(short_lived, key_pem, "gw.example.test", thirty_days_before + std::chrono::seconds(1)),
            "the certificate expires in 29 days");
  EXPECT_NE(renewal_reason(fresh, key_pem, "gw.example.test", now + std::chrono::hours(24 * 61)), "");
  EXPECT_TRUE(renewal_reason("garbage", key_pem, "gw.example.test", now).starts_with("the certificate file is"));
  auto info = read_certificate(fresh, "gw.example.test");
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->names_domain);
  EXPECT_TRUE(key_matches_certificate(key_pem, fresh));
}

}  // namespace
}  // namespace aisbf::acme
