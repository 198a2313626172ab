#include "pipeline/response_cache.hpp"

#include <spdlog/spdlog.h>

#include "cache/memory_backend.hpp"
#include "pipeline/vector_flights.hpp"

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

 private:
  std::unique_ptr<cache::Backend> backend_;
};

}  // namespace

// A flight per distinct key in flight; past the bound a miss goes alone.
ResponseCache::ResponseCache(std::unique_ptr<CacheStore> store)
    : store_(std::move(store)), flights_(std::make_unique<VectorFlights>(4096)) {}

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

std::unique_ptr<CacheStore> make_in_place_store(std::unique_ptr<cache::Backend> backend) {
  return std::make_unique<InPlaceStore>(std::move(backend));
}

std::unique_ptr<ResponseCache> make_response_cache(const ResponseCacheConfig& settings) {
  if (settings.backend != "memory") {
    spdlog::warn("response_cache.backend \"{}\" is not available in this build: using memory", settings.backend);
  }
  auto backend = cache::make_memory_backend({settings.max_entries, settings.max_memory_bytes});
  return std::make_unique<ResponseCache>(make_in_place_store(std::move(backend)));
}

}  // namespace aisbf
