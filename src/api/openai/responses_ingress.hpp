// The OpenAI Responses ingress (`POST /v1/responses`, docs/responses-api.md):
// a Responses request → canonical ChatRequest, and canonical answers, stream
// events and errors → the Responses API's JSON and SSE events, whatever
// provider answered. Phase 1: the translating path only (no stored
// responses, no passthrough to Responses-native upstreams).
#pragma once

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

}  // namespace aisbf::api
