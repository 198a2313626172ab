// libFuzzer target for the Ollama provider's decoders (run by
// scripts/fuzz.sh). The input goes through ndjson::Splitter into the
// adapter's stream decoder as the pipeline drives it (each line, until an
// error or too_large, then the unterminated rest and on_end), and whole into
// decode_chat() and classify_error(). Nothing may crash, throw or leak.
#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string_view>

#include "http/ndjson_splitter.hpp"
#include "providers/ollama/ollama_adapter.hpp"

namespace {

const aisbf::ProviderAdapter& adapter() { return aisbf::ollama::ollama_adapter(); }

const aisbf::UpstreamTarget& target() {
  static const aisbf::UpstreamTarget t{"fuzz", "ollama", "http://127.0.0.1:9", "", "fuzz-model", {}};
  return t;
}

constexpr int kStatuses[] = {400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 504, 529};

void decode_stream(std::string_view input) {
  aisbf::ndjson::Splitter lines(1 << 20);
  const auto decoder = adapter().make_stream_decoder();
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

// Logging stays on (so warnings are formatted) but goes nowhere.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto silent = std::make_shared<spdlog::logger>("fuzz");
  silent->set_level(spdlog::level::trace);
  spdlog::set_default_logger(std::move(silent));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  decode_stream(input);
  (void)adapter().decode_chat(input);
  const int status = kStatuses[size % std::size(kStatuses)];
  (void)adapter().classify_error(status, input, target());
  return 0;
}
