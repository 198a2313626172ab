#include "pipeline/gateway_state.hpp"

#include "ops/metrics.hpp"

#include <algorithm>
#include <thread>

#include "pipeline/content_ids.hpp"
#include "pipeline/context_cache.hpp"
#include "pipeline/count_pool.hpp"
#include "pipeline/response_cache.hpp"
#include "pipeline/stored_responses.hpp"
#include "pipeline/vector_flights.hpp"

namespace aisbf {

GatewayState::GatewayState() = default;
GatewayState::~GatewayState() = default;

std::unique_ptr<GatewayState> GatewayState::in_process(std::uint64_t seed, std::size_t max_keys,
                                                       std::size_t max_decisions) {
  auto state = std::make_unique<GatewayState>();
  state->metrics = std::make_unique<ops::Metrics>();
  state->health = routing::make_in_process_health(max_keys);
  state->spacing = limits::make_in_process_spacing(max_keys);
  state->adaptive = limits::make_in_process_adaptive_limits(seed, max_keys);
  state->tokens = limits::make_in_process_token_windows(max_keys);
  state->quotas = limits::make_in_process_quota_ledger(max_keys);
  // Each autoselect keeps its decisions for its own cache_ttl (at most 30 days).
  state->autoselect_decisions = std::make_unique<routing::AutoselectDecisionCache>(
      routing::AutoselectDecisionCache::Limits{max_decisions, std::chrono::hours(24 * 30)});
  // Usually a few hundred small vectors; at most 4096, and 64 MiB of floats.
  state->description_vectors = std::make_unique<routing::DescriptionVectors>(routing::DescriptionVectors::Limits{});
  state->vector_flights = std::make_unique<VectorFlights>();
  state->context_caches = std::make_unique<ContextCacheNames>(max_keys);
  state->content_ids = std::make_unique<ContentIds>();
  // One thread per four cores, at most two: counting and splitting are
  // rare (large prompts only) and must not crowd the event loops.
  state->counts = std::make_unique<CountPool>(std::clamp<std::size_t>(std::thread::hardware_concurrency() / 4, 1, 2));
  return state;
}

void GatewayState::drain_pools() {
  if (counts) counts->drain();
}

}  // namespace aisbf
