#include "pipeline/upstream_target.hpp"

#include "providers/openai/openai_presets.hpp"

namespace aisbf {

UpstreamTarget upstream_target(const ProviderConfig& provider, const ModelConfig* model, std::string upstream_model) {
  UpstreamTarget t{provider.id, provider.type, provider.endpoint, provider.api_key, std::move(upstream_model)};
  // An OpenAI-compatible preset (groq, azure_openai, …) gives the endpoint
  // when the provider has none, its headers, and its quirks (via the target).
  const openai::OpenAiPreset* preset = openai::find_openai_preset(provider.preset);
  if (preset == nullptr) return t;
  if (t.endpoint.empty()) t.endpoint = std::string(preset->endpoint);
  t.preset = provider.preset;
  t.api_version = provider.api_version;
  if (model != nullptr) t.deployment = model->deployment;
  t.extra_headers = openai::preset_headers(*preset, provider.site_url, provider.app_name);
  return t;
}

}  // namespace aisbf
