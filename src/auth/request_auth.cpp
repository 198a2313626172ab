#include "auth/request_auth.hpp"

#include <chrono>

#include "auth/account_index.hpp"
#include "auth/api_tokens.hpp"

namespace aisbf::auth {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `token` has a user token's prefix and length. Its digits are checked only
// when the index does not know it (a known token is one the gateway made):
// the check is ~600 instructions, a tenth of what a user token costs over a
// global one on every request.
void apply_user_token(AccountIndex& accounts, std::string_view token, Credential global, store::UnixMs now,
                      RequestAuth& out) {
  switch (accounts.find_token(token, now, out.principal)) {
    case Lookup::found: out.credential = Credential::accepted; return;
    case Lookup::refused: out.credential = Credential::rejected; return;
    case Lookup::unknown:
      // Not well-formed: no store holds it, and with auth off it is not looked at (as before).
      if (!looks_like_user_token(token)) {
        out.credential = global;
        return;
      }
      out.pending = Pending::user_token;
      return;
  }
}

}  // namespace

void authenticate_bearer(const AuthConfig& auth, const Credentials& credentials, AccountIndex* accounts,
                         store::UnixMs now, RequestAuth& out) {
  auto global = authenticate(auth, credentials);
  if (global.credential == Credential::accepted) {
    out.principal = std::move(global.principal);
    out.credential = Credential::accepted;
    out.token_index = global.token_index;
    return;
  }
  auto token = bearer_token(credentials.authorization);
  if (token.empty()) token = credentials.api_key;
  if (token.empty()) return;
  if (accounts != nullptr && has_user_token_shape(token))
    return apply_user_token(*accounts, token, global.credential, now, out);
  // With auth off an unknown token is not looked at (as before): the caller is anonymous.
  out.credential = global.credential;
}

void authenticate_cookie(std::string_view cookie_header, AccountIndex* accounts, store::UnixMs now, RequestAuth& out) {
  if (cookie_header.empty() || accounts == nullptr) return;
  const auto value = cookie_value(cookie_header, kSessionCookie);
  if (value.empty()) return;
  if (!looks_like_session_cookie(value)) {
    out.credential = Credential::rejected;
    return;
  }
  auto [lookup, grant] = accounts->find_session(value, now);
  switch (lookup) {
    case Lookup::found:
      out.credential = Credential::accepted;
      out.principal = std::move(grant->principal);
      out.csrf_token = std::move(grant->csrf_token);
      return;
    case Lookup::refused: out.credential = Credential::rejected; return;
    case Lookup::unknown: out.pending = Pending::session; return;
  }
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto end = header.find(';');
    auto pair = trim(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name) continue;
    auto value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return {};
}

bool looks_like_session_cookie(std::string_view value) {
  if (value.size() != 64) return false;
  for (char c : value) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_state_changing_method(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

bool csrf_matches(std::string_view expected, std::string_view sent) {
  return !expected.empty() && constant_time_equal(sent, expected);
}

store::UnixMs unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace aisbf::auth
