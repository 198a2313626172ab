// Each call hands the blocking one to the DB pool. The lambdas capture by
// reference only (the coroutine's frame, which holds the parameters,
// outlives the call) and are named before the co_await: g++ 12 destroys a
// temporary inside a co_await expression twice (pipeline/db_pool.hpp).
#include "pipeline/pooled_cache_store.hpp"

#include <string>
#include <utility>

#include "cache/backend_factory.hpp"
#include "cache/backend_support.hpp"

namespace aisbf {

// Counts a call from before it is handed to the pool until it is back (or
// its coroutine is destroyed).
class PooledCacheStore::Slot {
 public:
  explicit Slot(std::atomic<int>& calls) : calls_(&calls) {}
  Slot(Slot&& other) noexcept : calls_(std::exchange(other.calls_, nullptr)) {}
  Slot& operator=(Slot&&) = delete;
  ~Slot() {
    if (calls_ != nullptr) --*calls_;
  }

 private:
  std::atomic<int>* calls_;
};

// Gets and puts may be refused when the pool holds max_calls_ already;
// clear and stats (an admin's, rare) are counted but always go.
Expected<PooledCacheStore::Slot> PooledCacheStore::enter(bool may_refuse) {
  const int before = calls_.fetch_add(1);
  Slot slot(calls_);
  if (may_refuse && before >= max_calls_) {
    return cache::backend_error(backend_->name(), std::to_string(before) + " calls already on the database pool");
  }
  return slot;
}

boost::asio::awaitable<Expected<std::optional<std::string>>> PooledCacheStore::get(std::string_view key,
                                                                                   cache::Clock::time_point now) {
  auto slot = enter(true);
  if (!slot) co_return slot.take_error();
  cache::Backend& backend = *backend_;
  auto call = [&backend, &key, &now] { return backend.get(key, now); };
  auto result = co_await pool_.run(call);
  co_return result;
}

boost::asio::awaitable<Expected<bool>> PooledCacheStore::put(std::string_view key, cache::EntryLabels labels,
                                                             std::string_view value, cache::Clock::time_point expires) {
  auto slot = enter(true);
  if (!slot) co_return slot.take_error();
  cache::Backend& backend = *backend_;
  auto call = [&backend, &key, &labels, &value, &expires] { return backend.put(key, labels, value, expires); };
  auto result = co_await pool_.run(call);
  co_return result;
}

boost::asio::awaitable<Expected<std::uint64_t>> PooledCacheStore::clear(cache::ClearFilter filter) {
  auto slot = enter(false);
  cache::Backend& backend = *backend_;
  auto call = [&backend, &filter] { return backend.clear(filter); };
  auto result = co_await pool_.run(call);
  co_return result;
}

boost::asio::awaitable<Expected<cache::BackendStats>> PooledCacheStore::stats() {
  auto slot = enter(false);
  cache::Backend& backend = *backend_;
  auto call = [&backend] { return backend.stats(); };
  auto result = co_await pool_.run(call);
  co_return result;
}

Expected<std::unique_ptr<CacheStore>> make_pooled_cache_store(const cache::BackendOptions& options, DbPool& pool) {
  auto backend = cache::make_pooled_backend(options);
  if (!backend) return backend.take_error();
  return std::unique_ptr<CacheStore>(std::make_unique<PooledCacheStore>(pool, std::move(backend.value())));
}

Expected<std::unique_ptr<CacheStore>> make_pooled_cache_store(const cache::BackendOptions& options,
                                                              std::unique_ptr<DbPool> pool) {
  auto backend = cache::make_pooled_backend(options);
  if (!backend) return backend.take_error();
  return std::unique_ptr<CacheStore>(std::make_unique<PooledCacheStore>(std::move(pool), std::move(backend.value())));
}

}  // namespace aisbf
