// The `anthropic` provider type: the Anthropic Messages API (PROTOCOLS.md §2)
// and servers that speak it.
#pragma once

#include "core/provider_adapter.hpp"

namespace aisbf::anthropic {

class AnthropicAdapter final : public ProviderAdapter {
 public:
  std::string_view type() const override { return "anthropic"; }
  // An Anthropic Messages body goes to an Anthropic upstream as it is.
  BodyFormat passthrough_format() const override { return BodyFormat::anthropic_messages; }
  // x-api-key, anthropic-version, then the provider's extra headers (a
  // header of the same name replaces ours, e.g. anthropic-version).
  HeaderList auth_headers(const UpstreamTarget& target) const override;
  // "/messages" when the endpoint's path already ends in /v1, else "/v1/messages".
  std::string chat_path(const UpstreamTarget& target, bool stream) const override;
  Expected<UpstreamRequest> encode_chat(const ChatRequest& request, const UpstreamTarget& target) const override;
  Expected<ChatResponse> decode_chat(std::string_view body) const override;
  std::unique_ptr<StreamDecoder> make_stream_decoder() const override;
  // "/models" when the endpoint's path already ends in /v1, else "/v1/models".
  std::string models_path(const UpstreamTarget& target) const override;
  Expected<std::vector<ProviderModel>> decode_models(std::string_view body) const override;
  GatewayError classify_error(int status, std::string_view body, const UpstreamTarget& target) const override;
};

// The one immutable instance, for the registry.
const ProviderAdapter& anthropic_adapter();

}  // namespace aisbf::anthropic
