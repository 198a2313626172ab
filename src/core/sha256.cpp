#include "core/sha256.hpp"

#include <memory>

#include <openssl/evp.h>

namespace aisbf {

namespace {

// Fetched once: an implicit fetch per digest would look the algorithm up
// in the provider every time.
const EVP_MD* openssl_sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

std::string to_hex(const std::array<unsigned char, 32>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

struct ContextFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

Sha256::Sha256() {
  if (const EVP_MD* md = openssl_sha256(); md != nullptr) {
    ctx_ = EVP_MD_CTX_new();
    if (ctx_ != nullptr && EVP_DigestInit_ex2(ctx_, md, nullptr) != 1) {
      EVP_MD_CTX_free(ctx_);
      ctx_ = nullptr;
    }
  }
  if (ctx_ == nullptr) crypto_hash_sha256_init(&fallback_);
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::update(std::string_view bytes) {
  if (ctx_ != nullptr) {
    // Cannot fail with an initialised context and an in-memory digest.
    EVP_DigestUpdate(ctx_, bytes.data(), bytes.size());
  } else {
    crypto_hash_sha256_update(&fallback_, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  }
}

std::array<unsigned char, 32> Sha256::digest() {
  std::array<unsigned char, 32> out{};
  if (ctx_ != nullptr) {
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx_, out.data(), &length);
  } else {
    crypto_hash_sha256_final(&fallback_, out.data());
  }
  return out;
}

std::string Sha256::hex() { return to_hex(digest()); }

std::string Sha256::hex_of(std::string_view bytes) {
  // A context the thread keeps: made once (init resets it for the next
  // digest). OpenSSL's one-shot SHA256() costs more instructions here.
  thread_local const std::unique_ptr<EVP_MD_CTX, ContextFree> kept(EVP_MD_CTX_new());
  std::array<unsigned char, 32> out{};
  unsigned int length = 0;
  const EVP_MD* md = openssl_sha256();
  if (md != nullptr && kept != nullptr && EVP_DigestInit_ex2(kept.get(), md, nullptr) == 1 &&
      EVP_DigestUpdate(kept.get(), bytes.data(), bytes.size()) == 1 &&
      EVP_DigestFinal_ex(kept.get(), out.data(), &length) == 1) {
    return to_hex(out);
  }
  Sha256 fallback;
  fallback.update(bytes);
  return fallback.hex();
}

}  // namespace aisbf
