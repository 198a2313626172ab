// MCP's tools as the gateway runs them: the table (mcp::ToolSpec + handler,
// one row per tool) and what a call needs. The transport (mcp_routes.hpp)
// finds a tool for a caller in mcp_tool_registry() and runs it here.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "config/config_edit.hpp"
#include "http/upstream_client.hpp"
#include "mcp/access.hpp"
#include "mcp/tools.hpp"
#include "pipeline/request_context.hpp"
#include "store/store.hpp"

namespace aisbf {

class App;

// Where a call's notifications/progress go (the POST's SSE stream).
class McpProgress {
 public:
  virtual ~McpProgress() = default;
  // False: the client is gone (the call should stop).
  // `message` is copied before the first suspension.
  virtual boost::asio::awaitable<bool> report(double progress, std::string_view message) = 0;
};

// One call's cancellation, on the thread that runs it: notifications/cancelled
// (posted here from whichever thread received it) or the client's disconnect
// fires it; the running tool hooks `on_cancel` to stop its work.
struct McpCancel {
  bool cancelled = false;
  std::function<void()> on_cancel;
  void fire() {
    cancelled = true;
    if (on_cancel) {
      auto f = std::move(on_cancel);
      f();
    }
  }
};

struct McpToolCall {
  App& app;
  RequestContext& ctx;  // the MCP request's (snapshot, principal, namespace)
  const mcp::Caller& caller;
  http::UpstreamPool& pool;
  McpCancel& cancel;
  McpProgress* progress = nullptr;  // set: the caller asked for progress and reads the stream
};

const mcp::ToolRegistry& mcp_tool_registry();

// JSON text (an object: an HTTP route's answer) as a structured result.
std::optional<boost::json::object> mcp_json_result(std::string_view text);

// The caller's model list as GET /api/v1/models answers it (list_models,
// the aisbf://models resource).
boost::asio::awaitable<std::string> caller_models_json(App& app, const RequestContext& ctx);

// Runs tool `index` of the registry (found for the caller, arguments
// checked against its input schema): the tools/call result (isError when
// the tool failed); nullopt when the call was cancelled (no answer is due).
boost::asio::awaitable<std::optional<boost::json::object>> run_mcp_tool(std::size_t index, McpToolCall& call,
                                                                        boost::json::object args);

// chat_completion (mcp_chat.cpp): through the chat pipeline as an internal
// request, so rotations, autoselect, the response cache, usage and quotas
// apply as to an HTTP client.
boost::asio::awaitable<std::optional<boost::json::object>> mcp_chat_completion(McpToolCall& call,
                                                                               boost::json::object args);

// The configuration tools (mcp_config_tools.cpp), through the admin config
// API's functions: validation, atomic writes, masked secrets.
namespace mcp_config {
using ToolAnswer = boost::asio::awaitable<std::optional<boost::json::object>>;
template <EntryKind K>
ToolAnswer get_entry(McpToolCall& call, boost::json::object args);
template <EntryKind K>
ToolAnswer set_entry(McpToolCall& call, boost::json::object args);
template <EntryKind K>
ToolAnswer delete_entry(McpToolCall& call, boost::json::object args);
ToolAnswer get_server_config(McpToolCall& call, boost::json::object args);
ToolAnswer set_server_config(McpToolCall& call, boost::json::object args);
ToolAnswer reload_config(McpToolCall& call, boost::json::object args);
}  // namespace mcp_config

// The user tools (mcp_user_tools.cpp): the caller's own namespace through
// the user routes' functions (user_routes::save_doc, remove_doc).
namespace mcp_user {
using ToolAnswer = boost::asio::awaitable<std::optional<boost::json::object>>;
ToolAnswer list_user_models(McpToolCall& call, boost::json::object args);
ToolAnswer get_user_config(McpToolCall& call, boost::json::object args);
template <store::DocKind K>
ToolAnswer set_user_doc(McpToolCall& call, boost::json::object args);
template <store::DocKind K>
ToolAnswer delete_user_doc(McpToolCall& call, boost::json::object args);
}  // namespace mcp_user

}  // namespace aisbf
