#include "pipeline/upstream_target.hpp"

#include "providers/openai/openai_presets.hpp"

namespace aisbf {

NativeCache native_cache_of(const ProviderConfig& provider, const ModelConfig* model) {
  const NativeCacheSettings none;
  const NativeCacheSettings& own = model != nullptr ? model->native_cache : none;
  const NativeCacheSettings& general = provider.native_cache;
  NativeCache out;
  out.enabled = own.enabled.value_or(general.enabled.value_or(false));
  out.min_tokens = own.min_tokens.value_or(general.min_tokens.value_or(out.min_tokens));
  out.ttl_seconds = own.ttl_seconds.value_or(general.ttl_seconds.value_or(out.ttl_seconds));
  out.prompt_cache_key = own.prompt_cache_key.value_or(general.prompt_cache_key.value_or(""));
  return out;
}

UpstreamTarget upstream_target(const ProviderConfig& provider, const ModelConfig* model, std::string upstream_model) {
  UpstreamTarget t{provider.id, provider.type, provider.endpoint, provider.api_key, std::move(upstream_model)};
  t.native_cache = native_cache_of(provider, model);
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
