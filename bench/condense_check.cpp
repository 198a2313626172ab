// The check every attempt at a candidate with condensation settings pays
// (issue 10: a request below every threshold pays < 2 µs, no tokenization):
// the threshold, the body's token bound and max_tokens (pipeline/condense_check.hpp) on a
// typical 20 KB chat body, 24 messages of English prose (this repository's
// README) with JSON escapes, and on the same body with an image part.
// Run: build/bench-condense-check
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "pipeline/condense_check.hpp"

namespace {

std::string json_escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) >= 0x20) {
      out += c;
    }
  }
  return out;
}

std::string chat_body(std::size_t bytes, bool image) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/README.md", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string prose = json_escaped(text.str());
  std::string body = R"({"model":"gpt-4o","stream":true,"messages":[{"role":"system","content":"You are helpful."})";
  const std::size_t per_message = bytes / 24;
  for (std::size_t i = 0; body.size() < bytes; ++i) {
    const std::size_t at = (i * per_message) % (prose.size() - per_message);
    std::string piece = prose.substr(at, per_message);
    while (!piece.empty() && piece.back() == '\\') piece.pop_back();  // no escape cut in half
    body += std::string(R"(,{"role":")") + (i % 2 == 0 ? "user" : "assistant") + R"(","content":")" + piece + R"("})";
  }
  if (image) body += R"(,{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/a.png"}}]})";
  return body + "]}";
}

void below_threshold(benchmark::State& state, bool image) {
  const std::string body = chat_body(20 * 1024, image);
  const std::optional<std::int64_t> percent = 80, context_size = 128000, max_tokens = 4096;  // as the envelope read it
  bool near = false;
  for (auto _ : state) {
    benchmark::DoNotOptimize(body.data());
    const auto threshold = aisbf::condense_threshold(percent, context_size);
    near =
        threshold && aisbf::may_need_condensing(aisbf::body_token_bound(body), *threshold, *context_size, max_tokens);
    benchmark::DoNotOptimize(near);
  }
  if (near) state.SkipWithError("the body should be below the threshold");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

}  // namespace

BENCHMARK_CAPTURE(below_threshold, prose_20k, false);
BENCHMARK_CAPTURE(below_threshold, prose_20k_with_image, true);
BENCHMARK_MAIN();
