#include "pipeline/gateway_state.hpp"

namespace aisbf {

std::unique_ptr<GatewayState> GatewayState::in_process(std::uint64_t seed) {
  auto state = std::make_unique<GatewayState>();
  state->health = routing::make_in_process_health();
  state->spacing = limits::make_in_process_spacing();
  state->adaptive = limits::make_in_process_adaptive_limits(seed);
  state->tokens = limits::make_in_process_token_windows();
  return state;
}

}  // namespace aisbf
