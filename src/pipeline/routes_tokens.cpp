// API tokens: an admin's view of any user's (/api/admin/users/{username}/tokens)
// and a user's own (/api/user/tokens), and a user's own password.
#include <boost/beast/http/field.hpp>
#include <fmt/format.h>

#include "api/accounts_json.hpp"
#include "api/admin_json.hpp"
#include "auth/api_tokens.hpp"
#include "auth/passwords.hpp"
#include "auth/request_auth.hpp"
#include "pipeline/account_reply.hpp"
#include "pipeline/accounts.hpp"
#include "pipeline/app.hpp"
#include "pipeline/forwarded.hpp"
#include "pipeline/routes_accounts.hpp"

namespace aisbf {

namespace {

using boost::asio::awaitable;

GatewayError no_such_token(std::string_view id) {
  return coded_error(ErrorKind::not_found, fmt::format("no token with id '{}'", id), "token_not_found");
}

// Blocking. nullopt when the user exists.
std::optional<GatewayError> need_user(store::Store& store, std::string_view username) {
  auto found = store.find_user(username);
  if (!found) return from_store_error(found.error(), "user");
  if (!found.value()) return no_such_user(username);
  return std::nullopt;
}

Expected<std::vector<store::ApiToken>> list_tokens(store::Store& store, std::string_view username) {
  if (auto missing = need_user(store, username)) return *missing;
  auto tokens = store.list_tokens(username);
  if (!tokens) return from_store_error(tokens.error(), "token");
  return std::move(tokens.value());
}

struct Created {
  store::ApiToken row;
  std::string secret;  // answered once, never stored
};

Expected<Created> create_token(store::Store& store, std::string username, const api::NewTokenBody& body,
                               store::UnixMs now) {
  if (auto missing = need_user(store, username)) return *missing;
  auto fresh = auth::generate_api_token();
  Created out;
  out.secret = std::move(fresh.token);
  out.row.id = "tok_" + auth::random_hex(12);
  out.row.username = std::move(username);
  out.row.token_hash = std::move(fresh.hash);
  out.row.description = body.description;
  out.row.quotas_json = body.quotas_json.value_or("{}");
  out.row.created_ms = now;
  out.row.expires_ms = body.expires_ms;
  auto created = store.create_token(out.row);
  if (!created) return from_store_error(created.error(), "token");
  return out;
}

std::optional<GatewayError> delete_token(store::Store& store, std::string_view username, std::string_view id) {
  auto deleted = store.delete_token(username, id);
  if (deleted) return std::nullopt;
  return deleted.error().kind == store::StoreError::Kind::not_found ? no_such_token(id)
                                                                    : from_store_error(deleted.error(), "token");
}

awaitable<void> list_for(Accounts& accounts, http::Exchange& ex, RequestContext& ctx, std::string username) {
  auto& store = accounts.store();
  auto tokens = co_await accounts.db().run([&store, &username] { return list_tokens(store, username); });
  if (!tokens) co_return co_await send_error(ex, tokens.error(), ctx);
  co_await send_json(ex, 200, api::tokens_list_json(tokens.value()), ctx.request_id);
}

awaitable<void> create_for(Accounts& accounts, http::Exchange& ex, RequestContext& ctx, std::string username) {
  const auto now = auth::unix_now_ms();
  auto body = api::parse_new_token(ex.request().body(), now);
  if (!body) co_return co_await send_error(ex, body.error(), ctx);
  auto& store = accounts.store();
  auto created = co_await accounts.db().run(
      [&store, &username, &body, now] { return create_token(store, username, *body, now); });
  if (!created) co_return co_await send_error(ex, created.error(), ctx);
  accounts.index().put_token(created->row);
  HeaderList extra{{"x-request-id", ctx.request_id}, {"Cache-Control", "no-store"}};
  co_await ex.send(201, "application/json", api::created_token_json(created->row, created->secret), extra);
}

awaitable<void> delete_for(Accounts& accounts, http::Exchange& ex, RequestContext& ctx, std::string username,
                           std::string id) {
  auto& store = accounts.store();
  auto refusal = co_await accounts.db().run([&store, &username, &id] { return delete_token(store, username, id); });
  if (refusal) co_return co_await send_error(ex, *refusal, ctx);
  accounts.index().remove_token(id);  // refused from the next request on
  co_await send_no_content(ex, ctx);
}

struct PasswordOutcome {
  std::optional<GatewayError> error;
  bool wrong_current = false;
  // The hash stored by the change. Only it (and must_change_password,
  // cleared) goes into the index: the rest of the row read before the
  // ~100 ms verify and hash may be stale by now (an admin's concurrent
  // PATCH of role or active), and the compare-and-set checks only the hash.
  std::string new_hash;
};

// `keep_session`: the caller's own session (id hash), which stays; every
// other session of the user ends (empty: all of them, for a token caller).
PasswordOutcome change_password(store::Store& store, std::string_view username, const api::PasswordChange& change,
                                std::string_view keep_session) {
  PasswordOutcome out;
  auto found = store.find_user(username);
  if (!found) out.error = from_store_error(found.error(), "user");
  else if (!found.value()) out.error = no_such_user(username);
  if (out.error) return out;
  const auto& user = *found.value();
  if (auth::verify_password(user.password_hash, change.current_password) == auth::PasswordCheck::wrong) {
    out.wrong_current = true;
    out.error = coded_error(ErrorKind::invalid_request, "'current_password' is wrong", "invalid_password",
                            "current_password");
    return out;
  }
  // Compare-and-set on the hash just checked: of two concurrent changes
  // (or a change and an admin's reset) one wins, the other is a 409.
  std::string new_hash = auth::hash_password(change.new_password);
  auto changed = store.change_password(username, user.password_hash, new_hash, keep_session);
  if (changed) {
    out.new_hash = std::move(new_hash);
    return out;
  }
  out.error = changed.error().kind == store::StoreError::Kind::conflict
                  ? conflict_error("the password was changed meanwhile; try again with the new one")
                  : from_store_error(changed.error(), "user");
  return out;
}

// The caller's session (hex SHA-256 of its cookie) when it came with one, else empty.
std::string current_session(http::Exchange& ex, const RequestContext& ctx) {
  if (ctx.principal.kind != auth::PrincipalKind::session) return {};
  const auto cookie =
      auth::cookie_value(std::string_view(ex.request()[boost::beast::http::field::cookie]), auth::kSessionCookie);
  return cookie.empty() ? std::string() : auth::sha256_hex(cookie);
}

}  // namespace

awaitable<void> admin_user_tokens_list(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  auto username = admin_path_username(m);
  if (!username) co_return co_await send_error(ex, username.error(), ctx);
  co_await list_for(*accounts, ex, ctx, std::move(*username));
}

awaitable<void> admin_user_tokens_create(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  auto username = admin_path_username(m);
  if (!username) co_return co_await send_error(ex, username.error(), ctx);
  co_await create_for(*accounts, ex, ctx, std::move(*username));
}

awaitable<void> admin_user_token_delete(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  auto username = admin_path_username(m);
  if (!username) co_return co_await send_error(ex, username.error(), ctx);
  co_await delete_for(*accounts, ex, ctx, std::move(*username), std::string(m.param("id")));
}

awaitable<void> user_tokens_list(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  co_await list_for(*accounts, ex, ctx, ctx.principal.user_id);
}

awaitable<void> user_tokens_create(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  co_await create_for(*accounts, ex, ctx, ctx.principal.user_id);
}

awaitable<void> user_token_delete(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  co_await delete_for(*accounts, ex, ctx, ctx.principal.user_id, std::string(m.param("id")));
}

bool account_counters(App& app, api::AccountCounters& out) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) return false;
  const auto stats = accounts->index().stats();
  out = {accounts->token_lookups(), stats.loads, stats.unknown_tokens, stats.max_unknown_tokens};
  return true;
}

awaitable<void> user_password(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  auto change = api::parse_password_change(ex.request().body());
  if (!change) co_return co_await send_error(ex, change.error(), ctx);
  const std::string username = ctx.principal.user_id;
  const auto address = client_of(ex, ctx).address;
  auto& throttle = accounts->throttle();
  if (auto wait = throttle.check(username, address, auth::LoginThrottle::Clock::now())) {
    auto e = coded_error(ErrorKind::rate_limited, "too many wrong passwords; wait before trying again", "login_throttled");
    e.retry_after = std::to_string(std::max<std::int64_t>(1, wait->count()));
    co_return co_await send_error(ex, e, ctx);
  }
  auto& store = accounts->store();
  const std::string keep = current_session(ex, ctx);
  auto outcome = co_await accounts->db().run(
      [&store, &username, &change, &keep] { return change_password(store, username, *change, keep); });
  if (outcome.wrong_current) throttle.failed(username, address, auth::LoginThrottle::Clock::now());
  if (outcome.error) co_return co_await send_error(ex, *outcome.error, ctx);
  // A session held back by must_change_password is free from now on.
  accounts->index().password_changed(username, outcome.new_hash);
  accounts->index().remove_sessions_of(username, keep);  // whoever else held one logs in with the new password
  throttle.succeeded(username, address);  // as a login does: earlier wrong guesses stop counting
  co_await send_no_content(ex, ctx);
}

}  // namespace aisbf
