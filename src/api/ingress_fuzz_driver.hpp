// The common body of the ingress decoder fuzz targets (api/*/*_ingress_fuzz.cpp,
// run by scripts/fuzz.sh; used by nothing else): logging that formats but
// goes nowhere, and a decoded request encoded for every provider adapter,
// whose upstream bodies must all be valid JSON.
#pragma once

#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/chat_types.hpp"
#include "core/json_scan.hpp"
#include "providers/registry.hpp"

namespace aisbf::ingress_fuzz {

// For LLVMFuzzerInitialize: warnings are still formatted, then dropped.
inline void silence_logs() {
  auto silent = std::make_shared<spdlog::logger>("fuzz");
  silent->set_level(spdlog::level::trace);
  spdlog::set_default_logger(std::move(silent));
}

// Aborts (naming `target`) when a provider's encoding of `request` is not JSON.
inline void encode_for_every_provider(const ChatRequest& request, const char* target) {
  for (const std::string_view type : {"openai", "anthropic", "google", "ollama"}) {
    const ProviderAdapter* adapter = find_provider_adapter(type);
    if (adapter == nullptr) continue;
    const UpstreamTarget upstream_target{"fuzz", std::string(type), "http://127.0.0.1:9/v1", "fuzz-key", "fuzz-model"};
    const auto upstream = adapter->encode_chat(request, upstream_target);
    if (!upstream) continue;
    if (const auto err = json_scan::validate(upstream->body)) {
      std::fprintf(stderr, "%s: %.*s body is not JSON: %s\n", target, static_cast<int>(type.size()), type.data(),
                   err->message.c_str());
      std::abort();
    }
  }
}

}  // namespace aisbf::ingress_fuzz
