// SHA-256 for keys computed on the request path (the response cache's key):
// OpenSSL's implementation, which uses the CPU's SHA instructions where it
// has them (about a tenth of the instructions of libsodium's portable code
// for a request-sized input). libsodium's serves if OpenSSL cannot.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include <sodium.h>

struct evp_md_ctx_st;

namespace aisbf {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // The digest; the hasher is spent afterwards.
  std::array<unsigned char, 32> digest();
  // The digest as 64 lowercase hex digits.
  std::string hex();

  // The hex digest of `bytes` at once, on a context the thread keeps (the
  // request path's one-shot keys).
  static std::string hex_of(std::string_view bytes);

 private:
  evp_md_ctx_st* ctx_ = nullptr;  // null: libsodium's state below
  crypto_hash_sha256_state fallback_{};
};

}  // namespace aisbf
