// Autoselect's per-request decisions (issue 11), for 50 candidates of about
// 30 words each and a 4 KiB prompt:
// - semantic_choice: BM25 (routing/bm25.hpp) and the hybrid pick
//   (routing/semantic_select.hpp) with the cosines of a prompt vector of
//   0 (BM25 alone), 384 or 1536 dimensions against the descriptions' unit
//   vectors (made once per config); issue 11 asks < 50 µs; hybrid_pick is
//   the same without BM25: what the embeddings add;
// - cache_find: a decision-cache hit among 10,000 entries;
// - prefix_hash: hashing a conversation's stable prefix (a 30 KB system
//   prompt and a 1 KB first message), paid by every request that may hit.
// Run: build/bench-autoselect
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "routing/autoselect_cache.hpp"
#include "routing/bm25.hpp"
#include "routing/semantic_select.hpp"
#include "selection_text.hpp"

namespace {

using namespace aisbf;
using namespace aisbf::routing;

std::string text(std::mt19937& rng, std::size_t bytes) { return aisbf::bench::selection_text_bytes(rng, bytes); }

std::vector<float> random_vector(std::mt19937& rng, std::size_t dims) {
  std::normal_distribution<float> normal;
  std::vector<float> v(dims);
  for (auto& x : v) x = normal(rng);
  return v;
}

// 50 candidates' descriptions and unit vectors (once per config), a 4 KiB
// prompt and its vector (from the embeddings call).
struct Selection {
  std::vector<std::string> descriptions;
  std::vector<std::vector<float>> description_units;
  std::string prompt;
  std::vector<float> prompt_vector;

  explicit Selection(std::size_t dims) {
    std::mt19937 rng(11);
    for (int i = 0; i < 50; ++i) {
      descriptions.push_back(text(rng, 200));
      if (dims > 0) description_units.push_back(unit_vector(random_vector(rng, dims)));
    }
    prompt = text(rng, 4096);
    prompt_vector = random_vector(rng, dims);
  }

  SemanticPick pick(const std::vector<double>& bm25, std::vector<double>& cosines) const {
    cosines.clear();
    if (!description_units.empty()) {
      const auto unit = unit_vector(prompt_vector);
      for (const auto& d : description_units) cosines.push_back(dot_product(unit, d));
    }
    return pick_semantic(bm25, cosines, {.weight = 0.5, .margin = 0.1});
  }
};

// The whole semantic choice: BM25, the cosines, the pick.
void semantic_choice(benchmark::State& state) {
  const Selection s(static_cast<std::size_t>(state.range(0)));
  const Bm25Index index(s.descriptions);
  std::vector<double> cosines;
  for (auto _ : state) {
    auto pick = s.pick(index.score(s.prompt), cosines);
    benchmark::DoNotOptimize(pick);
  }
  state.counters["prompt_bytes"] = static_cast<double>(s.prompt.size());
}

// What the hybrid adds to BM25 (steadier than the difference of two
// semantic_choice rows on a shared machine).
void hybrid_pick(benchmark::State& state) {
  const Selection s(static_cast<std::size_t>(state.range(0)));
  const auto bm25 = Bm25Index(s.descriptions).score(s.prompt);
  std::vector<double> cosines;
  for (auto _ : state) {
    auto pick = s.pick(bm25, cosines);
    benchmark::DoNotOptimize(pick);
  }
}

void cache_find(benchmark::State& state) {
  AutoselectDecisionCache cache({.max_entries = 10'000, .ttl = std::chrono::hours(1)});
  const std::vector<std::string> candidates = {"openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5",
                                               "local/qwen3-coder"};
  const limits::TimePoint now{};
  std::mt19937_64 rng(3);
  DecisionKey key{"coding", "alice", 42, {}};
  for (int i = 0; i < 10'000; ++i) {
    key.prefix = {rng(), rng()};
    cache.store(key, candidates[static_cast<std::size_t>(i) % 3], DecisionSource::llm, now);
  }
  for (auto _ : state) {
    auto hit = cache.find(key, candidates, now);
    benchmark::DoNotOptimize(hit);
  }
}

void prefix_hash(benchmark::State& state) {
  const AutoselectDecisionCache cache({});
  std::mt19937 rng(7);
  ChatRequest request;
  request.messages.push_back(Message{Role::system, {TextBlock{text(rng, 30 * 1024)}}, {}});
  request.messages.push_back(Message{Role::user, {TextBlock{text(rng, 1024)}}, {}});
  request.messages.push_back(Message{Role::assistant, {TextBlock{text(rng, 4096)}}, {}});
  for (auto _ : state) {
    auto hash = cache.prefix_hash(request);
    benchmark::DoNotOptimize(hash);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 31 * 1024);
}

BENCHMARK(semantic_choice)->Arg(0)->Arg(384)->Arg(1536)->Unit(benchmark::kMicrosecond);
BENCHMARK(hybrid_pick)->Arg(0)->Arg(384)->Arg(1536)->Unit(benchmark::kMicrosecond);
BENCHMARK(cache_find)->Unit(benchmark::kNanosecond);
BENCHMARK(prefix_hash)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
