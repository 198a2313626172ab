// The usage routes: GET /api/admin/usage (every row), GET /api/user/usage
// (the caller's own rows: `user` is forced to the caller), and
// POST /api/admin/usage/flush (writes the recorder's queue now; tests and
// operators who want the last second's rows). Rows in route_table.cpp.
#pragma once

#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "api/routes.hpp"
#include "core/expected.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class App;
class DbPool;
namespace store {
class Store;
class UsageRecorder;
}  // namespace store

// What the usage routes and the chat doors need; App holds one. Any member
// null: recording is off (recorder) or the routes answer 503 (store, db).
struct UsageWiring {
  store::Store* store = nullptr;
  store::UsageRecorder* recorder = nullptr;
  DbPool* db = nullptr;
};

// The JSON report GET /api/admin/usage answers for the query in `target`
// (a path and query string; format=csv is not taken here), or its error.
boost::asio::awaitable<Expected<std::string>> usage_report_for(App& app, std::string_view target);

boost::asio::awaitable<void> admin_usage(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);
boost::asio::awaitable<void> user_usage(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);
boost::asio::awaitable<void> admin_usage_flush(App& app, http::Exchange& ex, RequestContext& ctx,
                                               const api::RouteMatch& m);

}  // namespace aisbf
