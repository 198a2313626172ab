// bench-usage-writer: what recording usage costs the gateway's process:
// the writer thread's CPU per row (SqlStore::insert_usage and its rollups,
// through the real UsageRecorder), for rows shaped like gateway traffic at
// ~25,000 requests/s (a batch covers a few tens of ms: few distinct hours
// and dimensions).
//
//   bench-usage-writer [ROWS] [USERS] [DATABASE]
//
// ROWS (default 200,000) rows, USERS (default 1) users taking turns, into a
// new SQLite file (default) or DATABASE (a SQLite path or a postgresql://
// URL). Prints rows/s and the writer's CPU µs per row. Instructions per
// row: run it under callgrind counting the writer thread only
// (bench/README.md, "usage writer").
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "bench_store.hpp"
#include "store/sql_driver.hpp"
#include "store/usage_recorder.hpp"

using namespace aisbf::store;

namespace {

double cpu_ms(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

UsageRecord make_row(std::int64_t i, int users, UnixMs start) {
  UsageRecord r;
  r.time_ms = start + i / 25;  // 25 rows a millisecond
  r.username = users > 1 ? "user" + std::to_string(i % users) : "";
  r.token_id = users > 1 ? "tok-" + std::to_string(i % users) : "auth.tokens[0]";
  r.route = "chat";
  r.requested_model = "mock/mock-model";
  r.provider = "mock";
  r.model = "mock-model";
  r.attempts = 1;
  r.prompt_tokens = 12;
  r.completion_tokens = 9;
  r.latency_ms = 1;
  r.ttfb_ms = 1;
  r.status = 200;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t n = argc > 1 ? std::atoll(argv[1]) : 200'000;
  const int users = argc > 2 ? std::max(1, std::atoi(argv[2])) : 1;
  aisbf::bench::BenchStore bench_store(argc > 3 ? argv[3] : "", "aisbf-bench-writer");
  Store* store = bench_store.get();
  if (store == nullptr) return 1;
  if (auto m = store->migrate(); !m) {
    std::fprintf(stderr, "migrate: %s\n", m.error().message.c_str());
    return 1;
  }
  UsageRecorderOptions options;
  options.queue_size = static_cast<std::size_t>(n) + 1;  // nothing dropped: every row is written
  UsageRecorder recorder(*store, options);
  const auto wall = std::chrono::steady_clock::now();
  const double process0 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID), main0 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
  for (std::int64_t i = 0; i < n; ++i) recorder.record(make_row(i, users, 1'700'000'000'000));
  recorder.flush();
  // The process's CPU but this thread's (which made and queued the rows).
  const double writer = (cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - process0) - (cpu_ms(CLOCK_THREAD_CPUTIME_ID) - main0);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
  const auto stats = recorder.stats();
  std::printf("%s, %lld rows, %d user(s): written %llu, dropped %llu; %.0f rows/s, writer CPU %.2f µs/row\n",
              std::string(store->backend()).c_str(), static_cast<long long>(n), users,
              static_cast<unsigned long long>(stats.written), static_cast<unsigned long long>(stats.dropped()),
              static_cast<double>(n) / secs, writer * 1e3 / static_cast<double>(n));
  return stats.written == static_cast<std::uint64_t>(n) ? 0 : 1;
}
