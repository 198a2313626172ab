// Users' API tokens: "aisbf_" + 43 base62 characters (256 random bits),
// shown once, stored as SHA-256 (hex). Also the random ids and hashes that
// sessions and CSRF tokens use.
#pragma once

#include <string>
#include <string_view>

namespace aisbf::auth {

inline constexpr std::string_view kUserTokenPrefix = "aisbf_";

struct NewApiToken {
  std::string token;  // returned once to its owner, never stored
  std::string hash;   // sha256_hex(token): what the store keeps
};
NewApiToken generate_api_token();

// The shape of a user token: the prefix and 43 base62 characters.
bool looks_like_user_token(std::string_view token);
// Only its prefix and length: what the request path tests before asking the
// index, which knows every token it made (looks_like_user_token checks the
// digits of the ones it does not know).
inline bool has_user_token_shape(std::string_view token) {
  return token.size() == kUserTokenPrefix.size() + 43 && token.starts_with(kUserTokenPrefix);
}

std::string sha256_hex(std::string_view data);  // lowercase hex

// `bytes` random bytes as lowercase hex (ids, session cookies, CSRF tokens).
std::string random_hex(std::size_t bytes);

// Constant time in the length of `b` (the secret).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace aisbf::auth
