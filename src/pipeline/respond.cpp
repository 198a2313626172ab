#include "pipeline/respond.hpp"


namespace aisbf {

boost::asio::awaitable<void> send_json(http::Exchange& ex, int status, std::string_view body,
                                       std::string_view request_id) {
  HeaderList extra{{"x-request-id", std::string(request_id)}};
  co_await ex.send(status, "application/json", body, extra);
}

boost::asio::awaitable<void> send_error(http::Exchange& ex, const GatewayError& error, const RequestContext& ctx) {
  if (ex.client_gone()) co_return;  // nobody left to tell
  HeaderList extra{{"x-request-id", ctx.request_id}};
  if (error.retry_after) extra.emplace_back("Retry-After", *error.retry_after);
  const std::string body = ingress_codec(ctx.format).encode_error(error);
  co_await ex.send(error.status, "application/json", body, extra);
}

}  // namespace aisbf
