// The credentials a request carries, turned into a principal: aisbf.json's
// global tokens (token_auth.hpp), users' API tokens and dashboard session
// cookies (the AccountIndex). Read whenever sent, even with auth off (a
// user's own routes need to know the user). Pure: no I/O; a credential the
// index does not know is reported `pending`, for the handler to ask the
// store off the event loop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/principal.hpp"
#include "auth/token_auth.hpp"
#include "config/config.hpp"
#include "store/store.hpp"

namespace aisbf::auth {

class AccountIndex;

inline constexpr std::string_view kSessionCookie = "aisbf_session";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";

enum class Pending : std::uint8_t {
  none,
  user_token,  // a well-formed user token the index does not hold
  session,     // a well-formed session cookie the index does not hold
};

struct RequestAuth {
  Principal principal;
  Credential credential = Credential::absent;
  int token_index = -1;     // auth.tokens index for a global token
  Pending pending = Pending::none;
  std::string csrf_token;   // the session's, for a session principal
};

// Authorization (or x-api-key on Anthropic routes): a global token (auth on
// only, as before), else a user token. Leaves `out` untouched when none is sent.
void authenticate_bearer(const AuthConfig& auth, const Credentials& credentials, AccountIndex* accounts,
                         store::UnixMs now, RequestAuth& out);
// The `aisbf_session` cookie of a Cookie header, when no bearer credential came.
void authenticate_cookie(std::string_view cookie_header, AccountIndex* accounts, store::UnixMs now, RequestAuth& out);

// The value of cookie `name` in a Cookie header, or empty.
std::string_view cookie_value(std::string_view cookie_header, std::string_view name);
// A session cookie's shape: 64 lowercase hex characters (32 random bytes).
bool looks_like_session_cookie(std::string_view value);

// POST, PUT, PATCH, DELETE: a cookie-authenticated one needs X-CSRF-Token.
bool is_state_changing_method(std::string_view method);
// Constant time in the expected token's length; an empty expectation never matches.
bool csrf_matches(std::string_view expected, std::string_view sent);

store::UnixMs unix_now_ms();

}  // namespace aisbf::auth
