// What a response-cache hit in Redis costs (issue 12: "a Redis hit adds at
// most 100 µs over a memory hit"): RedisCacheStore::get of a stored entry
// against a redis-server on loopback, one io_context on one thread as a
// gateway worker has it.
//
//   bench-redis-cache <redis-url> [value-bytes=4096] [calls=20000]
//
// <redis-url> as tests/db/server.sh prints it (redis://:pw@127.0.0.1:port/0).
// Prints p50/p90/p99 of one get at a time (c=1: the latency a hit adds),
// then the gets per second with 16 in flight on the one connection
// (pipelined), and the same for put.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "pipeline/redis_cache_store.hpp"

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

bool parse_url(const std::string& url, aisbf::http::RedisOptions& o) {
  const auto at = url.rfind('@');
  const auto colon = url.find(':', at);
  const auto slash = url.find('/', colon);
  const auto pw = url.find(":", url.find("://") + 3);
  if (url.rfind("redis://", 0) != 0 || at == std::string::npos || colon == std::string::npos) return false;
  o.password = pw < at ? url.substr(pw + 1, at - pw - 1) : "";
  o.host = url.substr(at + 1, colon - at - 1);
  o.port = static_cast<std::uint16_t>(std::atoi(url.substr(colon + 1, slash - colon - 1).c_str()));
  o.db = slash == std::string::npos ? 0 : std::atoi(url.substr(slash + 1).c_str());
  return true;
}

void report(const char* what, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[static_cast<std::size_t>(q * static_cast<double>(us.size() - 1))]; };
  std::printf("%-22s p50 %7.1f us  p90 %7.1f us  p99 %7.1f us  (%zu calls)\n", what, at(0.5), at(0.9), at(0.99),
              us.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench-redis-cache <redis-url> [value-bytes] [calls]\n");
    return 2;
  }
  aisbf::RedisCacheOptions options;
  if (!parse_url(argv[1], options.redis)) {
    std::fprintf(stderr, "bench-redis-cache: cannot read %s\n", argv[1]);
    return 2;
  }
  options.key_prefix = "aisbf:bench:";
  const std::size_t bytes = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 4096;
  const int calls = argc > 3 ? std::atoi(argv[3]) : 20000;
  aisbf::RedisCacheStore store(options);
  asio::io_context io;
  int failures = 0;

  auto body = [&]() -> asio::awaitable<void> {
    const std::string value(bytes, 'v');
    const std::string key = "hit";
    const aisbf::cache::EntryLabels labels{"bench", "provider", "model"};
    const auto expires = aisbf::cache::Clock::now() + std::chrono::hours(1);
    auto kept = co_await store.put(key, labels, value, expires);
    if (!kept || !kept.value()) {
      std::fprintf(stderr, "bench-redis-cache: put failed%s\n", kept ? "" : (": " + kept.error().message).c_str());
      failures = calls;
      co_return;
    }
    std::vector<double> get_us, put_us;
    for (int i = 0; i < calls; ++i) {
      const auto now = aisbf::cache::Clock::now();
      const auto t0 = Clock::now();
      auto got = co_await store.get(key, now);
      get_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      if (!got || !got.value() || got.value()->size() != bytes) ++failures;
    }
    report("get (hit), c=1", get_us);
    for (int i = 0; i < calls / 4; ++i) {
      const auto t0 = Clock::now();
      auto again = co_await store.put(key, labels, value, expires);
      put_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      if (!again || !again.value()) ++failures;
    }
    report("put, c=1", put_us);

    // 16 in flight on the one connection.
    for (const char* what : {"get (hit), c=16", "put, c=16"}) {
      const bool gets = what[0] == 'g';
      int done = 0;
      const auto t0 = Clock::now();
      auto worker = [&]() -> asio::awaitable<void> {
        for (int i = 0; i < calls / 16; ++i) {
          if (gets) {
            const auto now = aisbf::cache::Clock::now();
            auto got = co_await store.get(key, now);
            if (!got || !got.value()) ++failures;
          } else {
            auto again = co_await store.put(key, labels, value, expires);
            if (!again) ++failures;
          }
        }
        ++done;
      };
      asio::steady_timer wait(io);
      for (int w = 0; w < 16; ++w) asio::co_spawn(io, worker(), asio::detached);
      while (done < 16) {
        wait.expires_after(std::chrono::milliseconds(1));
        co_await wait.async_wait(asio::use_awaitable);
      }
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      std::printf("%-22s %9.0f calls/s\n", what, (calls / 16 * 16) / s);
    }
    const aisbf::cache::ClearFilter all;
    (void)co_await store.clear(all);
  };
  asio::co_spawn(io, body(), asio::detached);
  io.run();
  if (failures) std::fprintf(stderr, "bench-redis-cache: %d calls failed\n", failures);
  return failures ? 1 : 0;
}
