// Small helpers the pipeline uses to answer a client in OpenAI's format.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "core/gateway_error.hpp"
#include "http/exchange.hpp"

namespace aisbf {

boost::asio::awaitable<void> send_json(http::Exchange& ex, int status, std::string_view body,
                                       std::string_view request_id);
boost::asio::awaitable<void> send_error(http::Exchange& ex, const GatewayError& error, std::string_view request_id);

}  // namespace aisbf
