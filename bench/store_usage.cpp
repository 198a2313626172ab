// bench-store-usage: the issue's figure "10 million usage rows: a month's
// usage grouped by day answers in under 200 ms", at the Store level.
//
//   bench-store-usage [ROWS] [DATABASE]
//
// ROWS (default 10,000,000) usage rows spread evenly over 60 days (~50 users,
// 5 providers, 20 models, a few rotations) are written through
// Store::insert_usage in batches of 500, then query_usage is timed for the
// last 30 days (edges off the hour, so raw edge rows are read too) by day,
// with and without group_by. DATABASE: a SQLite file (default: a new file
// in a temporary directory, removed afterwards), or a postgresql:// URL.
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench_store.hpp"
#include "store/sql_driver.hpp"

using namespace aisbf::store;
using Clock = std::chrono::steady_clock;

namespace {

constexpr UnixMs kDay = 86'400'000;
constexpr UnixMs kEnd = 1'700'006'400'000;  // 2023-11-15T00:00:00Z
constexpr int kBatch = 500;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// This thread's CPU time: on a shared machine the wall time mostly measures
// the other processes; the CPU time is what the query itself costs here
// (SQLite runs in this thread; a server's work is not counted).
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

UsageRecord make_row(std::int64_t i, std::int64_t n, std::mt19937_64& rng) {
  const int user = static_cast<int>(rng() % 50);
  const int model = static_cast<int>(rng() % 20);
  UsageRecord r;
  r.time_ms = kEnd - 60 * kDay + static_cast<UnixMs>((static_cast<__int128>(i) * 60 * kDay) / n);
  r.username = "user" + std::to_string(user);
  r.token_id = "tok-" + std::to_string(user);
  r.route = "chat";
  r.provider = "provider" + std::to_string(model % 5);
  r.model = "model-" + std::to_string(model);
  r.requested_model = r.provider + "/" + r.model;
  r.rotation = model % 4 == 0 ? "rotation" + std::to_string(model % 3) : "";
  r.attempts = 1;
  r.prompt_tokens = static_cast<std::int64_t>(rng() % 2000);
  r.completion_tokens = static_cast<std::int64_t>(rng() % 500);
  if (model != 7) r.cost = static_cast<double>(r.prompt_tokens) * 1e-6;
  r.latency_ms = 300;
  r.ttfb_ms = 80;
  r.status = 200;
  return r;
}

bool fill(Store& store, std::int64_t n) {
  std::mt19937_64 rng(42);
  std::vector<UsageRecord> batch;
  const auto start = Clock::now();
  for (std::int64_t i = 0; i < n; i += kBatch) {
    batch.clear();
    for (std::int64_t j = i; j < std::min(n, i + kBatch); ++j) batch.push_back(make_row(j, n, rng));
    if (auto r = store.insert_usage(batch); !r) {
      std::fprintf(stderr, "insert_usage: %s\n", r.error().message.c_str());
      return false;
    }
    if ((i / kBatch) % 2000 == 0 && i > 0) {
      std::fprintf(stderr, "  %lld rows, %.0f rows/s\n", static_cast<long long>(i), i / (ms_since(start) / 1000));
    }
  }
  std::printf("filled %lld rows in %.1f s (%.0f rows/s)\n", static_cast<long long>(n), ms_since(start) / 1000,
              n / (ms_since(start) / 1000));
  return true;
}

void time_query(Store& store, const char* label, UsageGroup group) {
  UsageQuery q;
  q.from_ms = kEnd - 30 * kDay - 17 * 60'000;
  q.to_ms = kEnd - 13 * 60'000;
  q.bucket = UsageBucket::day;
  q.group_by = group;
  std::vector<double> times, cpu;
  std::int64_t requests = 0;
  std::size_t series = 0, groups = 0;
  for (int run = 0; run < 7; ++run) {
    const auto start = Clock::now();
    const double cpu_start = thread_cpu_ms();
    auto r = store.query_usage(q);
    times.push_back(ms_since(start));
    cpu.push_back(thread_cpu_ms() - cpu_start);
    if (!r) {
      std::fprintf(stderr, "query_usage: %s\n", r.error().message.c_str());
      return;
    }
    requests = r.value().totals.requests;
    series = r.value().series.size();
    groups = r.value().groups.size();
  }
  std::sort(times.begin(), times.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf(
      "%-16s wall median %6.1f ms (min %6.1f, max %6.1f), CPU median %6.1f ms; %lld requests, %zu days, %zu groups\n",
      label, times[times.size() / 2], times.front(), times.back(), cpu[cpu.size() / 2],
      static_cast<long long>(requests), series, groups);
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t n = argc > 1 ? std::atoll(argv[1]) : 10'000'000;
  aisbf::bench::BenchStore bench_store(argc > 2 ? argv[2] : "", "aisbf-bench-store");
  Store* store = bench_store.get();
  if (store == nullptr) return 1;
  if (auto m = store->migrate(); !m) {
    std::fprintf(stderr, "migrate: %s\n", m.error().message.c_str());
    return 1;
  }
  if (!fill(*store, n)) return 1;
  std::printf("%s, %lld rows over 60 days; a 30-day window by day:\n", std::string(store->backend()).c_str(),
              static_cast<long long>(n));
  time_query(*store, "no group_by", UsageGroup::none);
  time_query(*store, "group_by=user", UsageGroup::user);
  time_query(*store, "group_by=model", UsageGroup::model);
  time_query(*store, "group_by=token", UsageGroup::token);
  return 0;
}
