// /api/admin/users and /api/admin/users/{username}: the admin's view of users.
#include <fmt/format.h>

#include "api/accounts_json.hpp"
#include "auth/passwords.hpp"
#include "auth/request_auth.hpp"
#include "pipeline/account_reply.hpp"
#include "pipeline/accounts.hpp"
#include "pipeline/app.hpp"
#include "pipeline/routes_accounts.hpp"

namespace aisbf {

namespace {

using boost::asio::awaitable;

// A user after a write, or the error to answer.
using UserOutcome = Expected<store::User>;

// The store refuses (conflict) a change that would leave no active admin;
// it checks and writes in one transaction, so two concurrent requests
// cannot each remove a different admin.
GatewayError user_write_error(const store::StoreError& error, std::string_view username) {
  using Kind = store::StoreError::Kind;
  if (error.kind == Kind::conflict)
    return conflict_error("this is the last active admin: make another user an active admin first");
  if (error.kind == Kind::not_found) return no_such_user(username);
  return from_store_error(error, "user");
}

// An admin signed in as themselves (a session or their own token) may not
// delete, deactivate or demote their own account: one click would lock
// them out; another admin can. Their own password they may set. A global
// token is nobody's account. nullopt: allowed. `param` names the field.
//
// `target` is the stored row's username, not the path's: a database whose
// collation ignores trailing spaces (MySQL's utf8mb4_bin) finds "olga" for
// "olga ", which must not pass for another account. (The handlers also
// refuse a path name that is no valid username, before any lookup.)
std::optional<GatewayError> own_account_refusal(std::string_view self, std::string_view target, std::string_view what,
                                                std::string_view param) {
  if (self.empty() || self != target) return std::nullopt;
  auto e =
      coded_error(ErrorKind::invalid_request, fmt::format("you cannot {} your own account; another admin can", what),
                  "own_account", std::string(param));
  e.status = 409;
  return e;
}

std::optional<GatewayError> own_patch_refusal(std::string_view self, std::string_view target,
                                              const api::UserPatch& patch) {
  if (patch.active && !*patch.active) return own_account_refusal(self, target, "deactivate", "active");
  if (patch.role && *patch.role != store::UserRole::admin) return own_account_refusal(self, target, "demote", "role");
  return std::nullopt;
}

// A new password, a role change or deactivation ends the user's sessions:
// whoever held one must log in again under the new terms.
bool ends_sessions(const store::User& before, const store::User& after, const api::UserPatch& patch) {
  return patch.password.has_value() || before.role != after.role || (before.active && !after.active);
}

struct PatchOutcome {
  store::User user;
  bool sessions_ended = false;
};

// Blocking: a DB thread (argon2id for a new password, and the store).
// `self`: the caller's own username (empty for a global token). An admin
// setting their own password chose it; any other password an admin sets
// must be changed at its user's next login.
Expected<PatchOutcome> apply_patch(store::Store& store, std::string_view username, const api::UserPatch& patch,
                                   std::string_view self) {
  // Hashed before the read: the row is written back a moment after it was
  // read, not ~50 ms later, so a concurrent change is rarely overwritten.
  const std::string new_hash = patch.password ? auth::hash_password(*patch.password) : std::string();
  auto found = store.find_user(username);
  if (!found) return from_store_error(found.error(), "user");
  if (!found.value()) return no_such_user(username);
  if (auto refusal = own_patch_refusal(self, found.value()->username, patch)) return *refusal;
  const bool by_self = !self.empty() && found.value()->username == self;
  PatchOutcome out{*found.value()};
  auto& user = out.user;
  if (patch.role) user.role = *patch.role;
  if (patch.active) user.active = *patch.active;
  if (patch.allow_private_endpoints) user.allow_private_endpoints = *patch.allow_private_endpoints;
  if (patch.quotas_json) user.quotas_json = *patch.quotas_json;
  if (patch.password) {
    user.password_hash = new_hash;
    user.must_change_password = !by_self;
  }
  auto updated = store.update_user(user);
  if (!updated) return user_write_error(updated.error(), username);
  if (ends_sessions(*found.value(), user, patch)) {
    auto ended = store.delete_user_sessions(user.username, "");
    if (!ended) return from_store_error(ended.error(), "session");
    out.sessions_ended = true;
  }
  return out;
}

UserOutcome create_user(store::Store& store, api::NewUserBody body, store::UnixMs now) {
  body.user.password_hash = auth::hash_password(body.password);
  body.user.created_ms = now;
  body.user.must_change_password = true;  // the admin chose it: the user replaces it at first login
  auto created = store.create_user(body.user);
  if (!created) return from_store_error(created.error(), fmt::format("user '{}'", body.user.username));
  return std::move(body.user);
}

// Blocking. The stored row is read first for the own-account check.
std::optional<GatewayError> delete_user(store::Store& store, std::string_view username, std::string_view self) {
  auto found = store.find_user(username);
  if (!found) return from_store_error(found.error(), "user");
  if (!found.value()) return no_such_user(username);
  if (auto own = own_account_refusal(self, found.value()->username, "delete", "")) return own;
  auto deleted = store.delete_user(found.value()->username);
  if (!deleted) return user_write_error(deleted.error(), username);
  return std::nullopt;
}

}  // namespace

Expected<std::string> admin_path_username(const api::RouteMatch& m) {
  std::string username(m.param("username"));
  if (!auth::valid_username(username)) return no_such_user(username);
  return username;
}

awaitable<void> admin_users_list(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  auto& store = accounts->store();
  auto users = co_await accounts->db().run([&store] { return store.list_users(); });
  if (!users) co_return co_await send_error(ex, from_store_error(users.error(), "user"), ctx);
  co_await send_json(ex, 200, api::users_list_json(users.value()), ctx.request_id);
}

awaitable<void> admin_users_create(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  auto body = api::parse_new_user(ex.request().body());
  if (!body) co_return co_await send_error(ex, body.error(), ctx);
  auto& store = accounts->store();
  const auto now = auth::unix_now_ms();
  auto user = co_await accounts->db().run([&store, &body, now] { return create_user(store, std::move(body.value()), now); });
  if (!user) co_return co_await send_error(ex, user.error(), ctx);
  accounts->index().put_user(user.value());
  co_await send_json(ex, 201, api::user_json(user.value()), ctx.request_id);
}

awaitable<void> admin_user_get(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  auto named = admin_path_username(m);
  if (!named) co_return co_await send_error(ex, named.error(), ctx);
  const std::string username = std::move(*named);
  auto& store = accounts->store();
  auto user = co_await accounts->db().run([&store, &username] { return store.find_user(username); });
  if (!user) co_return co_await send_error(ex, from_store_error(user.error(), "user"), ctx);
  if (!user.value()) co_return co_await send_error(ex, no_such_user(username), ctx);
  co_await send_json(ex, 200, api::user_json(*user.value()), ctx.request_id);
}

awaitable<void> admin_user_patch(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  auto named = admin_path_username(m);
  if (!named) co_return co_await send_error(ex, named.error(), ctx);
  const std::string username = std::move(*named);
  auto patch = api::parse_user_patch(ex.request().body());
  if (!patch) co_return co_await send_error(ex, patch.error(), ctx);
  auto& store = accounts->store();
  const std::string self(ctx.principal.config_namespace());
  auto outcome = co_await accounts->db().run(
      [&store, &username, &patch, &self] { return apply_patch(store, username, *patch, self); });
  if (!outcome) co_return co_await send_error(ex, outcome.error(), ctx);
  accounts->index().put_user(outcome->user);  // an inactive user's tokens fail from the next request
  if (outcome->sessions_ended) accounts->index().remove_sessions_of(outcome->user.username, "");
  co_await send_json(ex, 200, api::user_json(outcome->user), ctx.request_id);
}

awaitable<void> admin_user_delete(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  auto named = admin_path_username(m);
  if (!named) co_return co_await send_error(ex, named.error(), ctx);
  const std::string username = std::move(*named);
  auto& store = accounts->store();
  const std::string self(ctx.principal.config_namespace());
  auto refusal = co_await accounts->db().run([&store, &username, &self] { return delete_user(store, username, self); });
  if (refusal) co_return co_await send_error(ex, *refusal, ctx);
  accounts->index().remove_user(username);
  co_await send_no_content(ex, ctx);
}

}  // namespace aisbf
