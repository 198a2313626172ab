// libFuzzer target for the OpenAI Chat Completions provider's decoders (run by
// scripts/fuzz.sh). The input goes through sse::Parser into the adapter's
// stream decoder as the pipeline drives it (blocks with data, until an error
// or too_large, then on_end), and whole into decode_chat() and
// classify_error(). Nothing may crash, throw or leak.
#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string_view>

#include "http/sse_parser.hpp"
#include "providers/openai/openai_adapter.hpp"

namespace {

const aisbf::ProviderAdapter& adapter() {
  static const aisbf::openai::OpenAiAdapter adapter;
  return adapter;
}

const aisbf::UpstreamTarget& target() {
  static const aisbf::UpstreamTarget t{"fuzz", "openai", "http://127.0.0.1:9/v1", "fuzz-key", "fuzz-model", {}};
  return t;
}

constexpr int kStatuses[] = {400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 504, 529};

void decode_stream(std::string_view input) {
  aisbf::sse::Parser parser(1 << 20);
  const auto decoder = adapter().make_stream_decoder();
  parser.feed(input);
  aisbf::sse::Event ev;
  aisbf::sse::Status s;
  while ((s = parser.next(ev)) == aisbf::sse::Status::event) {
    if (!ev.has_data) continue;
    if (!decoder->on_event(ev.event, ev.data)) return;
  }
  if (s == aisbf::sse::Status::need_more) (void)decoder->on_end();
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
