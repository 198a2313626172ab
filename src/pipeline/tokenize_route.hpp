// `POST /api/v1/tokenize`: a request's tokens in the encoding of the
// upstream model its `model` resolves to (api/openai/tokenize_request.hpp
// for the body and the answer).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

// `model` is resolved as a chat request's, in the caller's namespace: a
// provider model counts in its upstream name's encoding, a rotation in its
// first candidate's, an autoselect (whose target is chosen per request) in
// cl100k_base, approximate. An id that resolves to nothing is taken as a
// bare upstream model name (`gpt-4o`, or `openai/gpt-4o` where no provider
// is `openai`), unless it says it means a rotation, an autoselect, a
// user's target or a configured provider's model: then the chat routes' 404 (or 503 for a user's targets
// the store cannot give).
boost::asio::awaitable<void> serve_tokenize(http::Exchange& ex, RequestContext& ctx);

}  // namespace aisbf
