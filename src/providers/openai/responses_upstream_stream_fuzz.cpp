// libFuzzer target for the Responses upstream's decoders (run by
// scripts/fuzz.sh). The input goes through sse::Parser into the adapter's
// stream decoder as the pipeline drives it (blocks with data, until an error
// or too_large, then on_end), and whole into decode_chat() and
// classify_error(). Nothing may crash, throw or leak.
#include <cstddef>
#include <cstdint>

#include "providers/openai/responses_upstream.hpp"
#include "providers/stream_fuzz_driver.hpp"

namespace {

const aisbf::UpstreamTarget& target() {
  static const aisbf::UpstreamTarget t{"fuzz", "openai", "http://127.0.0.1:9/v1", "fuzz-key", "fuzz-model", {}};
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) { return aisbf::stream_fuzz::silence_logging(); }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return aisbf::stream_fuzz::test_one_input(aisbf::openai::responses_adapter(), target(), data, size,
                                            aisbf::stream_fuzz::decode_sse_stream);
}
