// libFuzzer target for the Anthropic Messages ingress (run by
// scripts/fuzz.sh): decode_request() on the input (and the count_tokens
// variant without max_tokens); whatever decodes is encoded for every provider
// adapter. Nothing may crash, throw or leak, and every upstream body must be
// valid JSON.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/anthropic/messages_ingress.hpp"
#include "api/ingress_fuzz_driver.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  aisbf::ingress_fuzz::silence_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto request = aisbf::api::anthropic_messages_ingress().decode_request(body)) {
    aisbf::ingress_fuzz::encode_for_every_provider(*request, "messages_ingress_fuzz");
  }
  (void)aisbf::api::decode_anthropic_request(body, {.require_max_tokens = false});
  return 0;
}
