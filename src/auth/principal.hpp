// Principal: who is calling, as far as the gateway knows from the request's
// credentials. Produced by auth/ (authenticate() in token_auth.hpp), carried
// on the request context; handlers and route policies ask it, never the raw
// Authorization header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace aisbf::limits {
struct QuotaSpec;
}

namespace aisbf::auth {

enum class PrincipalKind : std::uint8_t {
  anonymous,     // no credential (auth off, or a public route)
  global_token,  // one of aisbf.json's auth.tokens: the operator
  user_token,    // a user's API token (the user store, to come)
  session,       // a dashboard session cookie (to come)
};

enum class Role : std::uint8_t { none, user, admin };

struct Principal {
  PrincipalKind kind = PrincipalKind::anonymous;
  Role role = Role::none;
  std::string user_id;   // empty for anonymous and global tokens
  std::string token_id;  // which credential matched, e.g. "auth.tokens[0]"; never the secret itself
  // The user's and (for a user token) the token's own quotas, as the account
  // index held them when the credential was checked: parsed once when the
  // entry was stored, shared, never changed. nullptr: none, so a request
  // without quotas costs a pointer test (pipeline/quota_gate.hpp).
  std::shared_ptr<const limits::QuotaSpec> user_quotas, token_quotas;
  // A session whose user must change a password they did not choose
  // (store::User::must_change_password): admission lets it call only
  // /api/auth/me, /api/auth/logout and /api/user/password. Never set for
  // a token: API tokens are not affected.
  bool password_change_required = false;

  bool authenticated() const { return kind != PrincipalKind::anonymous; }
  // The user whose view of the configuration model ids resolve in; empty:
  // the global namespace (the files in the config directory).
  std::string_view config_namespace() const {
    return kind == PrincipalKind::user_token || kind == PrincipalKind::session ? std::string_view(user_id)
                                                                               : std::string_view{};
  }
};

}  // namespace aisbf::auth
