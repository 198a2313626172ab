// provider type → adapter. Adapters are stateless and immutable, so one
// constant instance per type serves every request.
#include "providers/registry.hpp"

#include "providers/anthropic/anthropic_adapter.hpp"
#include "providers/gemini/gemini_adapter.hpp"
#include "providers/ollama/ollama_adapter.hpp"
#include "providers/openai/openai_adapter.hpp"
#include "providers/openai/openai_presets.hpp"
#include "providers/openai/responses_upstream.hpp"

namespace aisbf {

const ProviderAdapter* find_provider_adapter(std::string_view type, std::string_view api) {
  static const openai::OpenAiAdapter kOpenAi;
  // The Responses API: `openai` with `"api": "responses"`, and `codex` (config/ checks the pairs).
  if (type == "codex" || (api == "responses" && type == kOpenAi.type())) return &openai::responses_adapter();
  if (type == kOpenAi.type()) return &kOpenAi;
  if (type == "anthropic") return &anthropic::anthropic_adapter();
  if (type == "google") return &gemini::gemini_adapter();
  if (type == "ollama") return &ollama::ollama_adapter();
  // Every OpenAI-compatible preset type (groq, azure_openai, …) speaks OpenAI.
  if (openai::find_openai_preset(type) != nullptr) return &kOpenAi;
  return nullptr;
}

}  // namespace aisbf
