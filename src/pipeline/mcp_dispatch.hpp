// Internal to pipeline/: MCP's JSON-RPC methods for one HTTP request
// (mcp_routes.cpp's transport hands each message here).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "http/exchange.hpp"
#include "mcp/access.hpp"
#include "mcp/jsonrpc.hpp"
#include "mcp/sessions.hpp"
#include "pipeline/mcp_tools.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class App;

// One HTTP request carrying MCP messages.
struct McpExchange {
  App& app;
  http::Exchange& ex;
  RequestContext& ctx;
  mcp::Caller caller;
  std::string session;   // Mcp-Session-Id; empty for AISBF's conveniences
  bool sse = false;      // the answer is an SSE stream (begun): progress may go out
  // Legacy HTTP+SSE: answers and progress go to the session's GET stream.
  mcp::Sessions::Outbox outbox = {};
  McpCancel* current = nullptr;  // the call running now (the client's disconnect fires it)
  bool client_gone = false;
};

// A tools/call's outcome: a result (possibly isError), none (cancelled), or
// a JSON-RPC error (unknown or forbidden tool, malformed params) with the
// HTTP status AISBF's POST /mcp/tools/call answers it with.
struct ToolOutcome {
  std::optional<boost::json::object> result;
  int code = 0;  // JSON-RPC error code when set
  int http_status = 200;
  std::string message;
};

// `request_id`: the JSON-RPC id (null for the convenience route), under
// which notifications/cancelled finds the call; `progress_token`: null
// when no progress was asked for (or it cannot be delivered).
boost::asio::awaitable<ToolOutcome> call_tool(McpExchange& x, std::string_view name, boost::json::object args,
                                              const boost::json::value& request_id,
                                              const boost::json::value& progress_token);

// The answer to a request (initialize excepted: the transport opens the
// session); nullopt when none is due (the call was cancelled).
boost::asio::awaitable<std::optional<boost::json::object>> answer_request(McpExchange& x, const mcp::Message& m);

// Resources and prompts (mcp_resources.cpp).
boost::asio::awaitable<boost::json::object> resources_list(McpExchange& x, const mcp::Message& m);
boost::asio::awaitable<boost::json::object> resources_read(McpExchange& x, const mcp::Message& m);
boost::asio::awaitable<boost::json::object> prompts_list(McpExchange& x, const mcp::Message& m);
boost::asio::awaitable<boost::json::object> prompts_get(McpExchange& x, const mcp::Message& m);

// notifications/initialized, notifications/cancelled; others are ignored.
void take_notification(McpExchange& x, const mcp::Message& m);

// Whether a message is a tools/call asking for progress (it makes the
// answer an SSE stream when the client accepts one).
bool wants_progress(const mcp::Message& m);

// The caller's MCP access (its bearer token and the gateway's principal).
mcp::Caller mcp_caller(const http::Exchange& ex, const RequestContext& ctx);

// A transport-level refusal: the HTTP status and a JSON-RPC error without an id.
boost::asio::awaitable<void> refuse_rpc(http::Exchange& ex, const RequestContext& ctx, int status, int code,
                                        std::string_view text);

// An SSE event carrying one JSON-RPC message.
std::string sse_event(const boost::json::object& message);

}  // namespace aisbf
