#include "pipeline/respond.hpp"

namespace aisbf {

boost::asio::awaitable<void> send_json(http::Exchange& ex, int status, std::string_view body,
                                       std::string_view request_id) {
  HeaderList extra{{"x-request-id", std::string(request_id)}};
  co_await ex.send(status, "application/json", body, extra);
}

boost::asio::awaitable<void> send_error(ResponseSink& sink, const GatewayError& error, const RequestContext& ctx) {
  if (sink.gone()) co_return;  // nobody left to tell
  HeaderList extra{{"x-request-id", ctx.request_id}};
  if (error.retry_after) extra.emplace_back("Retry-After", *error.retry_after);
  const std::string body = ingress_codec(ctx.format).encode_error(error);
  co_await sink.send(error.status, "application/json", body, extra);
}

boost::asio::awaitable<void> send_error(http::Exchange& ex, const GatewayError& error, const RequestContext& ctx) {
  ExchangeSink sink(ex);
  co_await send_error(sink, error, ctx);
}

HeaderList answer_headers(const RequestContext& ctx, bool stream) {
  HeaderList h;
  h.reserve(ctx.response_headers.size() + ctx.choice_headers.size() + (stream ? 3 : 1));
  if (stream) {
    h.emplace_back("Cache-Control", "no-cache");
    h.emplace_back("X-Accel-Buffering", "no");
  }
  h.emplace_back("x-request-id", ctx.request_id);
  h.insert(h.end(), ctx.choice_headers.begin(), ctx.choice_headers.end());
  h.insert(h.end(), ctx.response_headers.begin(), ctx.response_headers.end());
  return h;
}

}  // namespace aisbf
