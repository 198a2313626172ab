// A CacheStore over a blocking cache::Backend (SQLite, MySQL/MariaDB, file)
// whose every call runs on the DB pool, never on the event loop that awaits
// it (DESIGN §4), and the factory from the response_cache values to one.
#pragma once

#include <atomic>
#include <memory>

#include "cache/backend.hpp"
#include "cache/backend_options.hpp"
#include "core/expected.hpp"
#include "pipeline/cache_store.hpp"
#include "pipeline/db_pool.hpp"

namespace aisbf {

// At most this many of a store's gets and puts are on the DB pool (queued or
// running) at once; beyond it they fail at once (a miss, an answer not
// stored). The pool's few threads also serve the Store: a cache database
// that hangs must not take them all.
constexpr int kMaxCacheCallsOnPool = 2;

class PooledCacheStore final : public CacheStore {
 public:
  // `pool` outlives this store.
  PooledCacheStore(DbPool& pool, std::unique_ptr<cache::Backend> backend, int max_calls = kMaxCacheCallsOnPool)
      : pool_(pool), backend_(std::move(backend)), max_calls_(max_calls) {}
  // On a pool of its own (the gateway's response cache: a slow cache
  // database never holds the Store's threads); joined before the backend goes.
  PooledCacheStore(std::unique_ptr<DbPool> pool, std::unique_ptr<cache::Backend> backend,
                   int max_calls = kMaxCacheCallsOnPool)
      : owned_pool_(std::move(pool)), pool_(*owned_pool_), backend_(std::move(backend)), max_calls_(max_calls) {}
  ~PooledCacheStore() override {
    if (owned_pool_) owned_pool_->join();  // the calls under way still use backend_
  }

  std::string_view name() const override { return backend_->name(); }
  boost::asio::awaitable<Expected<std::optional<std::string>>> get(std::string_view key,
                                                                   cache::Clock::time_point now) override;
  boost::asio::awaitable<Expected<bool>> put(std::string_view key, cache::EntryLabels labels, std::string_view value,
                                             cache::Clock::time_point expires) override;
  boost::asio::awaitable<Expected<std::uint64_t>> clear(cache::ClearFilter filter) override;
  boost::asio::awaitable<Expected<cache::BackendStats>> stats() override;
  std::uint64_t max_value_bytes() const override { return backend_->max_value_bytes(); }

 private:
  class Slot;  // one call counted on the pool
  Expected<Slot> enter(bool may_refuse);

  std::unique_ptr<DbPool> owned_pool_;  // null: the pool is the caller's
  DbPool& pool_;
  std::unique_ptr<cache::Backend> backend_;
  const int max_calls_;
  std::atomic<int> calls_{0};
};

// `options.backend` sqlite, mysql (mariadb) or file → a PooledCacheStore;
// an error for any other (memory and redis are built by their own
// factories). Opens nothing yet: the backend connects on first use.
Expected<std::unique_ptr<CacheStore>> make_pooled_cache_store(const cache::BackendOptions& options, DbPool& pool);
// The same, on `pool`, which the store then owns.
Expected<std::unique_ptr<CacheStore>> make_pooled_cache_store(const cache::BackendOptions& options,
                                                              std::unique_ptr<DbPool> pool);

}  // namespace aisbf
