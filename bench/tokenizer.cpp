// Tokenizer throughput (issue 10: ≥ 40 MB/s on one core on English prose and
// on code). The corpus is this repository's own text, read at start:
// prose = README.md, docs/*.md and the folder READMEs; code = src/**/*.{cpp,hpp}.
// Run: build/bench-tokenizer [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "context/tokenizer.hpp"

namespace {

namespace fs = std::filesystem;
using aisbf::context::Encoding;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

// The files under `dir` with one of `exts`, concatenated in path order (the
// order bench/tokenizer_tiktoken.mjs uses, so both count the same text).
std::string concat(const fs::path& dir, std::initializer_list<std::string_view> exts) {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    for (auto ext : exts) {
      if (entry.path().extension() == ext) paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  std::string out;
  for (const auto& path : paths) out += read_file(path);
  return out;
}

std::string corpus(bool code) {
  fs::path root(AISBF_SOURCE_DIR);
  if (code) return concat(root / "src", {".cpp", ".hpp"});
  return read_file(root / "README.md") + concat(root / "docs", {".md"}) + concat(root / "src", {".md"});
}

void encode(benchmark::State& state, Encoding encoding, const std::string* text) {
  auto tokenizer = aisbf::context::tokenizer_for(encoding);
  if (!tokenizer) {
    state.SkipWithError(tokenizer.error().message.c_str());
    return;
  }
  std::size_t tokens = 0;
  for (auto _ : state) {
    // encode, not count: count() would answer the same text from this
    // thread's memo (context/count_memo.hpp) after the first iteration.
    tokens = (*tokenizer)->encode(*text).size();
    benchmark::DoNotOptimize(tokens);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text->size()));
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["bytes"] = static_cast<double>(text->size());
}

// Long single pieces (the split pattern leaves a run of one class whole):
// the byte-pair merge's worst case, 1 MB each.
std::vector<std::pair<std::string, std::string>> long_pieces() {
  std::string letters;
  std::uint32_t state = 1;
  for (int i = 0; i < 1000000; ++i) {
    state = state * 1664525u + 1013904223u;
    letters.push_back(static_cast<char>('a' + (state >> 16) % 26));
  }
  std::string cjk;
  for (int i = 0; i < 333333; ++i) cjk += "\xE5\xAD\x97";  // 字
  return {{"a_1M", std::string(1000000, 'a')},
          {"spaces_1M", std::string(1000000, ' ')},
          {"letters_1M", std::move(letters)},
          {"cjk_1M", std::move(cjk)}};
}

}  // namespace

int main(int argc, char** argv) {
  static const std::string prose = corpus(false), code = corpus(true);
  for (auto encoding : {Encoding::cl100k_base, Encoding::o200k_base}) {
    std::string name(aisbf::context::encoding_name(encoding));
    benchmark::RegisterBenchmark((name + "/prose").c_str(), encode, encoding, &prose)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((name + "/code").c_str(), encode, encoding, &code)->Unit(benchmark::kMillisecond);
  }
  static const auto pieces = long_pieces();
  for (auto encoding : {Encoding::cl100k_base, Encoding::o200k_base}) {
    for (const auto& [label, text] : pieces) {
      std::string name = std::string(aisbf::context::encoding_name(encoding)) + "/" + label;
      benchmark::RegisterBenchmark(name.c_str(), encode, encoding, &text)->Unit(benchmark::kMillisecond);
    }
  }
  // Exact counts (the benchmark's counters are rounded), to compare with
  // what bench/tokenizer_tiktoken.mjs prints for the reference.
  for (auto encoding : {Encoding::cl100k_base, Encoding::o200k_base}) {
    if (auto tokenizer = aisbf::context::tokenizer_for(encoding)) {
      std::cout << aisbf::context::encoding_name(encoding) << ": prose " << (*tokenizer)->count(prose) << " tokens in "
                << prose.size() << " bytes, code " << (*tokenizer)->count(code) << " tokens in " << code.size()
                << " bytes\n";
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
