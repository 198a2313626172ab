// MCP tools as data: what each declares (name, description, input and
// output schemas, annotations, the access level it needs), the tools/list
// a caller sees (only what it may call), the check of a call's arguments
// against the input schema, and the shapes of a result. The handlers live
// in pipeline/mcp_tools.cpp, one per row of its table. Pure: no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "mcp/access.hpp"

namespace aisbf::mcp {

struct ToolSpec {
  std::string_view name;
  std::string_view title;
  std::string_view description;
  std::string_view input_schema;   // JSON Schema text (an object schema)
  std::string_view output_schema;  // JSON Schema text; empty: the result is not structured
  bool read_only = true;           // annotations.readOnlyHint
  bool destructive = false;        // annotations.destructiveHint (meaningful when not read-only)
  bool open_world = false;         // annotations.openWorldHint: reaches outside the gateway (an upstream)
  Level level = Level::autoselect;  // the least level that may call it
  // Listed and callable only for a user's token or session (the tool works
  // on the caller's own namespace, which other callers do not have).
  bool users_only = false;
};

// The table's specs, their schemas parsed once (a bad schema is a bug:
// std::invalid_argument at start).
class ToolRegistry {
 public:
  explicit ToolRegistry(std::span<const ToolSpec> specs);

  // tools/list for a caller: the tools its level may call, in table order
  // (`user`: the caller has a namespace of its own, Caller::is_user).
  boost::json::array list(Level level, bool user = false) const;
  // The index of `name` in the table, when this caller may call it (another
  // caller's tool is as unknown as a made-up one).
  std::optional<std::size_t> find(std::string_view name, Level level, bool user = false) const;
  // Whether any caller may call `name` (to tell "not for you" from "no such tool").
  bool contains(std::string_view name) const;
  const ToolSpec& spec(std::size_t index) const { return specs_[index]; }
  const boost::json::object& input_schema(std::size_t index) const { return inputs_[index]; }

 private:
  std::span<const ToolSpec> specs_;
  std::vector<boost::json::object> listed_;  // each tool as tools/list shows it
  std::vector<boost::json::object> inputs_;
};

bool may_call(Level caller, Level needed);
bool may_call(const ToolSpec& spec, Level caller, bool user);

// The arguments against an input schema, at its top level: required
// properties present, no unknown one when additionalProperties is false,
// and each given property of the declared JSON type (string, integer,
// number, boolean, array, object; a list of types; enum). The first
// problem, worded as what to fix; nullopt when they fit.
std::optional<std::string> check_arguments(const boost::json::object& schema, const boost::json::object& args);

// A tool's answer: `content` (the structured value as JSON text, for
// clients that read only text) and `structuredContent`.
boost::json::object structured_result(boost::json::object structured);
// A text answer with structured content beside it.
boost::json::object text_result(std::string text, boost::json::object structured);
// A failure the caller can act on: isError with the message.
boost::json::object error_result(std::string_view message);

}  // namespace aisbf::mcp
