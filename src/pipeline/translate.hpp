// The translating path: a canonical request encoded for any provider, its
// answer decoded to canonical values and handed to a TranslatedOutput: the
// client's format over a ResponseSink (HTTP), or the canonical values
// themselves (an in-process call). The answer starts only once the first
// output exists; a failure before that is returned unsent, for the attempt
// loop to handle.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "core/ingress_codec.hpp"
#include "core/provider_adapter.hpp"
#include "http/endpoint.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/relay.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/response_sink.hpp"

namespace aisbf {

// Where a translated answer goes.
class TranslatedOutput {
 public:
  virtual ~TranslatedOutput() = default;
  // A complete answer. False: it could not be delivered.
  virtual boost::asio::awaitable<bool> whole(const ChatResponse& response) = 0;
  // Stream events in order (never empty); the first call that yields output
  // starts the answer. False: the receiver is gone.
  virtual boost::asio::awaitable<bool> events(const std::vector<StreamEvent>& events) = 0;
  // The end of a stream, started or not (an unstarted one starts first),
  // with the format's error event when `error` is set.
  virtual boost::asio::awaitable<void> finish(const std::optional<GatewayError>& error) = 0;
  // Something of the answer reached the receiver.
  virtual bool started() const = 0;
  // Why events() returned false when the receiver did not leave (a folded
  // answer past the size a whole answer may have): the attempt's error.
  virtual std::optional<GatewayError> refusal() const { return std::nullopt; }
};

// The HTTP client's format (the request's ingress codec) over a sink. One
// per attempt: it holds the stream encoder's state.
class ClientFormatOutput final : public TranslatedOutput {
 public:
  ClientFormatOutput(ResponseSink& sink, const RequestContext& ctx, EgressContext egress);
  boost::asio::awaitable<bool> whole(const ChatResponse& response) override;
  boost::asio::awaitable<bool> events(const std::vector<StreamEvent>& events) override;
  boost::asio::awaitable<void> finish(const std::optional<GatewayError>& error) override;
  bool started() const override { return started_; }

 private:
  ResponseSink& sink_;
  const RequestContext& ctx_;
  const IngressCodec& codec_;
  EgressContext egress_;
  std::unique_ptr<StreamEncoder> encoder_;  // made on the first stream event
  bool started_ = false;
};

class SentPrompt;

struct TranslateJob {
  const ProviderAdapter& adapter;
  const UpstreamTarget& target;
  const http::Endpoint& endpoint;
  Timeouts timeouts;
  http::UpstreamPool& pool;
  SentPrompt* sent = nullptr;  // usage.effective_context of the answer (sent_prompt.hpp); null: none
};

// An encoded request as it goes out: the endpoint's path before the
// suffix, Accept for a stream or a whole answer, identity encoding.
http::OutgoingRequest outgoing(const UpstreamRequest& up, const http::Endpoint& endpoint, bool stream);

boost::asio::awaitable<RelayOutcome> serve_translated(TranslatedOutput& out, RequestContext& ctx,
                                                      const ChatRequest& request, const TranslateJob& job);

}  // namespace aisbf
