#include "pipeline/pending_auth.hpp"

#include <boost/beast/http/field.hpp>

#include "auth/account_index.hpp"
#include "auth/api_tokens.hpp"
#include "auth/request_auth.hpp"
#include "pipeline/account_errors.hpp"
#include "pipeline/accounts.hpp"
#include "pipeline/route_table.hpp"

namespace aisbf {

namespace {

namespace bhttp = boost::beast::http;

// What the store holds for the credential: the row and its owner, or nothing.
template <class Row>
struct Found {
  std::optional<store::StoreError> error;
  std::optional<Row> row;
  std::optional<store::User> user;
};

template <class Row, class FindRow>
Found<Row> find_with_owner(store::Store& store, FindRow find_row) {
  Found<Row> out;
  auto row = find_row();
  if (!row) {
    out.error = row.error();
    return out;
  }
  if (!row.value()) return out;
  auto user = store.find_user(row.value()->username);
  if (!user) {
    out.error = user.error();
    return out;
  }
  out.row = std::move(row.value());
  out.user = std::move(user.value());
  return out;
}

std::string_view sent_token(const http::Request& req, const Admission& admission) {
  auto token = auth::bearer_token(std::string_view(req[bhttp::field::authorization]));
  if (token.empty() && admission.format == IngressFormat::anthropic_messages) token = std::string_view(req["x-api-key"]);
  return token;
}

}  // namespace

boost::asio::awaitable<std::optional<GatewayError>> settle_pending(Accounts* accounts, const http::Request& req,
                                                                   Admission& admission, bool auth_enabled) {
  if (accounts == nullptr) co_return store_unavailable();
  auto& store = accounts->store();
  auto& index = accounts->index();
  std::string csrf;
  if (admission.pending == auth::Pending::user_token) {
    const std::string hash = auth::sha256_hex(sent_token(req, admission));
    accounts->count_token_lookup();
    auto found = co_await accounts->db().run(
        [&store, &hash] { return find_with_owner<store::ApiToken>(store, [&] { return store.find_token_by_hash(hash); }); });
    if (found.error) co_return from_store_error(*found.error, "token");
    if (found.row && found.user) {
      index.put_user(*found.user);
      index.put_token(*found.row);
    } else if (!found.row) {
      index.remember_unknown_token(hash, auth::unix_now_ms());  // the next requests with it are refused at once
    }
    auto [lookup, grant] = index.find_token(sent_token(req, admission), auth::unix_now_ms());
    if (lookup == auth::Lookup::found) admission.principal = std::move(grant->principal);
  } else {
    const auto cookie = auth::cookie_value(std::string_view(req[bhttp::field::cookie]), auth::kSessionCookie);
    const std::string hash = auth::sha256_hex(cookie);
    auto found = co_await accounts->db().run(
        [&store, &hash] { return find_with_owner<store::Session>(store, [&] { return store.find_session(hash); }); });
    if (found.error) co_return from_store_error(*found.error, "session");
    if (found.row && found.user) {
      index.put_user(*found.user);
      accounts->put_session(*found.row);
    }
    auto [lookup, grant] = index.find_session(cookie, auth::unix_now_ms());
    if (lookup == auth::Lookup::found) {
      admission.principal = std::move(grant->principal);
      csrf = std::move(grant->csrf_token);
    }
  }
  admission.pending = auth::Pending::none;
  co_return check_principal(req, *admission.route, admission.principal, csrf, auth_enabled);
}

}  // namespace aisbf
