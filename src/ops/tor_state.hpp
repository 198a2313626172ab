// What the onion service is doing, as GET /api/admin/tor, MCP
// get_tor_status and the dashboard show it (api/admin_json.hpp). Written by
// pipeline/tor_service.hpp, read as a copy.
#pragma once

#include <cstdint>
#include <string>

namespace aisbf::ops {

struct TorState {
  enum class Phase { disabled, starting, running, error };
  Phase phase = Phase::disabled;
  std::string onion_address;   // "<56 chars>.onion" while running
  bool persistent = false;     // the key is kept in hidden_service_dir
  int virtual_port = 0;        // the onion's port
  std::string target;          // "127.0.0.1:<aisbf port>"
  std::string tor_version;     // from PROTOCOLINFO
  std::string last_error;      // the latest failure, kept after a recovery
  std::uint64_t connects = 0;  // control connections made (1 + reconnects)
};

const char* phase_name(TorState::Phase phase);

}  // namespace aisbf::ops
