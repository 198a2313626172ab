// Relaying an OpenAI-compatible upstream's answer to an OpenAI client as it
// came: the body unchanged when whole, the SSE stream event by event. The
// client sees headers only once the upstream has answered and, for a stream,
// sent its first event; until then a failure is still a plain JSON error.
#pragma once

#include <optional>

#include <boost/asio/awaitable.hpp>

#include "core/provider_adapter.hpp"
#include "core/usage_scan.hpp"
#include "http/exchange.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

struct RelayOutcome {
  int status = 0;                      // what the client got
  std::optional<GatewayError> error;   // set when the request failed
  bool reached_client = false;         // bytes of the answer were written
  ScannedUsage usage;
};

boost::asio::awaitable<RelayOutcome> relay_openai_answer(http::Exchange& ex, http::UpstreamCall& call,
                                                         const ProviderAdapter& adapter, const UpstreamTarget& target,
                                                         RequestContext& ctx, bool stream);

}  // namespace aisbf
