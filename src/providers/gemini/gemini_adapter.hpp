// The `google` provider type: the Gemini API (Generative Language, v1beta),
// endpoint e.g. https://generativelanguage.googleapis.com/v1beta.
#pragma once

#include "core/provider_adapter.hpp"

namespace aisbf::gemini {

class GeminiAdapter final : public ProviderAdapter {
 public:
  std::string_view type() const override { return "google"; }
  HeaderList auth_headers(const UpstreamTarget& target) const override;
  std::string chat_path(const UpstreamTarget& target, bool stream) const override;
  Expected<UpstreamRequest> encode_chat(const ChatRequest& request, const UpstreamTarget& target) const override;
  Expected<ChatResponse> decode_chat(std::string_view body) const override;
  std::unique_ptr<StreamDecoder> make_stream_decoder() const override;
  // "/models" (the endpoint carries /v1beta); ids lose their "models/" prefix.
  std::string models_path(const UpstreamTarget& target) const override;
  Expected<std::vector<ProviderModel>> decode_models(std::string_view body) const override;
  // `POST models/{m}:embedContent` for one text given as a string,
  // `:batchEmbedContents` otherwise (gemini_embeddings.cpp).
  bool embeds() const override { return true; }
  Expected<UpstreamRequest> encode_embeddings(const EmbeddingRequest& request,
                                              const UpstreamTarget& target) const override;
  Expected<EmbeddingResponse> decode_embeddings(std::string_view body, std::size_t inputs) const override;
  GatewayError classify_error(int status, std::string_view body, const UpstreamTarget& target) const override;
};

// "models/{model}" (or "tunedModels/{model}"), the model as one encoded
// path segment: what follows the endpoint before ":generateContent".
std::string model_resource(const UpstreamTarget& target);

// The one (stateless, immutable) instance.
const ProviderAdapter& gemini_adapter();

}  // namespace aisbf::gemini
