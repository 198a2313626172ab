// How a configured provider (and one of its models) is reached: the flat
// UpstreamTarget the codecs read, with an OpenAI-compatible preset's
// endpoint, headers and Azure settings filled in.
#pragma once

#include <string>

#include "config/config.hpp"
#include "core/provider_adapter.hpp"

namespace aisbf {

// The model entry's native caching fields, each unset one from its provider.
NativeCache native_cache_of(const ProviderConfig& provider, const ModelConfig* model);

UpstreamTarget upstream_target(const ProviderConfig& provider, const ModelConfig* model, std::string upstream_model);

}  // namespace aisbf
