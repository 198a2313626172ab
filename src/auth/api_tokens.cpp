#include "auth/api_tokens.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>

#include "auth/sodium_init.hpp"

namespace aisbf::auth {

namespace {

constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::size_t kTokenDigits = 43;  // 62^43 > 2^256: every 256-bit number fits

bool is_base62(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// The 32 bytes as one big-endian 256-bit number in base 62, left-padded with
// '0' to 43 digits. A bijection of the number, so no digit is biased the way
// `byte % 62` would bias it; only the first digit is bounded (< 61).
std::string base62_256(const std::array<unsigned char, 32>& bytes) {
  std::array<std::uint32_t, 8> limbs{};  // most significant first
  for (std::size_t i = 0; i < 32; ++i) limbs[i / 4] = (limbs[i / 4] << 8) | bytes[i];
  std::string out(kTokenDigits, '0');
  for (std::size_t d = kTokenDigits; d-- > 0;) {
    std::uint64_t rem = 0;
    for (auto& limb : limbs) {
      const std::uint64_t cur = (rem << 32) | limb;
      limb = static_cast<std::uint32_t>(cur / 62);
      rem = cur % 62;
    }
    out[d] = kBase62[rem];
  }
  return out;
}

}  // namespace

NewApiToken generate_api_token() {
  ensure_sodium();
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  NewApiToken out;
  out.token = std::string(kUserTokenPrefix) + base62_256(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  out.hash = sha256_hex(out.token);
  return out;
}

bool looks_like_user_token(std::string_view token) {
  if (token.size() != kUserTokenPrefix.size() + kTokenDigits || !token.starts_with(kUserTokenPrefix)) return false;
  for (char c : token.substr(kUserTokenPrefix.size())) {
    if (!is_base62(c)) return false;
  }
  return true;
}

std::string sha256_hex(std::string_view data) {
  ensure_sodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex, crypto_hash_sha256_BYTES * 2);
}

std::string random_hex(std::size_t bytes) {
  ensure_sodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  hex.pop_back();
  sodium_memzero(raw.data(), raw.size());
  return hex;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  const auto* pb = reinterpret_cast<const unsigned char*>(b.data());
  if (a.size() != b.size()) {
    // The same work over `b` as a real compare, so the time tells only that
    // the lengths differ, nothing of b's contents.
    (void)equal_bytes_ct(pb, pb, b.size());
    return false;
  }
  return equal_bytes_ct(reinterpret_cast<const unsigned char*>(a.data()), pb, b.size());
}

}  // namespace aisbf::auth
