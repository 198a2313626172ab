// Passwords and user names: argon2id hashes (libsodium crypto_pwhash_str),
// AISBF's sha256 dashboard password accepted once, names validated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aisbf::auth {

// [a-z0-9][a-z0-9_.-]{0,62}
bool valid_username(std::string_view name);

// Refuses (returns false) passwords shorter than 8 or longer than 1024 bytes.
bool acceptable_password(std::string_view password);

// argon2id at libsodium's "interactive" limits. Blocking (~50 ms): DB pool
// or start-up threads only, never an event loop. Empty when libsodium
// cannot get the memory it needs: the caller refuses the change.
std::string hash_password(std::string_view password);

enum class PasswordCheck : std::uint8_t {
  wrong,
  ok,
  ok_rehash,  // right, but stored in a weaker form (AISBF's "sha256:<hex>", old argon2 limits): store hash_password() now
};
// `stored`: a crypto_pwhash_str string, or "sha256:<64 hex>" (AISBF's
// dashboard.password, imported once). Constant time in the password.
PasswordCheck verify_password(std::string_view stored, std::string_view password);

// 20 base62 characters (~119 bits), for the first admin.
std::string random_password();

}  // namespace aisbf::auth
