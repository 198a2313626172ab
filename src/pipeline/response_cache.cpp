#include "pipeline/response_cache.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "cache/backend_factory.hpp"
#include "cache/memory_backend.hpp"
#include "core/log_text.hpp"
#include "pipeline/db_pool.hpp"
#include "pipeline/pooled_cache_store.hpp"
#include "pipeline/redis_cache_store.hpp"
#include "pipeline/response_flights.hpp"

namespace aisbf {

namespace {

class InPlaceStore final : public CacheStore {
 public:
  explicit InPlaceStore(std::unique_ptr<cache::Backend> backend) : backend_(std::move(backend)) {}
  std::string_view name() const override { return backend_->name(); }
  boost::asio::awaitable<Expected<std::optional<std::string>>> get(std::string_view key,
                                                                   cache::Clock::time_point now) override {
    co_return backend_->get(key, now);
  }
  boost::asio::awaitable<Expected<bool>> put(std::string_view key, cache::EntryLabels labels, std::string_view value,
                                             cache::Clock::time_point expires) override {
    co_return backend_->put(key, labels, value, expires);
  }
  boost::asio::awaitable<Expected<std::uint64_t>> clear(cache::ClearFilter filter) override {
    co_return backend_->clear(filter);
  }
  boost::asio::awaitable<Expected<cache::BackendStats>> stats() override { co_return backend_->stats(); }
  std::uint64_t max_value_bytes() const override { return backend_->max_value_bytes(); }

 private:
  std::unique_ptr<cache::Backend> backend_;
};

}  // namespace

// A flight per distinct key in flight; past the bound a miss goes alone.
ResponseCache::ResponseCache(std::unique_ptr<CacheStore> store)
    : store_(std::move(store)), flights_(std::make_unique<ResponseFlights>(4096, recording_cap(*store_))) {}

ResponseCache::~ResponseCache() = default;

CacheCounters ResponseCache::counters() const {
  return {hits_.load(std::memory_order_relaxed), misses_.load(std::memory_order_relaxed),
          coalesced_.load(std::memory_order_relaxed)};
}

void ResponseCache::reset_counters() {
  hits_.store(0, std::memory_order_relaxed);
  misses_.store(0, std::memory_order_relaxed);
  coalesced_.store(0, std::memory_order_relaxed);
}

std::size_t recording_cap(const CacheStore& store) {
  return static_cast<std::size_t>(std::min<std::uint64_t>(ResponseFlights::kMaxRecordedBytes, store.max_value_bytes()));
}

std::unique_ptr<CacheStore> make_in_place_store(std::unique_ptr<cache::Backend> backend) {
  return std::make_unique<InPlaceStore>(std::move(backend));
}

namespace {

std::unique_ptr<CacheStore> memory_store(const ResponseCacheConfig& settings) {
  return make_in_place_store(cache::make_memory_backend({settings.max_entries, settings.max_memory_bytes}));
}

}  // namespace

std::unique_ptr<ResponseCache> make_response_cache(const ResponseCacheConfig& settings) {
  const std::string kind = cache::backend_kind(settings.backend);
  if (kind == "memory") return std::make_unique<ResponseCache>(memory_store(settings));
  if (kind == "redis") {
    RedisCacheOptions options;
    options.redis.host = settings.redis_host;
    options.redis.port = static_cast<std::uint16_t>(settings.redis_port);
    options.redis.password = settings.redis_password;
    options.redis.db = settings.redis_db;
    options.key_prefix = settings.redis_key_prefix;
    return std::make_unique<ResponseCache>(std::make_unique<RedisCacheStore>(std::move(options)));
  }
  cache::BackendOptions options;
  options.backend = kind;
  options.limits.max_entries = settings.max_entries;
  options.sqlite_path = settings.sqlite_path;
  options.mysql = {settings.mysql_host, settings.mysql_port, settings.mysql_user, settings.mysql_password,
                   settings.mysql_database};
  options.file_dir = settings.file_dir;
  // Two threads of the cache's own: a slow cache database never holds the Store's.
  auto pooled = make_pooled_cache_store(options, std::make_unique<DbPool>(2));
  if (!pooled) {
    // Made at start: a backend that cannot be opened costs the cache its
    // persistence, never the gateway.
    spdlog::warn("response_cache.backend \"{}\": {}; using memory", log_text(settings.backend),
                 pooled.error().message);
    return std::make_unique<ResponseCache>(memory_store(settings));
  }
  return std::make_unique<ResponseCache>(std::move(*pooled));
}

}  // namespace aisbf
