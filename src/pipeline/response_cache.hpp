// The response cache as the gateway holds it (issue 12): one per process
// (GatewayState::response_cache), made at start from aisbf.json's
// `response_cache` (its backend and bounds are read then; `enabled`, `ttl`,
// `cache_nondeterministic` and the per-target switches are read from each
// request's snapshot). It owns the store and counts hits, misses and
// coalesced requests since start or the last full clear.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "cache/backend.hpp"
#include "config/config.hpp"
#include "pipeline/cache_store.hpp"
#include "pipeline/warning_gate.hpp"

namespace aisbf {

class ResponseFlights;

struct CacheCounters {
  std::uint64_t hits = 0, misses = 0, coalesced = 0;
};

class ResponseCache {
 public:
  explicit ResponseCache(std::unique_ptr<CacheStore> store);
  ~ResponseCache();
  CacheStore& store() { return *store_; }
  // Identical misses in flight: the first leads (calls upstream), the
  // others follow its stream as it arrives, or wait for it to keep its
  // answer and read it (response_flights.hpp, cache_step.cpp).
  ResponseFlights& flights() { return *flights_; }

  void count_hit() { hits_.fetch_add(1, std::memory_order_relaxed); }
  void count_miss() { misses_.fetch_add(1, std::memory_order_relaxed); }
  void count_coalesced() { coalesced_.fetch_add(1, std::memory_order_relaxed); }
  CacheCounters counters() const;
  void reset_counters();
  // The store's failures, logged as warnings at most once per 10 s (a
  // store that is down fails every request).
  WarningGate& store_warnings() { return store_warnings_; }

 private:
  std::unique_ptr<CacheStore> store_;
  std::unique_ptr<ResponseFlights> flights_;
  std::atomic<std::uint64_t> hits_{0}, misses_{0}, coalesced_{0};
  WarningGate store_warnings_{std::chrono::seconds(10)};
};

// How much of a miss's answer is recorded to be kept (cache_step.cpp): at
// most 16 MiB (a larger answer is served, not kept), and no more than the
// store could keep: an entry holds the bytes the client got (its stream's
// framing too), so a larger answer would be recorded only to be refused.
std::size_t recording_cap(const CacheStore& store);

// A CacheStore over a backend that answers at once (memory): called in
// place on the event loop, no thread hop.
std::unique_ptr<CacheStore> make_in_place_store(std::unique_ptr<cache::Backend> backend);

// The cache `settings` describe. Backends this build cannot reach yet fall
// back to memory, with a warning.
std::unique_ptr<ResponseCache> make_response_cache(const ResponseCacheConfig& settings);

}  // namespace aisbf
