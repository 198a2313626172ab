#include "mcp/protocol.hpp"

#include <algorithm>

namespace aisbf::mcp {

bool is_supported(std::string_view revision) {
  return std::find(kRevisions.begin(), kRevisions.end(), revision) != kRevisions.end();
}

std::string_view negotiate(std::string_view requested) {
  for (auto r : kRevisions) {
    if (r == requested) return r;
  }
  return kLatestRevision;
}

bool allows_batch(std::string_view revision) { return revision < std::string_view("2025-06-18"); }

boost::json::object initialize_result(std::string_view revision, const ServerIdentity& server) {
  boost::json::object out;
  out["protocolVersion"] = revision;
  // The lists do not change within a session (a reload may change what a
  // tool or resource answers, not which exist).
  const boost::json::object fixed{{"listChanged", false}};
  out["capabilities"] = boost::json::object{{"tools", fixed}, {"resources", fixed}, {"prompts", fixed}};
  out["serverInfo"] = boost::json::object{{"name", server.name}, {"version", server.version}};
  if (!server.instructions.empty()) out["instructions"] = server.instructions;
  return out;
}

}  // namespace aisbf::mcp
