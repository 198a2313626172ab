// OpenAI's Responses API as an upstream (issue 14): `type: "openai"` with
// `"api": "responses"`, and the `codex` type (a Responses endpoint whose
// access token, given as `api_key`, is sent as Bearer). Requests go to
// `POST {endpoint}/responses` stateless (`store: false`, reasoning carried
// as `encrypted_content`, docs/responses-api.md); auth, model lists and
// error classification are the chat adapter's (openai_adapter.hpp).
#pragma once

#include <string_view>

#include "core/provider_adapter.hpp"

namespace aisbf::openai {

class OpenAiResponsesAdapter final : public ProviderAdapter {
 public:
  std::string_view type() const override { return "openai-responses"; }
  BodyFormat passthrough_format() const override { return BodyFormat::openai_responses; }
  HeaderList auth_headers(const UpstreamTarget& target) const override;
  // "/responses"; for `codex` on the ChatGPT backend (an endpoint ending in
  // /backend-api, AISBF's default) "/codex/responses".
  std::string chat_path(const UpstreamTarget& target, bool stream) const override;
  Expected<UpstreamRequest> encode_chat(const ChatRequest& request, const UpstreamTarget& target) const override;
  Expected<ChatResponse> decode_chat(std::string_view body) const override;
  std::unique_ptr<StreamDecoder> make_stream_decoder() const override;
  // `codex`: the ChatGPT backend answers `stream: false` with a 400.
  bool stream_only(const UpstreamTarget& target) const override { return target.provider_type == "codex"; }
  std::string models_path(const UpstreamTarget& target) const override;
  Expected<std::vector<ProviderModel>> decode_models(std::string_view body) const override;
  GatewayError classify_error(int status, std::string_view body, const UpstreamTarget& target) const override;
};

// The one stateless instance (providers/registry.cpp).
const ProviderAdapter& responses_adapter();

// The Responses request body for `request` (responses_upstream_request.cpp),
// exposed for the codec tests.
std::string encode_responses_body(const ChatRequest& request, const UpstreamTarget& target);

}  // namespace aisbf::openai
