// OpenAI legacy completions (`POST /v1/completions`, PROTOCOLS.md §1.7) as
// an ingress format: one prompt becomes one user message; the answer's text
// comes back as a `text_completion`.
#pragma once

#include "core/ingress_codec.hpp"

namespace aisbf::api {

class OpenAiCompletionsIngress final : public IngressCodec {
 public:
  // `prompt` (a string, or an array holding one string), max_tokens
  // (default 16, as OpenAI), temperature, top_p, stop, stream,
  // stream_options. Several prompts, token arrays and `echo: true` are 400s;
  // suffix, logprobs and best_of are dropped with a warning; other fields
  // go to `extensions`.
  Expected<ChatRequest> decode_request(std::string_view body) const override;
  // {"id":"cmpl-…","object":"text_completion",…,"choices":[{"text",…}],"usage"}
  std::string encode_response(const ChatResponse& response, const EgressContext& context) const override;
  // The same object per SSE event with the text increment, then `data: [DONE]`;
  // reasoning and tool-call events are not part of this format and are skipped.
  std::unique_ptr<StreamEncoder> make_stream_encoder(const EgressContext& context) const override;
  std::string encode_error(const GatewayError& error) const override;
};

const IngressCodec& openai_completions_ingress();

}  // namespace aisbf::api
