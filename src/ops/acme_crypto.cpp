#include "ops/acme_crypto.hpp"

#include <array>
#include <cstring>
#include <ctime>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include "core/sha256.hpp"

namespace aisbf::acme {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kCoordinateBytes = 32;  // P-256

GatewayError crypto_error(std::string what) { return make_error(ErrorKind::internal, std::move(what)); }

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using X509Req = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using ParamBuild = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;

Bio memory_bio(std::string_view text) { return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))); }

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

bool is_p256(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  std::array<char, 64> group{};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &len) != 1) {
    return false;
  }
  return std::string_view(group.data(), len) == "prime256v1";
}

std::string coordinate(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return {};
  Bignum bn(raw);
  std::string out(kCoordinateBytes, '\0');
  BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
  return out;
}

std::string json_string(std::string_view text) { return boost::json::serialize(boost::json::string(text)); }

}  // namespace

std::string base64url(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const unsigned v = p[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    const char* at = std::strchr(kAlphabet, c);
    if (c == '\0' || at == nullptr) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(at - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

void EcKey::Free::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

Expected<EcKey> EcKey::generate() {
  EcKey out;
  out.key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!out.key_) return crypto_error("cannot generate an EC P-256 key");
  return out;
}

Expected<EcKey> EcKey::from_pem(std::string_view pem) {
  Bio bio = memory_bio(pem);
  EcKey out;
  out.key_.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!out.key_) return crypto_error("not a PEM private key");
  if (!is_p256(out.key_.get())) return crypto_error("not an EC P-256 key");
  return out;
}

Expected<EcKey> EcKey::from_jwk(std::string_view x, std::string_view y, std::string_view d) {
  auto xb = base64url_decode(x), yb = base64url_decode(y), db = base64url_decode(d);
  if (!xb || !yb || !db || xb->size() != kCoordinateBytes || yb->size() != kCoordinateBytes) {
    return crypto_error("bad JWK coordinates");
  }
  std::string point = "\x04" + *xb + *yb;  // uncompressed
  Bignum priv(BN_bin2bn(reinterpret_cast<const unsigned char*>(db->data()), static_cast<int>(db->size()), nullptr));
  ParamBuild build(OSSL_PARAM_BLD_new());
  if (!priv || !build) return crypto_error("out of memory");
  OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get());
  Params params(OSSL_PARAM_BLD_to_param(build.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    return crypto_error("cannot build the key from its JWK");
  }
  EcKey out;
  out.key_.reset(raw);
  return out;
}

std::string EcKey::private_pem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) return {};
  return bio_text(bio.get());
}

std::string EcKey::jwk_json() const {
  return R"({"crv":"P-256","kty":"EC","x":")" + base64url(coordinate(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X)) +
         R"(","y":")" + base64url(coordinate(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y)) + R"("})";
}

Expected<std::string> EcKey::sign_es256(std::string_view input) const {
  MdCtx md(EVP_MD_CTX_new());
  std::size_t der_len = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &der_len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) !=
          1) {
    return crypto_error("cannot sign");
  }
  std::string der(der_len, '\0');
  auto* der_bytes = reinterpret_cast<unsigned char*>(der.data());
  if (EVP_DigestSign(md.get(), der_bytes, &der_len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return crypto_error("cannot sign");
  }
  const unsigned char* cursor = der_bytes;
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der_len)));
  if (!sig) return crypto_error("cannot read the signature");
  std::string raw(2 * kCoordinateBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, kCoordinateBytes);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + kCoordinateBytes, kCoordinateBytes);
  return raw;
}

std::string jwk_thumbprint(std::string_view canonical_jwk_json) {
  Sha256 hash;
  hash.update(canonical_jwk_json);
  const auto digest = hash.digest();
  return base64url(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string key_authorization(std::string_view token, const EcKey& account_key) {
  return std::string(token) + "." + jwk_thumbprint(account_key.jwk_json());
}

Expected<std::string> jws(const JwsKey& signer, std::string_view nonce, std::string_view url,
                          std::string_view payload) {
  std::string header = R"({"alg":"ES256",)";
  if (signer.kid.empty()) {
    header += R"("jwk":)" + signer.key->jwk_json();
  } else {
    header += R"("kid":)" + json_string(signer.kid);
  }
  header += R"(,"nonce":)" + json_string(nonce) + R"(,"url":)" + json_string(url) + "}";
  const std::string protected64 = base64url(header);
  const std::string payload64 = base64url(payload);
  auto signature = signer.key->sign_es256(protected64 + "." + payload64);
  if (!signature) return signature.error();
  return R"({"protected":")" + protected64 + R"(","payload":")" + payload64 + R"(","signature":")" +
         base64url(*signature) + R"("})";
}

Expected<std::string> csr_for(std::string_view domain, const EcKey& key) {
  X509Req req(X509_REQ_new());
  if (!req) return crypto_error("out of memory");
  const std::string name(domain);
  X509_NAME* subject = X509_REQ_get_subject_name(req.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1,
                             0);
  STACK_OF(X509_EXTENSION)* extensions = sk_X509_EXTENSION_new_null();
  const std::string san = "DNS:" + name;
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
  bool ok = ext != nullptr && extensions != nullptr && sk_X509_EXTENSION_push(extensions, ext) > 0;
  if (!ok && ext != nullptr) X509_EXTENSION_free(ext);
  ok = ok && X509_REQ_set_version(req.get(), 0) == 1 && X509_REQ_add_extensions(req.get(), extensions) == 1 &&
       X509_REQ_set_pubkey(req.get(), key.get()) == 1 && X509_REQ_sign(req.get(), key.get(), EVP_sha256()) > 0;
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  if (!ok) return crypto_error("cannot make the certificate request");
  const int len = i2d_X509_REQ(req.get(), nullptr);
  if (len <= 0) return crypto_error("cannot encode the certificate request");
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* cursor = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509_REQ(req.get(), &cursor);
  return base64url(der);
}

Expected<CertInfo> read_certificate(std::string_view pem, std::string_view domain) {
  Bio bio = memory_bio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return crypto_error("not a PEM certificate");
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) return crypto_error("unreadable notAfter");
  CertInfo info;
  info.not_after = std::chrono::system_clock::from_time_t(timegm(&tm));
  const std::string name(domain);
  info.names_domain = !name.empty() && X509_check_host(cert.get(), name.c_str(), name.size(),
                                                       X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr) == 1;
  return info;
}

bool key_matches_certificate(std::string_view key_pem, std::string_view cert_pem) {
  auto key = EcKey::from_pem(key_pem);
  Bio bio = memory_bio(cert_pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  return key && cert && X509_check_private_key(cert.get(), key->get()) == 1;
}

std::string renewal_reason(std::string_view cert_pem, std::string_view key_pem, std::string_view domain,
                           std::chrono::system_clock::time_point now) {
  if (cert_pem.empty() || key_pem.empty()) return "no certificate yet";
  auto info = read_certificate(cert_pem, domain);
  if (!info) return "the certificate file is unreadable (" + info.error().message + ")";
  if (!info->names_domain) return "the certificate does not name " + std::string(domain);
  if (!key_matches_certificate(key_pem, cert_pem)) return "the key file does not match the certificate";
  const auto left = std::chrono::duration_cast<std::chrono::hours>(info->not_after - now);
  if (left < kRenewBefore) return fmt::format("the certificate expires in {} days", left.count() / 24);
  return {};
}

}  // namespace aisbf::acme
