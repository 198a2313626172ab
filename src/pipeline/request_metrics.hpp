// The pipeline's side of metrics and the access log (issue 16): what each
// stage records in this thread's ops::Shard (no lock, no allocation), the
// line each request leaves in the access log, the request id a trusted
// proxy may give, and GET /metrics.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "api/routes.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"
#include "routing/rotation.hpp"

namespace aisbf {

class App;
struct RelayOutcome;
namespace ops {
struct Shard;
}

// The route slot of requests no route matched (404, 405 before routing).
inline constexpr std::size_t kUnmatchedRoute = 255;

// This thread's shard while the request's snapshot has server.metrics on; else null.
ops::Shard* metrics_shard(const RequestContext& ctx);

// The id a request is known by: the one a trusted proxy sent in
// x-request-id (server.trusted_proxies; bounded, safe characters), else empty.
std::string trusted_request_id(const http::Exchange& ex, const Config& config);

// chat_loop: an attempt at `c` starts / came to `outcome`; a failed attempt
// is followed by another candidate; a wait for a rate_limit slot.
void metrics_attempt_start(RequestContext& ctx, const routing::Candidate& c, bool listed);
void metrics_attempt_end(RequestContext& ctx, const RelayOutcome& outcome);
void metrics_failover(RequestContext& ctx);
void metrics_rate_limit_wait(RequestContext& ctx, std::chrono::steady_clock::duration waited);
// A chat door's request is over: tokens, cost, the serving target, TTFB,
// gateway overhead, the client format; `model`: what the client asked for.
void metrics_chat_end(RequestContext& ctx, std::string_view model);
// The same for a request of another operation (embeddings): all but the
// count by chat format.
void metrics_operation_end(RequestContext& ctx, std::string_view model);

// Held by App::handle for the request's whole life: counts it in flight,
// and when it ends counts it by route and status, times it, and writes its
// access-log line.
class RequestRecord {
 public:
  RequestRecord(http::Exchange& ex, RequestContext& ctx);
  ~RequestRecord();
  RequestRecord(const RequestRecord&) = delete;
  RequestRecord& operator=(const RequestRecord&) = delete;
  void set_route(std::size_t row, std::string_view name) {
    row_ = row;
    route_ = name;
  }

 private:
  http::Exchange& ex_;
  RequestContext& ctx_;
  ops::Shard* shard_;
  std::size_t row_ = kUnmatchedRoute;
  std::string_view route_;
};

// An early answer (the header check refused the request before any handler
// ran): counted and logged as App::handle's requests are.
void record_refusal(GatewayState& state, const Config& config, const http::Request& request,
                    const http::EarlyAnswer& answer, std::size_t row, std::string_view route);

// An answer the HTTP layer sent itself (a malformed request, a body too
// large, overload: no handler saw it), logged with the id it carries.
void record_server_answer(GatewayState& state, int status, std::string_view client, std::string_view id);

// GET /metrics (public in the route table; this handler admits the bearer
// server.metrics_token or a peer in server.metrics_allow, else 403).
boost::asio::awaitable<void> serve_metrics(App& app, http::Exchange& ex, RequestContext& ctx,
                                           const api::RouteMatch& match);

}  // namespace aisbf
