// OpenAI Chat Completions as an ingress format (PROTOCOLS.md §1, §5): used
// when the provider behind is not OpenAI-compatible. The client's request
// becomes a canonical ChatRequest; canonical answers and stream events
// become what the OpenAI API itself would send. (Requests to
// OpenAI-compatible providers are forwarded as bytes and never come here.)
#pragma once

#include "core/ingress_codec.hpp"

namespace aisbf::api {

class OpenAiChatIngress final : public IngressCodec {
 public:
  // Roles system/developer/user/assistant/tool (deprecated `function` →
  // tool), content strings or parts, tool calls, tools and tool_choice
  // (deprecated functions/function_call too), max_completion_tokens or
  // max_tokens, sampling fields, stream options. Every other top-level
  // field goes to `extensions` as sent. Errors are 400s naming the field.
  Expected<ChatRequest> decode_request(std::string_view body) const override;
  // A `chat.completion` object; `model` is the one the client asked for.
  std::string encode_response(const ChatResponse& response, const EgressContext& context) const override;
  // `chat.completion.chunk` SSE events ending with `data: [DONE]` (§1.5).
  std::unique_ptr<StreamEncoder> make_stream_encoder(const EgressContext& context) const override;
  // {"error":{"message","type","param","code"}}
  std::string encode_error(const GatewayError& error) const override;
};

// The one instance (stateless, shared by every request).
const IngressCodec& openai_chat_ingress();

}  // namespace aisbf::api
