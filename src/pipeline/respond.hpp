// Small helpers the pipeline uses to answer a client: JSON bodies, errors in
// the request's ingress format, and the head of a successful answer.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "core/gateway_error.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/response_sink.hpp"

namespace aisbf {

boost::asio::awaitable<void> send_json(http::Exchange& ex, int status, std::string_view body,
                                       std::string_view request_id);
// The error as a JSON body in the request's ingress format.
boost::asio::awaitable<void> send_error(ResponseSink& sink, const GatewayError& error, const RequestContext& ctx);
boost::asio::awaitable<void> send_error(http::Exchange& ex, const GatewayError& error, const RequestContext& ctx);

// The extra headers of a successful chat answer: the request id, which
// candidate served it (ctx.response_headers) and, for a stream, no caching
// or proxy buffering.
HeaderList answer_headers(const RequestContext& ctx, bool stream);

}  // namespace aisbf
