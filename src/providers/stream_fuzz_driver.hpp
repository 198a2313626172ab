// The common body of the provider decoder fuzz targets
// (providers/*/*_stream_fuzz.cpp, run by scripts/fuzz.sh; used by nothing
// else). Each target feeds the input through its framing into the adapter's
// stream decoder as the pipeline drives it, and whole into decode_chat() and
// classify_error(). Nothing may crash, throw or leak.
#pragma once

#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string_view>

#include "core/provider_adapter.hpp"
#include "http/sse_parser.hpp"

namespace aisbf::stream_fuzz {

// The error statuses classify_error() sees, one picked by the input's size.
inline constexpr int kStatuses[] = {400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 504, 529};

// SSE framing: blocks with data, until an error or too_large, then on_end.
// (Only the SSE targets call it; the Ollama one frames NDJSON itself.)
inline void decode_sse_stream(const ProviderAdapter& adapter, std::string_view input) {
  sse::Parser parser(1 << 20);
  const auto decoder = adapter.make_stream_decoder();
  parser.feed(input);
  sse::Event ev;
  sse::Status s;
  while ((s = parser.next(ev)) == sse::Status::event) {
    if (!ev.has_data) continue;
    if (!decoder->on_event(ev.event, ev.data)) return;
  }
  if (s == sse::Status::need_more) (void)decoder->on_end();
}

// For LLVMFuzzerInitialize: logging stays on (so warnings are formatted) but
// goes nowhere.
inline int silence_logging() {
  auto silent = std::make_shared<spdlog::logger>("fuzz");
  silent->set_level(spdlog::level::trace);
  spdlog::set_default_logger(std::move(silent));
  return 0;
}

// For LLVMFuzzerTestOneInput. `decode_stream(adapter, input)` applies the
// provider's stream framing.
template <typename DecodeStream>
int test_one_input(const ProviderAdapter& adapter, const UpstreamTarget& target, const std::uint8_t* data,
                   std::size_t size, DecodeStream decode_stream) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  decode_stream(adapter, input);
  (void)adapter.decode_chat(input);
  const int status = kStatuses[size % std::size(kStatuses)];
  (void)adapter.classify_error(status, input, target);
  return 0;
}

}  // namespace aisbf::stream_fuzz
