// The chat pipeline: resolve → plan → attempt → relay for one chat request,
// for each client format. Today one candidate (a provider model); rotations
// add candidates to the plan and the attempt loop moves on while nothing
// reached the client. Same format on both sides → bytes are forwarded with
// only `model` rewritten; otherwise the request goes through canonical types.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

// `scope` is the {id} of /api/{id}/…, empty for global routes.
boost::asio::awaitable<void> serve_chat(http::Exchange& ex, RequestContext& ctx, std::string_view scope);
boost::asio::awaitable<void> serve_messages(http::Exchange& ex, RequestContext& ctx, std::string_view scope);
boost::asio::awaitable<void> serve_completions(http::Exchange& ex, RequestContext& ctx, std::string_view scope);
boost::asio::awaitable<void> serve_count_tokens(http::Exchange& ex, RequestContext& ctx);

}  // namespace aisbf
