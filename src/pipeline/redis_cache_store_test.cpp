// The Redis CacheStore against a real redis-server (AISBF_TEST_REDIS_URL, from
// tests/db/with_server.sh; ctest's redis.client), with a key prefix of each
// test's own; a scratch server where Redis must evict. Skipped without one.
#include "pipeline/redis_cache_store.hpp"

#include <array>
#include <thread>
#include <vector>

#include <boost/asio/this_coro.hpp>
#include <gtest/gtest.h>

#include "http/redis_test_support.hpp"

namespace aisbf {
namespace {

namespace asio = boost::asio;
using namespace http::redis_test;
using cache::Clock;
using cache::ClearFilter;
using cache::EntryLabels;
using std::chrono::hours;
using std::chrono::milliseconds;

const ClearFilter kAll{};

class RedisCacheStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = test_server_options();
    if (!o) GTEST_SKIP() << kNoServer;
    options_.redis = *o;
    options_.key_prefix =
        "aisbf:test:" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ":";
    options_.scan_batch = 7;  // several pages even for a few entries
  }

  // The raw client of the calling context, for what the store does not show.
  asio::awaitable<Expected<resp::Reply>> raw(std::string_view verb, std::string_view key) {
    const auto executor = co_await asio::this_coro::executor;
    auto redis = http::redis_client_for(executor, options_.redis);
    const std::array<std::string_view, 2> words{verb, key};
    const http::RedisCommand command(words);
    co_return co_await redis->command(command);
  }

  // clear() takes its filter by value: a named copy is moved in, so no
  // co_await's full-expression builds a temporary (GCC 12).
  static asio::awaitable<Expected<std::uint64_t>> clear(RedisCacheStore& store, const ClearFilter& filter) {
    ClearFilter named = filter;
    co_return co_await store.clear(std::move(named));
  }

  // Puts `key` for an hour with labels (space, provider, model).
  static asio::awaitable<bool> put(RedisCacheStore& store, const std::string& key, const char* space,
                                   const char* provider, const char* model, const std::string& value) {
    const EntryLabels labels{space, provider, model};
    const auto expires = Clock::now() + hours(1);
    auto kept = co_await store.put(key, labels, value, expires);
    co_return kept && kept.value();
  }

  static asio::awaitable<std::optional<std::string>> get(RedisCacheStore& store, const std::string& key) {
    auto got = co_await store.get(key, Clock::now());
    EXPECT_TRUE(got) << (got ? "" : got.error().message);
    co_return got ? got.value() : std::nullopt;
  }

  RedisCacheOptions options_;
};

TEST_F(RedisCacheStoreTest, PutGetReplaceAndMiss) {
  RedisCacheStore store(options_);
  EXPECT_EQ(store.name(), "redis");
  EXPECT_TRUE(run_io([&](asio::io_context&) -> asio::awaitable<void> {
    const std::string value("answer\0with\r\nbytes", 18);
    const std::string k1 = "k1", k2 = "k2", second = "second";
    const bool kept = co_await put(store, k1, "alice", "openai", "gpt", value);
    EXPECT_TRUE(kept);
    auto got = co_await get(store, k1);
    EXPECT_EQ(got, value);
    const bool again = co_await put(store, k1, "alice", "openai", "gpt", second);
    EXPECT_TRUE(again);
    auto replaced = co_await get(store, k1);
    EXPECT_EQ(replaced, "second");
    auto missing = co_await get(store, k2);
    EXPECT_FALSE(missing);
    // Under the prefix, as a hash with its labels.
    const std::string full = options_.key_prefix + "k1";
    auto type = co_await raw("TYPE", full);
    EXPECT_TRUE(type && type->str == "hash");
    (void)co_await clear(store, kAll);
  }));
}

TEST_F(RedisCacheStoreTest, ExpiryByRedisAndByTheCallersClock) {
  RedisCacheStore store(options_);
  EXPECT_TRUE(run_io([&](asio::io_context&) -> asio::awaitable<void> {
    const EntryLabels labels{"", "p", "m"};
    const auto now = Clock::now();
    // Long enough that a slow (sanitized) run still finds it before then.
    const auto expires = now + std::chrono::seconds(5);
    auto kept = co_await store.put("soon", labels, "v", expires);
    EXPECT_TRUE(kept && kept.value());
    const std::string soon = options_.key_prefix + "soon", forever = options_.key_prefix + "forever";
    auto ttl = co_await raw("PTTL", soon);
    EXPECT_TRUE(ttl && ttl->integer > 0 && ttl->integer <= 5000) << (ttl ? ttl->integer : -9);
    // Past its expiry by the caller's clock: a miss, whatever Redis holds.
    auto later = co_await store.get("soon", expires);
    EXPECT_TRUE(later && !later.value());
    auto before = co_await store.get("soon", now);
    EXPECT_TRUE(before && before.value());
    // And Redis drops one at its expiry: a short-lived key of its own (a
    // backstop ends the wait).
    kept = co_await store.put("brief", labels, "v", now + milliseconds(100));
    EXPECT_TRUE(kept && kept.value());
    const std::string brief = options_.key_prefix + "brief";
    bool gone = false;
    for (int i = 0; i < 1000 && !gone; ++i) {
      auto exists = co_await raw("EXISTS", brief);
      gone = exists && exists->integer == 0;
      if (!gone) co_await sleep_for(milliseconds(10));
    }
    EXPECT_TRUE(gone);
    // No expiry: kept without a TTL.
    const auto never = Clock::time_point::max(), next_year = now + hours(24 * 365);
    kept = co_await store.put("forever", labels, "v", never);
    EXPECT_TRUE(kept && kept.value());
    ttl = co_await raw("PTTL", forever);
    EXPECT_TRUE(ttl && ttl->integer == -1);
    auto far = co_await store.get("forever", next_year);
    EXPECT_TRUE(far && far.value());
    (void)co_await clear(store, kAll);
  }));
}

TEST_F(RedisCacheStoreTest, ClearByLabelsAndStats) {
  RedisCacheStore store(options_);
  EXPECT_TRUE(run_io([&](asio::io_context&) -> asio::awaitable<void> {
    (void)co_await clear(store, kAll);
    const std::string va(100, 'a'), vb(10, 'b'), vg(1, 'g');
    int kept = 0;
    for (int i = 0; i < 10; ++i) {
      const std::string n = std::to_string(i), a = "a" + n, b = "b" + n, g = "g" + n;
      const bool ka = co_await put(store, a, "alice", "openai", "gpt", va);
      const bool kb = co_await put(store, b, "bob", "openai", "gpt", vb);
      const bool kg = co_await put(store, g, "", "anthropic", "claude", vg);
      kept += ka + kb + kg;
    }
    // An empty value is an entry too (HSTRLEN 0, like a key gone meanwhile).
    const std::string empty_key = "empty", nothing;
    const bool ke = co_await put(store, empty_key, "", "other", "x", nothing);
    EXPECT_EQ(kept + ke, 31);
    // A key outside the prefix is never touched; a foreign key (not a hash)
    // inside it is no entry, and only a full clear removes it.
    const std::string outside = "aisbf:test:outside:" + options_.key_prefix;
    const std::string foreign = options_.key_prefix + "foreign";
    (void)co_await raw("INCR", outside);
    (void)co_await raw("INCR", foreign);
    auto stats = co_await store.stats();
    EXPECT_TRUE(stats);
    if (stats) {
      EXPECT_EQ(stats->entries, 31u);
      EXPECT_EQ(stats->bytes, 10u * (100 + 10 + 1));
    }
    ClearFilter alice;
    alice.space = "alice";
    auto removed = co_await clear(store, alice);
    EXPECT_TRUE(removed && removed.value() == 10u);
    const std::string a3 = "a3", b3 = "b3";
    auto alice_gone = co_await get(store, a3);
    auto bob_kept = co_await get(store, b3);
    EXPECT_FALSE(alice_gone);
    EXPECT_TRUE(bob_kept);
    ClearFilter claude;
    claude.provider = "anthropic";
    claude.model = "claude";
    removed = co_await clear(store, claude);
    EXPECT_TRUE(removed && removed.value() == 10u);
    ClearFilter nobody;
    nobody.model = "none";
    removed = co_await clear(store, nobody);
    EXPECT_TRUE(removed && removed.value() == 0u);
    auto foreign_kept = co_await raw("GET", foreign);
    EXPECT_TRUE(foreign_kept && foreign_kept->str == "1") << "left alone by every clear(filter)";
    ClearFilter everything;
    removed = co_await clear(store, everything);
    EXPECT_TRUE(removed && removed.value() == 12u) << "bob's 10, the empty one and the foreign key";
    stats = co_await store.stats();
    EXPECT_TRUE(stats && stats->entries == 0 && stats->bytes == 0);
    auto survivor = co_await raw("GET", outside);
    EXPECT_TRUE(survivor && survivor->str == "1");
    (void)co_await raw("DEL", outside);
  }));
}

TEST_F(RedisCacheStoreTest, ALargeValueAndOneTooLargeToReadBack) {
  options_.redis.limits.max_reply_bytes = 8u << 20;
  RedisCacheStore store(options_);
  EXPECT_TRUE(run_io([&](asio::io_context&) -> asio::awaitable<void> {
    std::string big(4u << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 999) big[i] = static_cast<char>(i % 251);
    const std::string big_key = "big", huge_key = "huge";
    const bool kept = co_await put(store, big_key, "", "p", "m", big);
    EXPECT_TRUE(kept);
    auto got = co_await get(store, big_key);
    EXPECT_TRUE(got && *got == big);
    const std::string huge(8u << 20, 'y');
    const bool kept_huge = co_await put(store, huge_key, "", "p", "m", huge);
    EXPECT_FALSE(kept_huge);
    auto none = co_await get(store, huge_key);
    EXPECT_FALSE(none);
    (void)co_await clear(store, kAll);
  }));
}

TEST_F(RedisCacheStoreTest, SharedByWorkersEachWithItsOwnConnection) {
  RedisCacheStore store(options_);
  std::atomic<int> hits = 0;
  std::array<std::int64_t, 3> connection{};  // CLIENT ID of each worker's connection
  auto worker = [&](int w) {
    EXPECT_TRUE(run_io([&](asio::io_context&) -> asio::awaitable<void> {
      // The connection of this worker's context: the store's, as raw() finds it.
      auto id = co_await raw("CLIENT", "ID");
      EXPECT_TRUE(id && id->type == resp::Type::integer);
      if (id) connection[static_cast<std::size_t>(w)] = id->integer;
      for (int i = 0; i < 50; ++i) {
        const std::string key = "w" + std::to_string(w) + ":" + std::to_string(i);
        const bool kept = co_await put(store, key, "", "p", "m", key);
        EXPECT_TRUE(kept);
        auto got = co_await get(store, key);
        if (got == key) ++hits;
      }
    }));
  };
  std::thread a(worker, 1), b(worker, 2);
  a.join();
  b.join();
  EXPECT_EQ(hits.load(), 100);
  EXPECT_TRUE(connection[1] > 0 && connection[2] > 0 && connection[1] != connection[2])
      << connection[1] << " " << connection[2];
  run_io([&](asio::io_context&) -> asio::awaitable<void> { (void)co_await clear(store, kAll); });
}

TEST_F(RedisCacheStoreTest, RedisDownIsAnErrorAtOnce) {
  options_.redis.port = static_cast<std::uint16_t>(closed_port());
  RedisCacheStore store(options_);
  EXPECT_TRUE(run_io([&](asio::io_context&) -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      const auto now = Clock::now();
      auto got = co_await store.get("k", now);
      EXPECT_FALSE(got);
      if (!got) {
        EXPECT_EQ(got.error().kind, ErrorKind::unavailable) << got.error().message;
      }
      const EntryLabels labels{"", "p", "m"};
      const auto expires = now + hours(1);
      auto kept = co_await store.put("k", labels, "v", expires);
      EXPECT_FALSE(kept);
    }
    auto cleared = co_await clear(store, kAll);
    EXPECT_FALSE(cleared);
    auto stats = co_await store.stats();
    EXPECT_FALSE(stats);
  }));
}

TEST_F(RedisCacheStoreTest, EvictionsAreRedisEvictedKeys) {
  ScratchServer server("redis");
  ASSERT_FALSE(server.url().empty()) << "tests/db/server.sh did not start a scratch redis";
  options_.redis = *options_from_url(server.url());
  RedisCacheStore store(options_);
  EXPECT_TRUE(run_io([&](asio::io_context&) -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    auto redis = http::redis_client_for(executor, options_.redis);
    const std::array<std::string_view, 4> maxmemory{"CONFIG", "SET", "maxmemory", "4mb"};
    const std::array<std::string_view, 4> policy{"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"};
    const std::array<http::RedisCommand, 2> config{maxmemory, policy};
    const std::span<const http::RedisCommand> batch(config);
    auto set = co_await redis->pipeline(batch);
    EXPECT_TRUE(set && (*set)[0].str == "OK" && (*set)[1].str == "OK");
    auto before = co_await store.stats();
    EXPECT_TRUE(before && before->evictions == 0);
    const std::string value(100 * 1024, 'e');
    for (int i = 0; i < 100; ++i) {
      const std::string key = "e" + std::to_string(i);
      (void)co_await put(store, key, "", "p", "m", value);
    }
    auto after = co_await store.stats();
    EXPECT_TRUE(after && after->evictions > 0 && after->entries < 100);
    (void)co_await clear(store, kAll);
    auto cleared = co_await store.stats();
    EXPECT_TRUE(cleared && cleared->evictions == 0) << "counted again from the last full clear";
  }));
}

}  // namespace
}  // namespace aisbf
