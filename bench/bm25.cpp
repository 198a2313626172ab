// BM25 selection (routing/bm25.hpp) over 50 candidate descriptions of about
// 30 words each: building the index (once per config snapshot) and scoring
// one prompt (every autoselect request in semantic mode), for a short prompt
// and for one at the 4 KiB the scorer reads at most. Issue 11: < 50 µs.
// Run: build/bench-bm25
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "routing/bm25.hpp"
#include "selection_text.hpp"

namespace {

using aisbf::bench::selection_text;

std::vector<std::string> descriptions() {
  std::mt19937 rng(11);
  std::vector<std::string> out;
  for (int i = 0; i < 50; ++i) out.push_back(selection_text(rng, 30));
  return out;
}

void build_index(benchmark::State& state) {
  const auto docs = descriptions();
  for (auto _ : state) {
    aisbf::routing::Bm25Index index(docs);
    benchmark::DoNotOptimize(index);
  }
}

void score_prompt(benchmark::State& state) {
  const aisbf::routing::Bm25Index index(descriptions());
  std::mt19937 rng(5);
  std::string prompt = selection_text(rng, static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto scores = index.score(prompt);
    benchmark::DoNotOptimize(scores);
  }
  state.counters["prompt_bytes"] = static_cast<double>(prompt.size());
}

BENCHMARK(build_index)->Unit(benchmark::kMicrosecond);
BENCHMARK(score_prompt)->Arg(40)->Arg(600)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
