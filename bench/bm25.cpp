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

namespace {

// A vocabulary of domain words and filler, drawn with a fixed seed.
const std::vector<std::string> kWords = {
    "coding",   "python",    "rust",     "refactoring", "architecture", "debugging", "tests",     "creative",
    "writing",  "poems",     "stories",  "vision",      "images",       "charts",    "math",      "proofs",
    "reasoning", "analysis", "data",     "sql",         "queries",      "summaries", "translation", "french",
    "german",   "legal",     "contracts", "medical",    "finance",      "reports",   "fast",      "cheap",
    "large",    "context",   "documents", "agents",     "tools",        "functions", "json",      "chat",
    "support",  "customer",  "email",    "marketing",   "copy",         "research",  "papers",    "science"};

std::string text(std::mt19937& rng, int words) {
  std::string out;
  for (int i = 0; i < words; ++i) out += kWords[rng() % kWords.size()] + (i % 7 == 6 ? ". " : " ");
  return out;
}

std::vector<std::string> descriptions() {
  std::mt19937 rng(11);
  std::vector<std::string> out;
  for (int i = 0; i < 50; ++i) out.push_back(text(rng, 30));
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
  std::string prompt = text(rng, static_cast<int>(state.range(0)));
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
