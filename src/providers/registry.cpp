// provider type → adapter. Adapters are stateless and immutable, so one
// constant instance per type serves every request.
#include "core/provider_adapter.hpp"
#include "providers/openai/openai_adapter.hpp"

namespace aisbf {

const ProviderAdapter* find_provider_adapter(std::string_view type) {
  static const openai::OpenAiAdapter kOpenAi;
  if (type == kOpenAi.type()) return &kOpenAi;
  return nullptr;
}

}  // namespace aisbf
