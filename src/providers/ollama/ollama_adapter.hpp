// The `ollama` provider type: Ollama's native chat API (`POST /api/chat`,
// NDJSON streams). PROTOCOLS.md §4, mapping in §5.
#pragma once

#include "core/provider_adapter.hpp"

namespace aisbf::ollama {

class OllamaAdapter final : public ProviderAdapter {
 public:
  std::string_view type() const override { return "ollama"; }
  HeaderList auth_headers(const UpstreamTarget& target) const override;
  std::string chat_path(const UpstreamTarget& target, bool stream) const override;
  Expected<UpstreamRequest> encode_chat(const ChatRequest& request, const UpstreamTarget& target) const override;
  Expected<ChatResponse> decode_chat(std::string_view body) const override;
  std::unique_ptr<StreamDecoder> make_stream_decoder() const override;
  StreamFraming stream_framing() const override { return StreamFraming::ndjson; }
  // "/api/tags", or "/tags" when the endpoint already ends in /api.
  std::string models_path(const UpstreamTarget& target) const override;
  Expected<std::vector<ProviderModel>> decode_models(std::string_view body) const override;
  // `POST /api/embed` (ollama_embeddings.cpp).
  bool embeds() const override { return true; }
  Expected<UpstreamRequest> encode_embeddings(const EmbeddingRequest& request,
                                              const UpstreamTarget& target) const override;
  Expected<EmbeddingResponse> decode_embeddings(std::string_view body, std::size_t inputs) const override;
  GatewayError classify_error(int status, std::string_view body, const UpstreamTarget& target) const override;
};

// The one stateless instance, for the registry.
const ProviderAdapter& ollama_adapter();

}  // namespace aisbf::ollama
