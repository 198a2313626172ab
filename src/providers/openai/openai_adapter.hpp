// The `openai` provider type: any OpenAI-compatible Chat Completions API.
#pragma once

#include "core/provider_adapter.hpp"

namespace aisbf::openai {

class OpenAiAdapter final : public ProviderAdapter {
 public:
  std::string_view type() const override { return "openai"; }
  bool accepts_openai_passthrough() const override { return true; }
  HeaderList auth_headers(const UpstreamTarget& target) const override;
  std::string chat_path(const UpstreamTarget& target, bool stream) const override;
  Expected<UpstreamRequest> encode_chat(const ChatRequest& request, const UpstreamTarget& target) const override;
  Expected<ChatResponse> decode_chat(std::string_view body) const override;
  std::unique_ptr<StreamDecoder> make_stream_decoder() const override;
  // "/models" (the endpoint carries /v1). The decoder reads the OpenAI list
  // and, when present, OpenRouter's and vLLM's richer per-model fields.
  std::string models_path(const UpstreamTarget& target) const override;
  Expected<std::vector<ProviderModel>> decode_models(std::string_view body) const override;
  GatewayError classify_error(int status, std::string_view body, const UpstreamTarget& target) const override;
};

}  // namespace aisbf::openai
