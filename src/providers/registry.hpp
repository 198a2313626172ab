// provider type → adapter: the one place that knows every provider folder.
// Declared here, beside its definition, so that core/ (the interface) knows
// no provider; callers that pick an adapter by type include this header.
#pragma once

#include <string_view>

#include "core/provider_adapter.hpp"

namespace aisbf {

// The adapter for a provider `type` speaking `api` (a provider's `api`:
// "chat", the default, or "responses"; `codex` is always the Responses
// API), or null when that type is not built yet.
const ProviderAdapter* find_provider_adapter(std::string_view type, std::string_view api = "chat");

}  // namespace aisbf
