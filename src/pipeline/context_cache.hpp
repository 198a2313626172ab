// Gemini context caches for the translating path (issue 12): a request to
// a Gemini model with `enable_native_caching` has its stable prefix
// (systemInstruction, tools, toolConfig and turns up to the latest user
// turn; providers/gemini/gemini_cache.hpp) in a `cachedContents` entry,
// created once per (namespace, provider, model, prefix) and reused until
// its `cache_ttl` runs out, and is sent with `cachedContent` and the rest.
// A growing conversation keeps using the longest prefix already cached
// until the turns after it are worth a new cache (as many tokens as the
// cached ones: choose_context_cache), so its caches double in size rather
// than one being made, and billed, per turn.
// Concurrent requests with the same prefix wait for one creation. A cache
// the upstream no longer knows is recreated once; any failure (creation
// refused, a second refusal) sends the plain request instead: caching
// never fails a request that would have worked without it. A refused
// creation is not asked again for that prefix for a minute.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>

#include "core/provider_adapter.hpp"
#include "pipeline/vector_flights.hpp"
#include "providers/gemini/gemini_cache.hpp"

namespace aisbf {

struct RequestContext;
struct TranslateJob;

// The names of the caches this gateway made, by key (a SHA-256 of the
// namespace, the provider, the model and the prefix), until they expire,
// and the prefixes whose creation was refused lately (an empty name).
// Bounded: past `max_entries` the expired go first, then the one closest to
// expiring. Shared by every worker (GatewayState::context_caches).
class ContextCacheNames {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ContextCacheNames(std::size_t max_entries = 4096) : max_entries_(max_entries) {}

  // The cache's name; "" when its creation was refused lately (send the
  // plain request); nullopt when there is none (create one).
  std::optional<std::string> find(const std::string& key, Clock::time_point now) const;
  void store(const std::string& key, std::string name, Clock::time_point expires);
  // Drops `key` if it still names `name` (another request may have renewed it).
  void forget(const std::string& key, std::string_view name);
  std::size_t size() const;
  // Creations in flight, by key: the first request creates, the others
  // wait for it and then find its name (or its refusal).
  VectorFlights& creations() { return creations_; }

 private:
  struct Entry {
    std::string name;
    Clock::time_point expires;
  };
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  VectorFlights creations_;
};

// One translated request's use of a context cache.
struct ContextCacheUse {
  std::optional<gemini::ContextParts> parts;
  std::size_t boundary = 0;  // the cache holds the first `boundary` turns
  std::string key;           // of that prefix
  std::string name;        // the cache the body names; empty: the body is the plain one
  std::string plain_body;  // the request as encoded, for the fallback
  bool renewed = false;    // a refused cache was recreated once already
};

// Whether `job.target` has native caching on and is a Gemini model: the
// test the translating path pays (no coroutine frame) when it is not.
bool context_cache_may_apply(const RequestContext& ctx, const TranslateJob& job);

// For such a target: finds or creates the cache and rewrites
// `encoded.body` to use it. When the cache cannot be had, `encoded` stays
// as it is.
boost::asio::awaitable<ContextCacheUse> use_context_cache(RequestContext& ctx, const TranslateJob& job,
                                                          UpstreamRequest& encoded);

// Whether an upstream refusal (`status`) of a request that named a cache
// is worth another try: the cache is gone or unusable.
bool context_cache_refused(const ContextCacheUse& use, int status);

// After such a refusal: the cache is forgotten and, the first time it is
// missing (403/404), recreated (`encoded.body` names the new one); when
// that fails, it was already renewed, or the request itself was refused
// (400), `encoded.body` becomes the plain request.
boost::asio::awaitable<void> recover_context_cache(RequestContext& ctx, const TranslateJob& job,
                                                   ContextCacheUse& use, UpstreamRequest& encoded, int status);

}  // namespace aisbf
