// The chat pipeline's HTTP doors: resolve → plan → attempt → relay for one
// chat request, for each client format. A direct `provider/model` is one
// attempt; a rotation's candidates are tried while nothing reached the
// client. Same format on both sides → bytes are forwarded with only `model`
// rewritten; otherwise the request goes through canonical types. The
// in-process door (no HTTP client) is chat_call.hpp; both run the same loop.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/response_sink.hpp"

namespace aisbf {

struct ChatEnvelope;  // chat_envelope.hpp

// `scope` is the {id} of /api/{id}/…, empty for global routes.
boost::asio::awaitable<void> serve_chat(http::Exchange& ex, RequestContext& ctx, std::string_view scope);
boost::asio::awaitable<void> serve_messages(http::Exchange& ex, RequestContext& ctx, std::string_view scope);
boost::asio::awaitable<void> serve_completions(http::Exchange& ex, RequestContext& ctx, std::string_view scope);
// OpenAI Responses: forwarded as sent to Responses-api providers, translated
// for the rest; a continuation expanded and the answer kept first
// (responses_routes.cpp, which defines it).
boost::asio::awaitable<void> serve_responses(http::Exchange& ex, RequestContext& ctx, std::string_view scope);
boost::asio::awaitable<void> serve_count_tokens(http::Exchange& ex, RequestContext& ctx);

// A chat request over HTTP whose answer goes to `sink` rather than straight
// to the connection (a cache's FlightSink, a test's RecordingSink).
// ctx.format says the client's format (chat, messages or completions).
struct HttpChat {
  const http::Request& request;
  http::UpstreamPool& pool;
  ResponseSink& sink;
  http::Exchange* exchange = nullptr;  // watched: its disconnect cancels the request; null: the caller watches
  // The envelope of request's body as it is, when the caller scanned it
  // already (a Responses request reads its stored state from it); null:
  // scanned here.
  const ChatEnvelope* envelope = nullptr;
};
boost::asio::awaitable<void> serve_chat_to(HttpChat io, RequestContext& ctx, std::string_view scope);
// The same without a frame of its own: `io` (and what it points to) must
// outlive the awaitable, as a caller's local it awaits at once does.
boost::asio::awaitable<void> serve_chat_with(const HttpChat& io, RequestContext& ctx, std::string_view scope);

}  // namespace aisbf
