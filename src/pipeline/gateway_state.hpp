// The mutable state every worker shares: provider and model health, request
// spacing, learned rate limits and token windows. One owner (the App); one
// narrow interface per concern, so that a Redis-backed implementation can
// replace the in-process one for a cluster (DESIGN §4): every call is an
// operation on keys at a time the caller passes, answered with values
// (src/limits/README.md and src/routing/README.md say what a remote store
// must provide). Each store tracks at most `max_keys` keys.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "limits/adaptive.hpp"
#include "limits/quotas.hpp"
#include "limits/spacing.hpp"
#include "limits/token_windows.hpp"
#include "routing/autoselect_cache.hpp"
#include "routing/description_vectors.hpp"
#include "routing/health.hpp"

namespace aisbf {

class ContentIds;
class ContextCacheNames;
class CountPool;
class ResponseCache;
class StoredResponses;
class VectorFlights;
class AccessLogWriter;
namespace ops {
class Metrics;
}

struct GatewayState {
  GatewayState();
  ~GatewayState();

  std::unique_ptr<routing::HealthStore> health;
  std::unique_ptr<limits::RequestSpacing> spacing;
  std::unique_ptr<limits::AdaptiveLimits> adaptive;
  std::unique_ptr<limits::TokenWindows> tokens;
  std::unique_ptr<limits::QuotaLedger> quotas;  // per-user quotas (quota_gate.hpp)
  std::unique_ptr<CountPool> counts;  // large prompts counted and split off the event loops (count_pool.hpp)
  // Autoselect's choices per conversation (routing/autoselect_cache.hpp).
  std::unique_ptr<routing::AutoselectDecisionCache> autoselect_decisions;
  // Semantic selection's description embeddings, across reloads (routing/description_vectors.hpp).
  std::unique_ptr<routing::DescriptionVectors> description_vectors;
  // Concurrent first fetches of the same descriptions, coalesced (vector_flights.hpp).
  std::unique_ptr<VectorFlights> vector_flights;
  // Gemini cachedContents this gateway made, by prefix (context_cache.hpp).
  std::unique_ptr<ContextCacheNames> context_caches;
  // The content proxy's ids (content_ids.hpp), bounded by media.proxy_max_entries.
  std::unique_ptr<ContentIds> content_ids;
  // The response cache (response_cache.hpp); null: none was made at start.
  std::unique_ptr<ResponseCache> response_cache;
  // The kept OpenAI Responses answers (stored_responses.hpp); null without
  // a store. Its writes hold only what the DB pool joins before it goes.
  std::unique_ptr<StoredResponses> stored_responses;
  // Prometheus counters (ops/metrics.hpp), recorded per thread while
  // server.metrics is on; GET /metrics sums them.
  std::unique_ptr<ops::Metrics> metrics;
  // The access log's writer (access_log_writer.hpp); null: no access log.
  AccessLogWriter* access_log = nullptr;
  std::atomic<std::uint64_t> selections{0};  // numbers each rotation request, for seeded selection

  // Waits for the count pool's work under way (CountPool::drain): once the
  // workers have stopped, before their io_contexts go.
  void drain_pools();

  // `seed` fixes the jitter of learned backoffs (tests); the selection seed
  // is read from the config per request. `max_keys`: `routing.max_tracked_keys`
  // at start (a reload does not resize the stores).
  // `max_decisions`: aisbf.json `autoselect.cache_max_entries` at start.
  static std::unique_ptr<GatewayState> in_process(std::uint64_t seed,
                                                  std::size_t max_keys = limits::kDefaultMaxTrackedKeys,
                                                  std::size_t max_decisions = 10'000);
};

}  // namespace aisbf
