// Internal to the account routes: answering, and the store's errors.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "pipeline/account_errors.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/respond.hpp"

namespace aisbf {

class Accounts;
class App;

// 204 with the request id (and `extra`, e.g. a Set-Cookie).
boost::asio::awaitable<void> send_no_content(http::Exchange& ex, const RequestContext& ctx, HeaderList extra = {});

}  // namespace aisbf
