// The OpenAI Responses ingress (`POST /v1/responses`, docs/responses-api.md):
// a Responses request → canonical ChatRequest, and canonical answers, stream
// events and errors → the Responses API's JSON and SSE events, whatever
// provider answered (the translating path), and the failure tail of a
// relayed (passthrough) stream. No stored responses yet.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/ingress_codec.hpp"

namespace aisbf::api {

struct ResponsesRequest {
  ChatRequest request;
  // Tool types the translation cannot run (`web_search`, …), in request
  // order, each once: the route names them in `x-aisbf-dropped-tools`.
  std::vector<std::string> dropped_tools;
};

// Responses JSON → ChatRequest. Never throws; a malformed request is a 400
// in OpenAI's error shape whose `param` names the field (`input[2].call_id`),
// and so is a `tool_choice` that requires a dropped tool.
Expected<ResponsesRequest> decode_responses_request(std::string_view body);

class OpenAiResponsesIngress final : public IngressCodec {
 public:
  Expected<ChatRequest> decode_request(std::string_view body) const override;
  std::string encode_response(const ChatResponse& response, const EgressContext& context) const override;
  std::unique_ptr<StreamEncoder> make_stream_encoder(const EgressContext& context) const override;
  std::string encode_error(const GatewayError& error) const override;
};

// The one stateless instance.
const IngressCodec& openai_responses_ingress();

// A Responses stream relayed as the upstream sent it (passthrough), watched
// so that a failure after its head ends it as the API would: `error`, then
// `response.failed` naming the upstream's response, both numbered after the
// events already relayed (sequence numbers count events from 0 by one).
// Counts events; reads only the first one (response.created).
class RelayedResponsesStream {
 public:
  void saw(std::string_view event_name, std::string_view data);
  std::string failure(const GatewayError& error) const;

 private:
  std::int64_t events_ = 0;
  std::string id_;     // the upstream's response id (at most 256 bytes kept)
  std::string model_;
};

}  // namespace aisbf::api
