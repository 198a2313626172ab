// The `openai` provider type: any OpenAI-compatible Chat Completions API.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/json_read.hpp"
#include "core/provider_adapter.hpp"

namespace aisbf::openai {

class OpenAiAdapter final : public ProviderAdapter {
 public:
  std::string_view type() const override { return "openai"; }
  BodyFormat passthrough_format() const override { return BodyFormat::openai_chat; }
  HeaderList auth_headers(const UpstreamTarget& target) const override;
  std::string chat_path(const UpstreamTarget& target, bool stream) const override;
  Expected<UpstreamRequest> encode_chat(const ChatRequest& request, const UpstreamTarget& target) const override;
  Expected<ChatResponse> decode_chat(std::string_view body) const override;
  std::unique_ptr<StreamDecoder> make_stream_decoder() const override;
  // "/models" (the endpoint carries /v1). The decoder reads the OpenAI list
  // and, when present, OpenRouter's and vLLM's richer per-model fields.
  std::string models_path(const UpstreamTarget& target) const override;
  Expected<std::vector<ProviderModel>> decode_models(std::string_view body) const override;
  // `POST {endpoint}/embeddings` (openai_embeddings.cpp).
  bool embeds() const override { return true; }
  Expected<UpstreamRequest> encode_embeddings(const EmbeddingRequest& request,
                                              const UpstreamTarget& target) const override;
  Expected<EmbeddingResponse> decode_embeddings(std::string_view body, std::size_t inputs) const override;
  GatewayError classify_error(int status, std::string_view body, const UpstreamTarget& target) const override;
};

// The path of `operation` ("chat/completions", "embeddings") after the
// endpoint, as the target's preset wants it (Azure: the deployment's path
// and api-version, openai_request.cpp).
std::string operation_path(const UpstreamTarget& target, std::string_view operation);
// `tool_choice` on OpenAI's wires: "none", "auto", "required", or one
// function — nested (`{type, function:{name}}`) for chat completions, flat
// (`{type, name}`, `flat`) for the Responses API. nullopt: unset.
std::optional<boost::json::value> encode_tool_choice(const ToolChoice& choice, bool flat);
// The `model` a translated body names: Azure's v1 API takes the deployment.
std::string_view body_model(const UpstreamTarget& target);

// Readers the whole-response and stream decoders share (defined in
// openai_response.cpp), with the generic ones from core/json_read.hpp.
namespace wire_read {
using json_read::excerpt;
using json_read::int_member;
using json_read::object_member;
using json_read::optional_int_member;
using json_read::parse_object;
using json_read::protocol_error;
using json_read::string_member;
// `reasoning_content` (DeepSeek, vLLM, most compatible servers) or
// `reasoning` (OpenRouter, newer vLLM).
std::string reasoning_text(const boost::json::object& message);
FinishReason map_finish_reason(std::string_view reason);
Usage decode_usage(const boost::json::object& usage);
// An `{"error": …}` object some compatible servers send with status 200.
std::optional<GatewayError> embedded_error(const boost::json::object& root);
}  // namespace wire_read

}  // namespace aisbf::openai
