// Handlers of the account routes (rows in route_table.cpp): dashboard login
// and sessions (routes_auth.cpp), users (routes_users.cpp), API tokens and
// a user's own password (routes_tokens.cpp). Every database call goes
// through the DbPool; every write updates the AccountIndex at once.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/routes.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class App;
namespace api {
struct AccountCounters;
}

// The route handler's function type (route_table.hpp's RouteHandler points at one).
using AccountRoute = boost::asio::awaitable<void>(App& app, http::Exchange& ex, RequestContext& ctx,
                                                  const api::RouteMatch& match);

AccountRoute auth_login;
AccountRoute auth_logout;
AccountRoute auth_me;

AccountRoute admin_users_list;
AccountRoute admin_users_create;
AccountRoute admin_user_get;
AccountRoute admin_user_patch;
AccountRoute admin_user_delete;

AccountRoute admin_user_tokens_list;
AccountRoute admin_user_tokens_create;
AccountRoute admin_user_token_delete;
AccountRoute user_tokens_list;
AccountRoute user_tokens_create;
AccountRoute user_token_delete;
AccountRoute user_password;

// The account index's counters for GET /api/admin/health; false without a user store.
bool account_counters(App& app, api::AccountCounters& out);

}  // namespace aisbf
