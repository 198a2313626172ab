#include "pipeline/respond.hpp"

#include "api/openai_errors.hpp"

namespace aisbf {

boost::asio::awaitable<void> send_json(http::Exchange& ex, int status, std::string_view body,
                                       std::string_view request_id) {
  HeaderList extra{{"x-request-id", std::string(request_id)}};
  co_await ex.send(status, "application/json", body, extra);
}

boost::asio::awaitable<void> send_error(http::Exchange& ex, const GatewayError& error, std::string_view request_id) {
  if (ex.client_gone()) co_return;  // nobody left to tell
  HeaderList extra{{"x-request-id", std::string(request_id)}};
  if (error.retry_after) extra.emplace_back("Retry-After", *error.retry_after);
  co_await ex.send(error.status, "application/json", api::openai_error_body(error), extra);
}

}  // namespace aisbf
