// The Anthropic Messages ingress (`POST /v1/messages`, PROTOCOLS.md §2, §5):
// an Anthropic client's request → canonical ChatRequest, and canonical
// answers, stream events and errors → exactly what the Anthropic API sends,
// whatever provider answered.
#pragma once

#include <string>
#include <string_view>

#include "core/ingress_codec.hpp"

namespace aisbf::api {

struct AnthropicDecodeOptions {
  // `max_tokens` is required on /v1/messages (a 400 like Anthropic's when
  // missing) and absent from /v1/messages/count_tokens.
  bool require_max_tokens = true;
};

// Messages JSON → ChatRequest. Never throws; every failure is a 400 whose
// message names the path of the offending field (`messages.1.content.0.type: …`).
Expected<ChatRequest> decode_anthropic_request(std::string_view body, const AnthropicDecodeOptions& options = {});

// Anthropic's `error.type` for an HTTP status (400 invalid_request_error, …).
std::string_view anthropic_error_type(int status);
// `{"type":"error","error":{"type","message"}}`.
std::string anthropic_error_body(const GatewayError& error);

class AnthropicMessagesIngress final : public IngressCodec {
 public:
  Expected<ChatRequest> decode_request(std::string_view body) const override;
  std::string encode_response(const ChatResponse& response, const EgressContext& context) const override;
  std::unique_ptr<StreamEncoder> make_stream_encoder(const EgressContext& context) const override;
  std::string encode_error(const GatewayError& error) const override;
};

// The one stateless instance.
const IngressCodec& anthropic_messages_ingress();

}  // namespace aisbf::api
