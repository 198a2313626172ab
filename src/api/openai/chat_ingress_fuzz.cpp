// libFuzzer target for the OpenAI chat ingress (run by scripts/fuzz.sh):
// decode_request() on the input (and the legacy completions ingress, which
// reads the same kind of body); whatever decodes is encoded for every
// provider adapter. Nothing may crash, throw or leak, and every upstream
// body must be valid JSON.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/ingress_fuzz_driver.hpp"
#include "api/openai/chat_ingress.hpp"
#include "api/openai/completions_ingress.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  aisbf::ingress_fuzz::silence_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto request = aisbf::api::openai_chat_ingress().decode_request(body))
    aisbf::ingress_fuzz::encode_for_every_provider(*request, "chat_ingress_fuzz");
  if (auto request = aisbf::api::openai_completions_ingress().decode_request(body))
    aisbf::ingress_fuzz::encode_for_every_provider(*request, "chat_ingress_fuzz");
  return 0;
}
