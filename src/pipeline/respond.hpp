// Small helpers the pipeline uses to answer a client in OpenAI's format.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "core/gateway_error.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

boost::asio::awaitable<void> send_json(http::Exchange& ex, int status, std::string_view body,
                                       std::string_view request_id);
// The error as a JSON body in the request's ingress format.
boost::asio::awaitable<void> send_error(http::Exchange& ex, const GatewayError& error, const RequestContext& ctx);

}  // namespace aisbf
