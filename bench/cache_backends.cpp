// The response cache's blocking backends (src/cache/): what a hit, a miss
// and a put of a 4 KB entry cost in memory, on SQLite and on files, with
// 1000 entries stored (AISBF's max_memory_cache default). The DB pool's
// thread hop (pipeline/pooled_cache_store.hpp) comes on top. And memory
// hits of large entries (256 KB) from 1 and 2 threads: what a hit holds
// the backend's mutex for. Google Benchmark,
// optimised; built on request: cmake --build build --target
// bench-cache-backends && build/bench-cache-backends
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "cache/file_backend.hpp"
#include "cache/memory_backend.hpp"
#include "cache/sqlite_backend.hpp"

namespace {

using aisbf::cache::Backend;
using aisbf::cache::BackendLimits;
using aisbf::cache::Clock;
using aisbf::cache::EntryLabels;

constexpr int kEntries = 1000;
constexpr std::size_t kValueSize = 4096;

std::string key_of(int n) {
  std::string hex = std::to_string(n);
  return std::string(64 - hex.size(), 'b') + hex;
}

// A fresh directory under $TMPDIR, removed with the fixture.
struct Scratch {
  std::filesystem::path dir;
  Scratch() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "aisbf-bench-cache-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) dir = tmpl;
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

std::unique_ptr<Backend> open(const std::string& kind, const Scratch& scratch) {
  const BackendLimits limits{1ULL << 30, kEntries};
  if (kind == "memory") return aisbf::cache::make_memory_backend({kEntries, 1ULL << 30});
  if (kind == "sqlite") return aisbf::cache::make_sqlite_backend((scratch.dir / "cache.db").string(), limits);
  return aisbf::cache::make_file_backend((scratch.dir / "entries").string(), limits);
}

void fill(Backend& backend, std::size_t value_size = kValueSize, int entries = kEntries) {
  const std::string value(value_size, 'v');
  for (int i = 0; i < entries; ++i) {
    (void)backend.put(key_of(i), EntryLabels{"alice", "openai", "gpt-4o"}, value, Clock::now() + std::chrono::hours(1));
  }
}

void get_hit(benchmark::State& state, const std::string& kind) {
  Scratch scratch;
  auto backend = open(kind, scratch);
  fill(*backend);
  int i = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto got = backend->get(key_of(i++ % kEntries), Clock::now());
    if (!got.has_value() || !got.value()) state.SkipWithError("not a hit");
    bytes += got.has_value() && got.value() ? got.value()->size() : 0;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void get_miss(benchmark::State& state, const std::string& kind) {
  Scratch scratch;
  auto backend = open(kind, scratch);
  fill(*backend);
  int i = 0;
  for (auto _ : state) {
    auto got = backend->get(key_of(kEntries + i++), Clock::now());
    if (!got.has_value() || got.value()) state.SkipWithError("not a miss");
  }
}

// Steady state: every put past the first 1000 evicts the oldest.
void put(benchmark::State& state, const std::string& kind) {
  Scratch scratch;
  auto backend = open(kind, scratch);
  fill(*backend);
  const std::string value(kValueSize, 'w');
  int i = kEntries;
  for (auto _ : state) {
    auto kept = backend->put(key_of(i++), EntryLabels{"alice", "openai", "gpt-4o"}, value,
                             Clock::now() + std::chrono::hours(1));
    if (!kept.has_value() || !kept.value()) state.SkipWithError("not kept");
  }
}

// Large entries, one backend shared by the benchmark's threads (made by
// thread 0 before the threads meet at the loop's start).
constexpr std::size_t kLargeValue = 256 * 1024;
constexpr int kLargeEntries = 64;
std::unique_ptr<Backend> shared_memory;

void memory_hit_large(benchmark::State& state) {
  if (state.thread_index() == 0) {
    shared_memory = aisbf::cache::make_memory_backend({kLargeEntries, 1ULL << 30});
    fill(*shared_memory, kLargeValue, kLargeEntries);
  }
  int i = state.thread_index();
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto got = shared_memory->get(key_of(i++ % kLargeEntries), Clock::now());
    if (!got.has_value() || !got.value()) state.SkipWithError("not a hit");
    bytes += got.has_value() && got.value() ? got.value()->size() : 0;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

BENCHMARK_CAPTURE(get_hit, memory, std::string("memory"))->Unit(benchmark::kMicrosecond);
BENCHMARK(memory_hit_large)->Unit(benchmark::kMicrosecond)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK_CAPTURE(get_hit, sqlite, std::string("sqlite"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(get_hit, file, std::string("file"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(get_miss, sqlite, std::string("sqlite"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(get_miss, file, std::string("file"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(put, sqlite, std::string("sqlite"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(put, file, std::string("file"))->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
