// libFuzzer target for the OpenAI Responses ingress (run by scripts/fuzz.sh):
// decode_responses_request() on the input; whatever decodes is encoded for
// every provider adapter, and its model echoed back through the answer and
// stream encoders. Nothing may crash, throw or leak; every upstream body and
// the answer must be valid JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/ingress_fuzz_driver.hpp"
#include "api/openai/responses_ingress.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  aisbf::ingress_fuzz::silence_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto decoded = aisbf::api::decode_responses_request(body);
  if (!decoded) return 0;
  aisbf::ingress_fuzz::encode_for_every_provider(decoded->request, "responses_ingress_fuzz");
  const auto& codec = aisbf::api::openai_responses_ingress();
  const aisbf::EgressContext context{decoded->request.model, true};
  aisbf::ChatResponse response;
  response.message.content = {aisbf::TextBlock{decoded->request.model}};
  if (aisbf::json_scan::validate(codec.encode_response(response, context))) std::abort();
  auto encoder = codec.make_stream_encoder(context);
  (void)encoder->on_event(aisbf::TextDelta{decoded->request.model});
  (void)encoder->on_end(std::nullopt);
  return 0;
}
