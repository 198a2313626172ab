// Gateway tokens from aisbf.json `auth`: who may use the gateway at all, and
// the principal a request's credentials name.
#pragma once

#include <string_view>

#include "auth/principal.hpp"
#include "config/config.hpp"

namespace aisbf::auth {

// The token of an `Authorization: Bearer <token>` header, or empty.
std::string_view bearer_token(std::string_view authorization_header);

// True when `token` is one of the configured tokens. Compares in constant
// time per candidate so a timing side channel cannot reveal a prefix.
bool token_is_valid(const AuthConfig& auth, std::string_view token);

enum class Credential : std::uint8_t {
  absent,    // none sent (or auth is off: nothing is looked at)
  accepted,  // the principal is the one it names
  rejected,  // sent but unknown: the caller stays anonymous
};

struct Authentication {
  Principal principal;
  Credential credential = Credential::absent;
  int token_index = -1;  // which of auth.tokens matched (a global token principal)
};

// The request's credentials as its headers carry them. `api_key` is the
// `x-api-key` header where the route's clients speak Anthropic (their SDKs
// send the key there), empty elsewhere; Authorization wins when both come.
struct Credentials {
  std::string_view authorization;
  std::string_view api_key;
};

// The principal of aisbf.json's auth.tokens[index]: the operator.
Principal global_token_principal(std::size_t index);

// With auth off every caller is anonymous (and nothing is compared).
Authentication authenticate(const AuthConfig& auth, const Credentials& credentials);

}  // namespace aisbf::auth
