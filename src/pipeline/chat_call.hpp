// The in-process door to the chat pipeline: a canonical request run through
// routing, limits and failover without an HTTP client, for autoselect, LLM
// condensation, MCP's chat_completion and the response cache. The same
// attempt loop as the HTTP handlers; always the translating path (there is
// no client body to forward).
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "core/chat_types.hpp"
#include "core/expected.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

// Receives a streamed answer's events as they come.
class CanonicalEventSink {
 public:
  virtual ~CanonicalEventSink() = default;
  // False: the receiver is gone (the upstream call is stopped).
  virtual boost::asio::awaitable<bool> on_event(const StreamEvent& event) = 0;
};

struct InProcessChat {
  http::UpstreamPool& pool;               // this worker thread's
  std::string_view scope;                 // as in /api/{scope}/…; empty for global model ids
  CanonicalEventSink* events = nullptr;   // set: the upstream is asked for a stream, each event handed over
  bool condensable = true;                // false: never condensed (condensation's own calls)
};

// `request.model` names a provider model, a rotation or an autoselect as a
// client would; `request.stream` is set from `call.events`. The result is
// the whole answer (for a stream, folded from its events), or why there is
// none: the rotation's all-failed error (never its `notifyerrors` text), a
// 504 `request_timeout`, or a stream's mid-way error once events went out.
// ctx needs config, routes, state and request_id; ctx.deadline is armed from
// server.request_timeout when unset; ctx.cancel.emit() stops the call.
// `request` by value: the coroutine keeps it (a reference to a temporary
// would dangle once the caller's expression ends).
boost::asio::awaitable<Expected<ChatResponse>> chat_in_process(ChatRequest request, RequestContext& ctx,
                                                               InProcessChat call);

}  // namespace aisbf
