// POST /api/auth/login, POST /api/auth/logout, GET /api/auth/me.
#include <chrono>

#include <boost/beast/http/field.hpp>
#include <fmt/format.h>

#include "api/accounts_json.hpp"
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
constexpr store::UnixMs kSessionLifetimeMs = 12LL * 3600 * 1000;

struct LoginOutcome {
  enum class Kind : std::uint8_t { ok, wrong, store_error } kind = Kind::wrong;
  store::StoreError error;
  store::User user;
  store::Session session;
  std::string cookie;  // the session's secret: only in the Set-Cookie header
};

// A verify against a real argon2id hash, for a name that does not exist:
// the answer takes as long as for a wrong password (no name probing).
void dummy_verify(std::string_view password) {
  static const std::string dummy = auth::hash_password(auth::random_password());
  (void)auth::verify_password(dummy, password);
}

// Blocking (argon2id, ~50 ms, and the store): a DB thread.
LoginOutcome check_login(store::Store& store, const api::LoginBody& body, store::UnixMs now) {
  LoginOutcome out;
  auto found = store.find_user(body.username);
  if (!found) {
    out.kind = LoginOutcome::Kind::store_error;
    out.error = found.error();
    return out;
  }
  if (!found.value()) {
    dummy_verify(body.password);
    return out;
  }
  out.user = std::move(*found.value());
  const auto check = auth::verify_password(out.user.password_hash, body.password);
  if (check == auth::PasswordCheck::wrong || !out.user.active) return out;
  const std::string rehash =
      check == auth::PasswordCheck::ok_rehash ? auth::hash_password(body.password) : std::string();
  out.cookie = auth::random_hex(32);
  out.session = {auth::sha256_hex(out.cookie), out.user.username, auth::random_hex(32), now, now + kSessionLifetimeMs};
  // Only while the user is still active with the hash just checked: a
  // deactivation or a new password during the argon2 check wins.
  auto opened = store.open_session(out.session, out.user.password_hash, rehash);
  if (!opened) {
    if (opened.error().kind == store::StoreError::Kind::conflict) return out;  // as a wrong password
    out.kind = LoginOutcome::Kind::store_error;
    out.error = opened.error();
    return out;
  }
  if (!rehash.empty()) out.user.password_hash = rehash;
  out.user.last_login_ms = now;
  out.kind = LoginOutcome::Kind::ok;
  return out;
}

GatewayError throttled(std::chrono::seconds wait) {
  auto e = coded_error(ErrorKind::rate_limited, "too many failed logins; wait before trying again", "login_throttled");
  e.retry_after = std::to_string(std::max<std::int64_t>(1, wait.count()));
  return e;
}

// Secure when the client sees https: a TLS connection, or a trusted proxy's
// X-Forwarded-Proto (over plain http a Secure cookie would never come back).
std::string session_cookie(std::string_view value, store::UnixMs max_age_ms, bool secure) {
  return fmt::format("{}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}", auth::kSessionCookie, value,
                     max_age_ms / 1000, secure ? "; Secure" : "");
}

}  // namespace

awaitable<void> auth_login(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  auto body = api::parse_login(ex.request().body());
  if (!body) co_return co_await send_error(ex, body.error(), ctx);
  // Behind a trusted proxy the client it reports: else every client behind
  // it would share one throttle.
  const auto address = client_of(ex, ctx).address;
  auto& throttle = accounts->throttle();
  if (auto wait = throttle.check(body->username, address, auth::LoginThrottle::Clock::now()))
    co_return co_await send_error(ex, throttled(*wait), ctx);
  auto& store = accounts->store();
  const auto now = auth::unix_now_ms();
  auto outcome = co_await accounts->db().run([&store, &body, now] { return check_login(store, *body, now); });
  if (outcome.kind == LoginOutcome::Kind::store_error)
    co_return co_await send_error(ex, from_store_error(outcome.error, "user"), ctx);
  if (outcome.kind == LoginOutcome::Kind::wrong) {
    throttle.failed(body->username, address, auth::LoginThrottle::Clock::now());
    co_return co_await send_error(
        ex, coded_error(ErrorKind::unauthorized, "wrong username or password", "invalid_credentials"), ctx);
  }
  throttle.succeeded(body->username, address);
  accounts->index().put_user(outcome.user);
  accounts->put_session(outcome.session);
  HeaderList extra{{"x-request-id", ctx.request_id},
                   {"Set-Cookie", session_cookie(outcome.cookie, kSessionLifetimeMs, client_of(ex, ctx).https)},
                   {"Cache-Control", "no-store"}};
  co_await ex.send(200, "application/json", api::login_json(outcome.session.csrf_token, outcome.user), extra);
}

awaitable<void> auth_logout(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  auto* accounts = app.accounts();
  if (accounts == nullptr) co_return co_await send_error(ex, store_unavailable(), ctx);
  const auto cookie =
      auth::cookie_value(std::string_view(ex.request()[boost::beast::http::field::cookie]), auth::kSessionCookie);
  if (ctx.principal.kind == auth::PrincipalKind::session && !cookie.empty()) {
    const std::string id_hash = auth::sha256_hex(cookie);
    accounts->index().remove_session(id_hash);  // refused from now on, whatever the store says
    auto& store = accounts->store();
    auto deleted = co_await accounts->db().run([&store, &id_hash] { return store.delete_session(id_hash); });
    if (!deleted) co_return co_await send_error(ex, from_store_error(deleted.error(), "session"), ctx);
  }
  // Named: g++ 12 miscompiles a braced list in co_await.
  HeaderList clear{{"Set-Cookie", session_cookie("", 0, client_of(ex, ctx).https)}};
  co_await send_no_content(ex, ctx, std::move(clear));
}

awaitable<void> auth_me(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  auto principal = ctx.principal;
  // Auth off: the anonymous caller is the operator on loopback.
  if (!principal.authenticated() && !ctx.config->auth.enabled) principal.role = auth::Role::admin;
  std::string csrf;
  if (auto* accounts = app.accounts(); accounts != nullptr && principal.kind == auth::PrincipalKind::session) {
    const auto cookie =
        auth::cookie_value(std::string_view(ex.request()[boost::beast::http::field::cookie]), auth::kSessionCookie);
    if (auto [lookup, grant] = accounts->index().find_session(cookie, auth::unix_now_ms()); grant)
      csrf = std::move(grant->csrf_token);
  }
  HeaderList extra{{"x-request-id", ctx.request_id}, {"Cache-Control", "no-store"}};
  co_await ex.send(200, "application/json", api::me_json(principal, csrf), extra);
}

awaitable<void> send_no_content(http::Exchange& ex, const RequestContext& ctx, HeaderList extra) {
  extra.emplace_back("x-request-id", ctx.request_id);
  co_await ex.send(204, "application/json", "", extra);
}

}  // namespace aisbf
