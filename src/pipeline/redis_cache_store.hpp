// The response cache in Redis (issue 12; `response_cache.backend: redis`),
// over http/redis_client.hpp: one connection per worker's io_context, so
// any number of gateway instances share one cache.
//
// An entry is a hash under `key_prefix` + key: v (the value), s, p, m (its
// labels: namespace, provider, model) and e (its expiry, ms since the Unix
// epoch), written in one MULTI/EXEC with PEXPIREAT, so Redis drops it when
// it expires (get() also checks e against the caller's clock).
//
// Costs: get and put are one round trip each. clear() and stats() walk the
// prefix with SCAN in batches of `scan_batch` keys (a bounded reply each):
// one round trip per batch for SCAN and one for the batch's HMGET (clear
// with a filter) or HSTRLEN (stats) and UNLINK (clear), so O(entries),
// for the admin routes only. stats().bytes is the sum of the values' sizes
// (HSTRLEN), not Redis's own memory; evictions is Redis's evicted_keys
// (INFO stats) since the store's first call or its last full clear, which
// counts every key Redis evicted, ours or not.
//
// Redis down: every call fails at once with an error (the client's
// backoff), which the cache turns into a miss and a warning.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "http/redis_client.hpp"
#include "pipeline/cache_store.hpp"

namespace aisbf {

struct RedisCacheOptions {
  http::RedisOptions redis;
  std::string key_prefix = "aisbf:response:";  // AISBF's default
  std::size_t scan_batch = 512;                  // SCAN COUNT, and the keys handled per round trip
};

class RedisCacheStore final : public CacheStore {
 public:
  explicit RedisCacheStore(RedisCacheOptions options);

  std::string_view name() const override { return "redis"; }
  boost::asio::awaitable<Expected<std::optional<std::string>>> get(std::string_view key,
                                                                   cache::Clock::time_point now) override;
  boost::asio::awaitable<Expected<bool>> put(std::string_view key, cache::EntryLabels labels, std::string_view value,
                                             cache::Clock::time_point expires) override;
  boost::asio::awaitable<Expected<std::uint64_t>> clear(cache::ClearFilter filter) override;
  boost::asio::awaitable<Expected<cache::BackendStats>> stats() override;

  const RedisCacheOptions& options() const { return options_; }

 private:
  boost::asio::awaitable<std::shared_ptr<http::RedisClient>> client();  // held for the whole call
  // Redis's evicted_keys now; remembered as the baseline the first time.
  boost::asio::awaitable<Expected<std::uint64_t>> evicted_keys(http::RedisClient& redis);

  const RedisCacheOptions options_;
  std::atomic<std::int64_t> evicted_baseline_{-1};  // -1: not read yet
  std::atomic<bool> baseline_asked_{false};         // once: INFO may be refused (renamed away)
};

}  // namespace aisbf
