// libFuzzer target for the Ollama provider's decoders (run by
// scripts/fuzz.sh). The input goes through ndjson::Splitter into the
// adapter's stream decoder as the pipeline drives it (each line, until an
// error or too_large, then the unterminated rest and on_end), and whole into
// decode_chat() and classify_error(). Nothing may crash, throw or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/ndjson_splitter.hpp"
#include "providers/ollama/ollama_adapter.hpp"
#include "providers/stream_fuzz_driver.hpp"

namespace {

const aisbf::ProviderAdapter& adapter() { return aisbf::ollama::ollama_adapter(); }

const aisbf::UpstreamTarget& target() {
  static const aisbf::UpstreamTarget t{"fuzz", "ollama", "http://127.0.0.1:9", "", "fuzz-model", {}};
  return t;
}

void decode_stream(const aisbf::ProviderAdapter& adapter, std::string_view input) {
  aisbf::ndjson::Splitter lines(1 << 20);
  const auto decoder = adapter.make_stream_decoder();
  lines.feed(input);
  std::string_view line;
  aisbf::ndjson::Status s;
  while ((s = lines.next(line)) == aisbf::ndjson::Status::line) {
    if (!decoder->on_event({}, line)) return;
  }
  if (s == aisbf::ndjson::Status::too_large) return;
  if (const std::string_view rest = lines.finish(); !rest.empty()) {
    if (!decoder->on_event({}, rest)) return;
  }
  (void)decoder->on_end();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) { return aisbf::stream_fuzz::silence_logging(); }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return aisbf::stream_fuzz::test_one_input(adapter(), target(), data, size, decode_stream);
}
