// Gateway tokens from aisbf.json `auth`: who may use the gateway at all.
#pragma once

#include <string_view>

#include "config/config.hpp"

namespace aisbf::auth {

// The token of an `Authorization: Bearer <token>` header, or empty.
std::string_view bearer_token(std::string_view authorization_header);

// True when `token` is one of the configured tokens. Compares in constant
// time per candidate so a timing side channel cannot reveal a prefix.
bool token_is_valid(const AuthConfig& auth, std::string_view token);

}  // namespace aisbf::auth
