// JSON of the account routes (login, users, API tokens): the answers, and
// the bodies read from clients, each checked field by field (400 names the
// field). Passwords, token hashes and session ids never appear in an answer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.hpp"
#include "core/expected.hpp"
#include "store/store.hpp"

namespace aisbf::api {

// --- answers
// {"username","role","active","allow_private_endpoints","quotas","created","last_login","must_change_password"}
// (times in unix seconds, null for never).
std::string user_json(const store::User& user);
std::string users_list_json(const std::vector<store::User>& users);  // {"object":"list","data":[…]}
// {"id","description","quotas","created","last_used","expires","active"}
std::string tokens_list_json(const std::vector<store::ApiToken>& tokens);
// The same fields and, once, "token": the secret itself.
std::string created_token_json(const store::ApiToken& token, std::string_view secret);
// {"csrf_token","user":{"username","role","must_change_password"}}
std::string login_json(std::string_view csrf_token, const store::User& user);
// {"kind","user"?,"role","must_change_password","csrf_token"?}: a session's
// CSRF token (not empty), so that a reloaded dashboard can write again; only
// the session's own page can read it (no CORS, SameSite=Strict).
std::string me_json(const auth::Principal& principal, std::string_view csrf_token = {});
const char* role_name(store::UserRole role);

// --- bodies
struct LoginBody {
  std::string username, password;
};
Expected<LoginBody> parse_login(std::string_view body);

struct NewUserBody {
  store::User user;      // username, role, active, allow_private_endpoints, quotas_json
  std::string password;  // checked by auth::acceptable_password
};
Expected<NewUserBody> parse_new_user(std::string_view body);

struct UserPatch {
  std::optional<store::UserRole> role;
  std::optional<bool> active, allow_private_endpoints;
  std::optional<std::string> password, quotas_json;
};
Expected<UserPatch> parse_user_patch(std::string_view body);

struct NewTokenBody {
  std::string description;     // up to 200 bytes
  store::UnixMs expires_ms = 0;  // 0: never; from "expires_at" (unix seconds) or "expires_in" (seconds from now)
  std::optional<std::string> quotas_json;  // "quotas": the user's fields, checked the same way
};
Expected<NewTokenBody> parse_new_token(std::string_view body, store::UnixMs now);

struct PasswordChange {
  std::string current_password, new_password;
};
Expected<PasswordChange> parse_password_change(std::string_view body);

}  // namespace aisbf::api
