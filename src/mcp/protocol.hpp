// MCP protocol revisions: which ones aisbf speaks, the one an `initialize`
// settles on, what each allows (batches), and the `initialize` answer.
// Pure: no I/O.
#pragma once

#include <array>
#include <string_view>

#include <boost/json/object.hpp>

namespace aisbf::mcp {

// Oldest first. The newest is the newest the official TypeScript SDK
// implements (its LATEST_PROTOCOL_VERSION); a newer one the SDK does not
// speak would not be testable against a real client.
inline constexpr std::array<std::string_view, 4> kRevisions = {"2024-11-05", "2025-03-26", "2025-06-18",
                                                               "2025-11-25"};
inline constexpr std::string_view kLatestRevision = kRevisions.back();
// What a request without MCP-Protocol-Version speaks when nothing else says (the spec's default).
inline constexpr std::string_view kDefaultRevision = "2025-03-26";

bool is_supported(std::string_view revision);

// The revision to answer an initialize that asked for `requested`: the
// same when aisbf speaks it (a client asks for the newest it speaks, so
// that is the newest both do), else aisbf's newest (the client decides
// whether it can go on).
std::string_view negotiate(std::string_view requested);

// JSON-RPC batches: added in 2025-03-26, removed in 2025-06-18 (2024-11-05
// clients may send them too: JSON-RPC 2.0 has them).
bool allows_batch(std::string_view revision);

struct ServerIdentity {
  std::string_view name = "aisbf";
  std::string_view version;
  std::string_view instructions;
};

// The `initialize` result: revision, capabilities (tools, resources,
// prompts), server info.
boost::json::object initialize_result(std::string_view revision, const ServerIdentity& server);

}  // namespace aisbf::mcp
