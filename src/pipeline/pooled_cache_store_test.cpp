// PooledCacheStore on a real io_context and DbPool: get, put, clear and
// stats awaited over SQLite, every backend call off the loop's thread, and
// the factory's choices.
#include "pipeline/pooled_cache_store.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cache/sqlite_backend.hpp"
#include "store/store_test_util.hpp"

namespace aisbf {
namespace {

using namespace std::chrono_literals;
using store::testing::TempDir;

// Records the threads a backend's calls run on.
class ThreadRecorder final : public cache::Backend {
 public:
  explicit ThreadRecorder(std::unique_ptr<cache::Backend> inner) : inner_(std::move(inner)) {}
  std::string_view name() const override { return inner_->name(); }
  Expected<std::optional<std::string>> get(std::string_view key, cache::Clock::time_point now) override {
    note();
    return inner_->get(key, now);
  }
  Expected<bool> put(std::string_view key, const cache::EntryLabels& labels, std::string_view value,
                     cache::Clock::time_point expires) override {
    note();
    return inner_->put(key, labels, value, expires);
  }
  Expected<std::uint64_t> clear(const cache::ClearFilter& filter) override {
    note();
    return inner_->clear(filter);
  }
  Expected<cache::BackendStats> stats() override {
    note();
    return inner_->stats();
  }
  std::set<std::thread::id> threads() {
    std::lock_guard lock(mutex_);
    return threads_;
  }

 private:
  void note() {
    std::lock_guard lock(mutex_);
    threads_.insert(std::this_thread::get_id());
  }
  std::unique_ptr<cache::Backend> inner_;
  std::mutex mutex_;
  std::set<std::thread::id> threads_;
};

// Runs `body` as a coroutine on a fresh io_context until it ends.
template <class Body>
void run_on_loop(Body body) {
  boost::asio::io_context io;
  bool finished = false;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        co_await body();
        finished = true;
      },
      boost::asio::detached);
  io.run();
  EXPECT_TRUE(finished);
}

TEST(PooledCacheStore, AwaitsSqliteOnTheDbPool) {
  TempDir dir;
  DbPool pool(2);
  cache::BackendOptions options;
  options.backend = "SQLite";
  options.sqlite_path = (dir.path() / "nested" / "response_cache.db").string();
  auto store = make_pooled_cache_store(options, pool);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  CacheStore& cache = *store.value();
  EXPECT_EQ(cache.name(), "sqlite");

  const std::string key_a(64, 'a'), key_b(64, 'b'), alice = "alice", bob = "bob", provider = "openai", model = "gpt-4o",
                                                    answer = "{\"choices\":[]}";
  run_on_loop([&]() -> boost::asio::awaitable<void> {
    const auto now = cache::Clock::now();
    auto miss = co_await cache.get(key_a, now);
    EXPECT_TRUE(miss.has_value() && !miss.value());
    const cache::EntryLabels for_alice{alice, provider, model};
    const cache::EntryLabels for_bob{bob, provider, model};
    auto kept = co_await cache.put(key_a, for_alice, answer, now + 1h);
    EXPECT_TRUE(kept.has_value() && kept.value());
    kept = co_await cache.put(key_b, for_bob, answer, now + 1h);
    EXPECT_TRUE(kept.has_value() && kept.value());
    auto hit = co_await cache.get(key_a, now);
    EXPECT_TRUE(hit.has_value() && hit.value() == answer);
    auto expired = co_await cache.get(key_a, now + 2h);
    EXPECT_TRUE(expired.has_value() && !expired.value());
    auto stats = co_await cache.stats();
    EXPECT_TRUE(stats.has_value() && stats->entries == 1 && stats->bytes == answer.size());
    cache::ClearFilter only_bob;
    only_bob.space = bob;
    auto cleared = co_await cache.clear(only_bob);
    EXPECT_TRUE(cleared.has_value() && cleared.value() == 1);
    stats = co_await cache.stats();
    EXPECT_TRUE(stats.has_value() && stats->entries == 0 && stats->bytes == 0);
  });
  EXPECT_TRUE(std::filesystem::exists(options.sqlite_path));
}

TEST(PooledCacheStore, NeverCallsTheBackendOnTheLoopThread) {
  TempDir dir;
  DbPool pool(2);
  auto recorder = std::make_unique<ThreadRecorder>(
      cache::make_sqlite_backend((dir.path() / "c.db").string(), cache::BackendLimits{}));
  ThreadRecorder& seen = *recorder;
  PooledCacheStore cache(pool, std::move(recorder));
  const std::string key(64, 'c');
  run_on_loop([&]() -> boost::asio::awaitable<void> {
    const std::string value = "v";
    (void)co_await cache.put(key, cache::EntryLabels{}, value, cache::Clock::now() + 1h);
    (void)co_await cache.get(key, cache::Clock::now());
    (void)co_await cache.clear(cache::ClearFilter{});
    (void)co_await cache.stats();
  });
  const auto threads = seen.threads();
  EXPECT_FALSE(threads.empty());
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
}

TEST(PooledCacheStore, ABackendThatFailsAnswersWithAnErrorValue) {
  TempDir dir;
  DbPool pool(1);
  const auto blocker = dir.path() / "not-a-dir";
  FILE* f = std::fopen(blocker.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  cache::BackendOptions options;
  options.backend = "file";
  options.file_dir = (blocker / "entries").string();
  auto store = make_pooled_cache_store(options, pool);
  ASSERT_TRUE(store.has_value());
  const std::string key(64, 'd');
  run_on_loop([&]() -> boost::asio::awaitable<void> {
    auto got = co_await store.value()->get(key, cache::Clock::now());
    EXPECT_FALSE(got.has_value());
    if (!got.has_value()) {
      EXPECT_EQ(got.error().kind, ErrorKind::unavailable);
    }
  });
}

// A backend whose gets wait until released.
class GatedBackend final : public cache::Backend {
 public:
  std::string_view name() const override { return "gated"; }
  Expected<std::optional<std::string>> get(std::string_view, cache::Clock::time_point) override {
    ++entered;
    std::unique_lock lock(mutex_);
    opened_.wait(lock, [this] { return open_; });
    return std::optional<std::string>("v");
  }
  Expected<bool> put(std::string_view, const cache::EntryLabels&, std::string_view, cache::Clock::time_point) override {
    return true;
  }
  Expected<std::uint64_t> clear(const cache::ClearFilter&) override { return std::uint64_t{0}; }
  Expected<cache::BackendStats> stats() override { return cache::BackendStats{}; }
  void release() {
    std::lock_guard lock(mutex_);
    open_ = true;
    opened_.notify_all();
  }

  std::atomic<int> entered{0};

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

// Two gets hang on the backend: a third fails at once rather than take a
// third thread of the pool; admin calls still go.
TEST(PooledCacheStore, AtMostTwoCallsOnThePool) {
  DbPool pool(4);
  auto gated_backend = std::make_unique<GatedBackend>();
  GatedBackend& gated = *gated_backend;
  PooledCacheStore cache(pool, std::move(gated_backend));
  const std::string key(64, 'e');
  const auto now = cache::Clock::now();
  run_on_loop([&]() -> boost::asio::awaitable<void> {
    auto ex = co_await boost::asio::this_coro::executor;
    boost::asio::steady_timer timer(ex);
    auto pause = [&timer]() -> boost::asio::awaitable<void> {
      timer.expires_after(5ms);
      co_await timer.async_wait(boost::asio::use_awaitable);
    };
    int hung_done = 0;
    auto hung = [&]() -> boost::asio::awaitable<void> {
      auto r = co_await cache.get(key, now);
      EXPECT_TRUE(r.has_value());
      ++hung_done;
    };
    boost::asio::co_spawn(ex, hung, boost::asio::detached);
    boost::asio::co_spawn(ex, hung, boost::asio::detached);
    while (gated.entered.load() < 2) co_await pause();
    bool third_done = false, third_failed = false;
    auto third = [&]() -> boost::asio::awaitable<void> {
      auto r = co_await cache.get(key, now);
      third_failed = !r.has_value();
      third_done = true;
    };
    boost::asio::co_spawn(ex, third, boost::asio::detached);
    // Without a bound the third reaches the backend and hangs there too.
    while (!third_done && gated.entered.load() < 3) co_await pause();
    EXPECT_TRUE(third_done);
    EXPECT_TRUE(third_failed);
    const cache::EntryLabels labels{};
    const std::string value = "w";
    auto put = co_await cache.put(key, labels, value, now);
    EXPECT_FALSE(put.has_value());
    auto stats = co_await cache.stats();
    EXPECT_TRUE(stats.has_value());
    gated.release();
    while (hung_done < 2 || !third_done) co_await pause();
    auto after = co_await cache.get(key, now);
    EXPECT_TRUE(after.has_value());
  });
}

TEST(PooledCacheStore, FactoryPicksByName) {
  TempDir dir;
  DbPool pool(1);
  cache::BackendOptions options;
  options.sqlite_path = (dir.path() / "c.db").string();
  options.file_dir = (dir.path() / "files").string();
  for (auto [backend, name] :
       {std::pair{"sqlite", "sqlite"}, {"FILE", "file"}, {"mariadb", "mysql"}, {"MySQL", "mysql"}}) {
    options.backend = backend;
    auto store = make_pooled_cache_store(options, pool);
    ASSERT_TRUE(store.has_value()) << backend;
    EXPECT_EQ(store.value()->name(), name);
  }
  for (const char* other : {"memory", "redis", "postgres", ""}) {
    options.backend = other;
    EXPECT_FALSE(make_pooled_cache_store(options, pool).has_value()) << other;
  }
}

}  // namespace
}  // namespace aisbf
