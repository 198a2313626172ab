#include "ops/tor_state.hpp"

namespace aisbf::ops {

const char* phase_name(TorState::Phase phase) {
  switch (phase) {
    case TorState::Phase::disabled:
      return "disabled";
    case TorState::Phase::starting:
      return "starting";
    case TorState::Phase::running:
      return "running";
    case TorState::Phase::error:
      return "error";
  }
  return "disabled";
}

}  // namespace aisbf::ops
