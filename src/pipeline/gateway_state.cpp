#include "pipeline/gateway_state.hpp"

namespace aisbf {

std::unique_ptr<GatewayState> GatewayState::in_process(std::uint64_t seed, std::size_t max_keys) {
  auto state = std::make_unique<GatewayState>();
  state->health = routing::make_in_process_health(max_keys);
  state->spacing = limits::make_in_process_spacing(max_keys);
  state->adaptive = limits::make_in_process_adaptive_limits(seed, max_keys);
  state->tokens = limits::make_in_process_token_windows(max_keys);
  state->quotas = limits::make_in_process_quota_ledger(max_keys);
  return state;
}

}  // namespace aisbf
