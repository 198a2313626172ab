// The translating path: a canonical request encoded for any provider, its
// answer decoded and encoded back in the client's format, streams event by
// event. Headers go out only once the first translated bytes exist; a
// failure before that is returned unsent, for the attempt loop to handle.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "core/ingress_codec.hpp"
#include "core/provider_adapter.hpp"
#include "http/endpoint.hpp"
#include "http/exchange.hpp"
#include "pipeline/relay.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

struct TranslateJob {
  const IngressCodec& codec;
  const ProviderAdapter& adapter;
  const UpstreamTarget& target;
  const http::Endpoint& endpoint;
  Timeouts timeouts;
  EgressContext egress;
};

boost::asio::awaitable<RelayOutcome> serve_translated(http::Exchange& ex, RequestContext& ctx,
                                                      const ChatRequest& request, const TranslateJob& job);

}  // namespace aisbf
