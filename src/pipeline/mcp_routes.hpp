// MCP over HTTP (issue 13): the Streamable HTTP transport on /mcp (POST:
// JSON-RPC messages answered as JSON, or as an SSE stream when a call
// sends progress; GET: the server-to-client SSE stream; DELETE: ends the
// session) and AISBF's conveniences GET /mcp/tools and POST /mcp/tools/call.
// The rows are in route_table.cpp (policy `mcp`: admission has checked
// mcp.enabled, the Origin and the caller); JSON-RPC, sessions and the
// tool registry are the pure mcp/ module, the tools mcp_tools.hpp.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/routes.hpp"
#include "http/exchange.hpp"
#include "pipeline/request_context.hpp"

namespace aisbf {

class App;

namespace mcp_routes {

using boost::asio::awaitable;

awaitable<void> post(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);
awaitable<void> stream(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);
awaitable<void> end_session(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);
awaitable<void> tools(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);
awaitable<void> tools_call(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);
// A browser's CORS preflight (OPTIONS) for any MCP path: public, since
// browsers send no credentials on it; 204 with the CORS answer for an
// Origin in server.cors_origins, 403 for any other, 404 while MCP is off.
awaitable<void> preflight(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);
// On an admitted MCP request from an Origin in server.cors_origins: the
// headers that let the page read every response of the exchange.
void allow_listed_origin(http::Exchange& ex, const Config& config);
// The legacy HTTP+SSE transport (mcp_legacy.cpp): GET /mcp/sse, POST /mcp/messages?sessionId=….
awaitable<void> legacy_stream(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);
awaitable<void> legacy_post(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m);

}  // namespace mcp_routes
}  // namespace aisbf
