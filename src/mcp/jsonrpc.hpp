// JSON-RPC 2.0 as MCP uses it: a POST body parsed into messages (one, or a
// batch where the protocol revision allows it), and the answers built as
// JSON. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace aisbf::mcp {

inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

struct Message {
  enum class Kind : std::uint8_t {
    request,       // method and id: answered
    notification,  // method, no id: never answered
    response,      // result or error for an id (an answer to a request of ours)
    invalid,       // none of those: answered with -32600 (id when one could be read, else null)
  };
  Kind kind = Kind::invalid;
  boost::json::value id;      // a string or a number; null when absent or unreadable
  std::string method;
  boost::json::object params;  // absent: empty
  std::string problem;         // why an invalid message is invalid
};

struct Incoming {
  bool parse_failed = false;  // not JSON at all (-32700)
  bool batch = false;         // the body was an array
  std::vector<Message> messages;
};

inline constexpr std::size_t kMaxBatch = 64;

// An empty array is one invalid message (JSON-RPC 2.0: "an empty array is
// an Invalid Request"), and so is a batch of more than kMaxBatch.
Incoming parse_body(std::string_view body);
Message parse_message(const boost::json::value& value);

// The id as a map key (its JSON text, so 1 and "1" differ).
std::string id_key(const boost::json::value& id);

boost::json::object result_message(const boost::json::value& id, boost::json::value result);
boost::json::object error_message(const boost::json::value& id, int code, std::string_view text);
boost::json::object notification_message(std::string_view method, boost::json::object params);

}  // namespace aisbf::mcp
