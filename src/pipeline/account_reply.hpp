// Internal to the account routes: answering, and the store's errors.
#pragma once

#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "api/routes.hpp"
#include "core/expected.hpp"
#include "http/exchange.hpp"
#include "pipeline/account_errors.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/respond.hpp"

namespace aisbf {

class Accounts;
class App;

// The {username} of an /api/admin/users/{username}… path, or a 404
// user_not_found for a name no user can have (auth::valid_username),
// answered before the store sees it: a collation that ignores trailing
// spaces (MySQL's utf8mb4_bin) would find "olga" for "olga ".
Expected<std::string> admin_path_username(const api::RouteMatch& m);

// 204 with the request id (and `extra`, e.g. a Set-Cookie).
boost::asio::awaitable<void> send_no_content(http::Exchange& ex, const RequestContext& ctx, HeaderList extra = {});

}  // namespace aisbf
