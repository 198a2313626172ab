// libFuzzer target for the Anthropic Messages ingress (run by
// scripts/fuzz.sh): decode_request() on the input (and the count_tokens
// variant without max_tokens); whatever decodes is encoded for every provider
// adapter. Nothing may crash, throw or leak, and every upstream body must be
// valid JSON.
#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "api/anthropic/messages_ingress.hpp"
#include "core/json_scan.hpp"
#include "providers/registry.hpp"

namespace {

void encode_for_every_provider(const aisbf::ChatRequest& request) {
  for (const std::string_view type : {"openai", "anthropic", "google", "ollama"}) {
    const aisbf::ProviderAdapter* adapter = aisbf::find_provider_adapter(type);
    if (adapter == nullptr) continue;
    const aisbf::UpstreamTarget target{"fuzz", std::string(type), "http://127.0.0.1:9/v1", "fuzz-key", "fuzz-model"};
    const auto upstream = adapter->encode_chat(request, target);
    if (!upstream) continue;
    if (const auto err = aisbf::json_scan::validate(upstream->body)) {
      std::fprintf(stderr, "messages_ingress_fuzz: %.*s body is not JSON: %s\n", static_cast<int>(type.size()),
                   type.data(), err->message.c_str());
      std::abort();
    }
  }
}

}  // namespace

// Logging stays on (so warnings are formatted) but goes nowhere.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto silent = std::make_shared<spdlog::logger>("fuzz");
  silent->set_level(spdlog::level::trace);
  spdlog::set_default_logger(std::move(silent));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto request = aisbf::api::anthropic_messages_ingress().decode_request(body)) {
    encode_for_every_provider(*request);
  }
  (void)aisbf::api::decode_anthropic_request(body, {.require_max_tokens = false});
  return 0;
}
