// The cryptography of ACME (RFC 8555) on OpenSSL, without I/O: EC P-256
// keys as PEM, their JWK and RFC 7638 thumbprint, JWS ES256 in the
// flattened JSON serialization, the CSR of a certificate order, and reading
// a certificate's expiry and whether a key matches it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/expected.hpp"

struct evp_pkey_st;

namespace aisbf::acme {

// base64url without padding (RFC 7515 §2), and back (nullopt on a
// character outside the alphabet or a bad length).
std::string base64url(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

// An EC P-256 private key (the account's, or a certificate's).
class EcKey {
 public:
  // A fresh key (OpenSSL's random generator).
  static Expected<EcKey> generate();
  // A PEM private key (PKCS#8 or SEC1); an error unless it is EC P-256.
  static Expected<EcKey> from_pem(std::string_view pem);
  // From the JWK members (base64url): the tests' RFC 7515 A.3 key.
  static Expected<EcKey> from_jwk(std::string_view x, std::string_view y, std::string_view d);

  // PKCS#8 PEM of the private key.
  std::string private_pem() const;
  // {"crv":"P-256","kty":"EC","x":…,"y":…}: the public JWK with its
  // required members in lexicographic order, as RFC 7638 hashes it.
  std::string jwk_json() const;
  // The raw r||s signature (64 bytes) of SHA-256(input), as JWS ES256 wants
  // (not the DER that OpenSSL produces).
  Expected<std::string> sign_es256(std::string_view input) const;

  evp_pkey_st* get() const { return key_.get(); }

 private:
  struct Free {
    void operator()(evp_pkey_st* key) const;
  };
  std::unique_ptr<evp_pkey_st, Free> key_;
};

// RFC 7638: base64url(SHA-256(the JWK's required members, sorted, no spaces)).
std::string jwk_thumbprint(std::string_view canonical_jwk_json);

// The key authorization of an http-01 challenge: token "." thumbprint.
std::string key_authorization(std::string_view token, const EcKey& account_key);

// The JWS protected header's key: the account's JWK (newAccount) or its
// URL (every later request).
struct JwsKey {
  const EcKey* key = nullptr;
  std::string_view kid;  // empty: send the JWK
};

// The flattened JWS JSON of `payload` (empty: a POST-as-GET, whose payload
// is the empty string) for `url` with `nonce`.
Expected<std::string> jws(const JwsKey& signer, std::string_view nonce, std::string_view url, std::string_view payload);

// A certificate signing request for `domain` (CN and the only
// subjectAltName), signed with `key`, as base64url DER (the finalize
// payload's `csr`).
Expected<std::string> csr_for(std::string_view domain, const EcKey& key);

// What aisbf needs to know of a PEM certificate (the first of a chain).
struct CertInfo {
  std::chrono::system_clock::time_point not_after;
  bool names_domain = false;  // its subjectAltName lists the domain asked about
};
Expected<CertInfo> read_certificate(std::string_view pem, std::string_view domain);

// Whether the private key `key_pem` belongs to the first certificate of `cert_pem`.
bool key_matches_certificate(std::string_view key_pem, std::string_view cert_pem);

// A certificate is renewed when it has less than this left.
inline constexpr std::chrono::hours kRenewBefore{24 * 30};

// Why a certificate must be ordered for `domain` now, given the files on
// disk (empty strings: missing); empty when they still serve: a
// certificate naming the domain, with more than kRenewBefore left, whose
// key is the key file's.
std::string renewal_reason(std::string_view cert_pem, std::string_view key_pem, std::string_view domain,
                           std::chrono::system_clock::time_point now);

}  // namespace aisbf::acme
