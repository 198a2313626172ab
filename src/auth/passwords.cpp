#include "auth/passwords.hpp"

#include <sodium.h>

#include "auth/api_tokens.hpp"
#include "auth/sodium_init.hpp"

namespace aisbf::auth {

namespace {

constexpr std::string_view kSha256Prefix = "sha256:";
constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// AISBF's dashboard.password: "sha256:<64 hex>", any case of hex digits.
PasswordCheck verify_sha256(std::string_view hex, std::string_view password) {
  if (hex.size() != 64) return PasswordCheck::wrong;
  std::string expected(hex);
  for (char& c : expected) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return PasswordCheck::wrong;
  }
  const std::string actual = sha256_hex(password);
  return constant_time_equal(actual, expected) ? PasswordCheck::ok_rehash : PasswordCheck::wrong;
}

}  // namespace

bool valid_username(std::string_view name) {
  if (name.empty() || name.size() > 63 || !is_lower_alnum(name.front())) return false;
  for (char c : name) {
    if (!is_lower_alnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

bool acceptable_password(std::string_view password) { return password.size() >= 8 && password.size() <= 1024; }

std::string hash_password(std::string_view password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return {};  // out of memory: the caller refuses the change
  }
  return std::string(out);
}

PasswordCheck verify_password(std::string_view stored, std::string_view password) {
  ensure_sodium();
  if (stored.starts_with(kSha256Prefix)) return verify_sha256(stored.substr(kSha256Prefix.size()), password);
  if (stored.empty() || stored.size() >= crypto_pwhash_STRBYTES) return PasswordCheck::wrong;
  const std::string hash(stored);  // libsodium wants it NUL-terminated
  if (crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) != 0) return PasswordCheck::wrong;
  // 1: weaker limits than today's; -1: another algorithm (argon2i). Both: rehash.
  const int weaker = crypto_pwhash_str_needs_rehash(hash.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                                    crypto_pwhash_MEMLIMIT_INTERACTIVE);
  return weaker == 0 ? PasswordCheck::ok : PasswordCheck::ok_rehash;
}

std::string random_password() {
  ensure_sodium();
  std::string out(20, '0');
  for (char& c : out) c = kBase62[randombytes_uniform(static_cast<std::uint32_t>(kBase62.size()))];
  return out;
}

}  // namespace aisbf::auth
