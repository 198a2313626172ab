// Whether a request's target may use the response cache: AISBF's
// `enable_response_cache`, the most specific setting winning — the model
// (a rotation's entry for it, then the provider's), the provider, the
// rotation, the autoselect — and else aisbf.json's `response_cache.enabled`.
#pragma once

#include <string_view>

#include "config/config.hpp"

namespace aisbf::cache {

struct CacheScope {
  const ProviderConfig* provider = nullptr;  // null: not known yet (a rotation before its attempts)
  std::string_view model;                    // the provider's model name
  const RotationConfig* rotation = nullptr;
  const AutoselectConfig* autoselect = nullptr;
};

bool response_cache_enabled(const Config& config, const CacheScope& scope);

}  // namespace aisbf::cache
