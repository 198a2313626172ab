// Relaying an upstream's answer to a client of the same format (OpenAI to
// OpenAI-compatible, Anthropic to Anthropic, Responses to Responses) as it came: the body unchanged
// when whole, the SSE stream event by event. The
// client sees headers only once the upstream has answered and, for a stream,
// sent its first event. The answer's top-level usage object (the body's,
// the usage chunk's, message_delta's) gets `"effective_context":N`; every
// other byte goes as it came. A failure before that is returned, not sent: the
// attempt loop may still try another candidate, or answers with the error.
#pragma once

#include <optional>

#include <boost/asio/awaitable.hpp>

#include "core/provider_adapter.hpp"
#include "core/usage_scan.hpp"
#include "http/upstream_client.hpp"
#include "limits/rate_hints.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/response_sink.hpp"

namespace aisbf {

struct RelayOutcome {
  int status = 0;                      // what the client got
  std::optional<GatewayError> error;   // set when the request failed
  bool reached_client = false;         // bytes of the answer were written
  ScannedUsage usage;
  std::optional<limits::RateHints> rate_hints;  // what an upstream 429 said about its limits
  bool unusable = false;               // the candidate could not be prepared: nothing was sent
  // The client's body could not be decoded for translation (a 400, nothing
  // sent): a candidate that takes the body as it is may still serve it.
  bool undecodable = false;
  // The prompt as sent, counted by the gateway (sent_prompt.hpp): what the
  // answer's usage.effective_context says. nullopt: not counted.
  std::optional<std::int64_t> effective_context;
};

class SentPrompt;

struct PassthroughJob {
  const ProviderAdapter& adapter;
  const UpstreamTarget& target;
  SentPrompt& sent;  // usage.effective_context, spliced into the answer's usage
};

boost::asio::awaitable<RelayOutcome> relay_passthrough(ResponseSink& sink, http::UpstreamCall& call,
                                                       const PassthroughJob& job, RequestContext& ctx, bool stream);

// An upstream's error answer, classified (not sent).
boost::asio::awaitable<RelayOutcome> read_upstream_error(http::UpstreamCall& call, const ProviderAdapter& adapter,
                                                         const UpstreamTarget& target);

}  // namespace aisbf
