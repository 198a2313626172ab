// The chat pipeline: resolve → plan → attempt → relay for one chat request.
// Today one candidate (a provider model); rotations add candidates to the
// plan and the attempt loop moves on while nothing reached the client.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

// `scope` is the {id} of /api/{id}/chat/completions, empty for global routes.
boost::asio::awaitable<void> serve_chat(http::Exchange& ex, RequestContext& ctx, std::string_view scope);

}  // namespace aisbf
