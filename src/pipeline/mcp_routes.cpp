#include "pipeline/mcp_routes.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "auth/api_tokens.hpp"
#include "auth/host_check.hpp"
#include "mcp/protocol.hpp"
#include "pipeline/app.hpp"
#include "pipeline/mcp_dispatch.hpp"
#include "pipeline/respond.hpp"

namespace aisbf::mcp_routes {

namespace {

namespace json = boost::json;
namespace bhttp = boost::beast::http;
using Kind = mcp::Message::Kind;

constexpr std::string_view kSessionHeader = "Mcp-Session-Id";
constexpr std::string_view kVersionHeader = "MCP-Protocol-Version";

HeaderList base_headers(const RequestContext& ctx, std::string_view session) {
  HeaderList h{{"x-request-id", ctx.request_id}};
  if (!session.empty()) h.emplace_back(std::string(kSessionHeader), std::string(session));
  return h;
}

awaitable<void> send_message(http::Exchange& ex, int status, const json::value& body, const HeaderList& headers) {
  const std::string text = json::serialize(body);
  co_await ex.send(status, "application/json", text, headers);
}

bool accepts(const http::Exchange& ex, std::string_view type) {
  const auto accept = std::string_view(ex.request()[bhttp::field::accept]);
  return accept.find(type) != std::string_view::npos || accept.find("*/*") != std::string_view::npos;
}

std::string supported_list() {
  std::string out;
  for (auto r : mcp::kRevisions) out += (out.empty() ? "" : ", ") + std::string(r);
  return out;
}

// The session a request names, checked: Mcp-Session-Id present and live for
// this caller, MCP-Protocol-Version (when sent) the one it negotiated. The
// revision the request speaks, or nullopt once refused (answered).
struct SessionCheck {
  std::string id;
  std::string revision;
};
awaitable<std::optional<SessionCheck>> check_session(http::Exchange& ex, const RequestContext& ctx,
                                                     App& app, const mcp::Caller& caller) {
  const auto version = std::string_view(ex.request()[kVersionHeader]);
  if (!version.empty() && !mcp::is_supported(version)) {
    const std::string text =
        fmt::format("unsupported MCP-Protocol-Version '{}': this server speaks {}", version, supported_list());
    co_await refuse_rpc(ex, ctx, 400, mcp::kInvalidRequest, text);
    co_return std::nullopt;
  }
  const auto id = std::string_view(ex.request()[kSessionHeader]);
  if (id.empty()) {
    co_await refuse_rpc(ex, ctx, 400, mcp::kInvalidRequest,
                    "Mcp-Session-Id is missing: send initialize first and then its Mcp-Session-Id on every request");
    co_return std::nullopt;
  }
  auto info = app.mcp_sessions().touch(id, caller.owner, std::chrono::steady_clock::now());
  if (!info) {
    co_await refuse_rpc(ex, ctx, 404, mcp::kInvalidRequest, "session not found or expired: send initialize again");
    co_return std::nullopt;
  }
  // The header names the revision initialize agreed on (MCP 2025-06-18,
  // "Protocol Version Header"); another one would change what the session
  // allows (batches) mid-session.
  if (!version.empty() && version != info->revision) {
    const std::string text = fmt::format(
        "MCP-Protocol-Version '{}' is not the revision this session negotiated ('{}'): send that one", version,
        info->revision);
    co_await refuse_rpc(ex, ctx, 400, mcp::kInvalidRequest, text);
    co_return std::nullopt;
  }
  co_return SessionCheck{std::string(id), info->revision};
}

awaitable<void> initialize(App& app, http::Exchange& ex, RequestContext& ctx, const mcp::Caller& caller,
                           const mcp::Message& m) {
  const json::value* asked = m.params.if_contains("protocolVersion");
  if (asked == nullptr || !asked->is_string()) {
    const json::value body = mcp::error_message(m.id, mcp::kInvalidParams, "initialize needs \"protocolVersion\"");
    const HeaderList headers = base_headers(ctx, {});
    co_return co_await send_message(ex, 200, body, headers);
  }
  const std::string revision(mcp::negotiate(asked->as_string()));
  std::string id = auth::random_hex(16);
  if (!app.mcp_sessions().open(id, caller.owner, revision, std::chrono::steady_clock::now())) {
    const json::value body =
        mcp::error_message(m.id, mcp::kInternalError, "too many MCP sessions open: try again when some have ended");
    const HeaderList headers = base_headers(ctx, {});
    co_return co_await send_message(ex, 503, body, headers);
  }
  const mcp::ServerIdentity server{"aisbf", AISBF_VERSION,
                                   "aisbf, an LLM gateway: list_models gives the model ids, chat_completion "
                                   "sends a conversation to any of them."};
  const json::value body = mcp::result_message(m.id, mcp::initialize_result(revision, server));
  const HeaderList headers = base_headers(ctx, id);
  co_await send_message(ex, 200, body, headers);
}

// The answers of a POST's requests, in order, as JSON (one object, or an
// array for a batch) or, when `x.sse`, as events of the stream begun.
awaitable<void> answer_all(McpExchange& x, const mcp::Incoming& in) {
  json::array answers;
  for (const auto& m : in.messages) {
    if (x.client_gone) break;
    std::optional<json::object> answer;
    if (m.kind == Kind::invalid) answer = mcp::error_message(m.id, mcp::kInvalidRequest, m.problem);
    if (m.kind == Kind::request) answer = co_await answer_request(x, m);
    if (!answer) continue;
    if (!x.sse) {
      answers.push_back(std::move(*answer));
      continue;
    }
    const std::string event = sse_event(*answer);
    const bool written = co_await x.ex.stream_write(event);
    if (!written) x.client_gone = true;
  }
  if (x.sse) {
    co_await x.ex.end_stream();
    co_return;
  }
  const HeaderList headers = base_headers(x.ctx, x.session);
  if (answers.empty()) {
    co_await x.ex.send(202, "", "", headers);  // notifications only, or a cancelled call
    co_return;
  }
  if (in.batch) co_return co_await send_message(x.ex, 200, answers, headers);
  co_await send_message(x.ex, 200, answers.front(), headers);
}

}  // namespace

awaitable<void> post(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  const mcp::Incoming in = mcp::parse_body(ex.request().body());
  if (in.parse_failed) co_return co_await refuse_rpc(ex, ctx, 400, mcp::kParseError, "parse error: the body is not JSON");
  const mcp::Caller caller = mcp_caller(ex, ctx);
  const bool has_initialize = std::any_of(in.messages.begin(), in.messages.end(), [](const mcp::Message& m) {
    return m.kind == Kind::request && m.method == "initialize";
  });
  if (has_initialize) {
    if (in.batch)
      co_return co_await refuse_rpc(ex, ctx, 400, mcp::kInvalidRequest, "initialize must be sent alone, not in a batch");
    co_return co_await initialize(app, ex, ctx, caller, in.messages.front());
  }
  auto session = co_await check_session(ex, ctx, app, caller);
  if (!session) co_return;
  if (in.batch && !mcp::allows_batch(session->revision)) {
    const std::string text = fmt::format(
        "protocol revision {} does not take JSON-RPC batches: send one message per request", session->revision);
    co_return co_await refuse_rpc(ex, ctx, 400, mcp::kInvalidRequest, text);
  }
  McpExchange x{app, ex, ctx, caller, session->id};
  for (const auto& m : in.messages) {
    if (m.kind == Kind::notification) take_notification(x, m);
  }
  const bool progress = std::any_of(in.messages.begin(), in.messages.end(), &wants_progress);
  x.sse = progress && accepts(ex, "text/event-stream");
  if (x.sse) {
    HeaderList headers = base_headers(ctx, session->id);
    headers.emplace_back("Cache-Control", "no-cache");
    headers.emplace_back("X-Accel-Buffering", "no");
    const bool begun = co_await ex.begin_stream(200, "text/event-stream", headers);
    if (!begun) co_return;
  }
  ex.watch_disconnect([&x] {
    x.client_gone = true;
    if (x.current != nullptr) x.current->fire();
  });
  co_await answer_all(x, in);
  ex.stop_watch();
}

// The server-to-client stream. aisbf sends nothing unasked yet (no
// resource or list changes to announce), so it carries a comment every
// 15 s and ends with the session (DELETE, expiry, shutdown) or the client.
awaitable<void> stream(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  const mcp::Caller caller = mcp_caller(ex, ctx);
  if (!accepts(ex, "text/event-stream"))
    co_return co_await refuse_rpc(ex, ctx, 406, mcp::kInvalidRequest, "GET /mcp is an SSE stream: accept text/event-stream");
  auto session = co_await check_session(ex, ctx, app, caller);
  if (!session) co_return;
  HeaderList headers = base_headers(ctx, session->id);
  headers.emplace_back("Cache-Control", "no-cache");
  headers.emplace_back("X-Accel-Buffering", "no");
  const bool begun = co_await ex.begin_stream(200, "text/event-stream", headers);
  if (!begun) co_return;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  ex.watch_disconnect([&timer] { timer.cancel(); });
  constexpr auto kTick = std::chrono::seconds(1);
  constexpr int kTicksPerPing = 15;
  for (int tick = 1; !ex.client_gone(); ++tick) {
    timer.expires_after(kTick);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ex.client_gone() || !app.mcp_sessions().alive(session->id, std::chrono::steady_clock::now())) break;
    if (tick % kTicksPerPing != 0) continue;
    const bool written = co_await ex.stream_write(": keep-alive\n\n");
    if (!written) break;
  }
  ex.stop_watch();
  if (!ex.client_gone()) co_await ex.end_stream();
}

awaitable<void> end_session(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  const mcp::Caller caller = mcp_caller(ex, ctx);
  const auto id = std::string_view(ex.request()[kSessionHeader]);
  if (id.empty()) co_return co_await refuse_rpc(ex, ctx, 400, mcp::kInvalidRequest, "Mcp-Session-Id is missing");
  if (!app.mcp_sessions().close(id, caller.owner))
    co_return co_await refuse_rpc(ex, ctx, 404, mcp::kInvalidRequest, "session not found or expired");
  const HeaderList headers = base_headers(ctx, {});
  co_await ex.send(200, "application/json", "{}", headers);
}

awaitable<void> tools(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  const mcp::Caller caller = mcp_caller(ex, ctx);
  const json::value body = json::object{{"tools", mcp_tool_registry().list(caller.level, caller.is_user())}};
  const HeaderList headers = base_headers(ctx, {});
  co_await send_message(ex, 200, body, headers);
}

// AISBF's one-shot call: {"name","arguments"} → the tools/call result.
awaitable<void> tools_call(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  boost::system::error_code ec;
  json::value body = json::parse(ex.request().body(), ec);
  const json::object* obj = ec ? nullptr : body.if_object();
  const json::value* name = obj != nullptr ? obj->if_contains("name") : nullptr;
  const json::value* args = obj != nullptr ? obj->if_contains("arguments") : nullptr;
  if (name == nullptr || !name->is_string() || (args != nullptr && !args->is_object() && !args->is_null())) {
    auto e = make_error(ErrorKind::invalid_request, R"(expected {"name": "<tool>", "arguments": {…}})");
    e.code = "invalid_body";
    co_return co_await send_error(ex, e, ctx);
  }
  McpExchange x{app, ex, ctx, mcp_caller(ex, ctx), {}};
  ex.watch_disconnect([&x] {
    x.client_gone = true;
    if (x.current != nullptr) x.current->fire();
  });
  json::object arguments = args != nullptr && args->is_object() ? args->as_object() : json::object{};
  const std::string tool(name->as_string());
  const json::value none;
  ToolOutcome outcome = co_await call_tool(x, tool, std::move(arguments), none, none);
  ex.stop_watch();
  if (x.client_gone) co_return;
  if (outcome.code == 0 && !outcome.result) co_return;  // cancelled: nobody waits
  if (outcome.code != 0) {
    auto e = make_error(outcome.http_status == 403 ? ErrorKind::forbidden : ErrorKind::not_found, outcome.message);
    e.code = outcome.http_status == 403 ? "insufficient_permissions" : "tool_not_found";
    co_return co_await send_error(ex, e, ctx);
  }
  const HeaderList headers = base_headers(ctx, {});
  co_await send_message(ex, 200, *outcome.result, headers);
}

// What a listed Origin's page may send and read on the MCP routes.
constexpr std::string_view kCorsMethods = "GET, POST, DELETE";
constexpr std::string_view kCorsRequestHeaders =
    "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID";
constexpr std::string_view kCorsExposed = "Mcp-Session-Id, MCP-Protocol-Version";

awaitable<void> preflight(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  const Config& config = *ctx.config;
  const auto target = std::string_view(ex.request().target());
  if (!config.mcp.enabled)
    co_return co_await send_error(
        ex, make_error(ErrorKind::not_found, fmt::format("no route for OPTIONS {}", target), "not_found"), ctx);
  const auto origin = std::string_view(ex.request()[bhttp::field::origin]);
  if (origin.empty() || !auth::is_listed_origin(origin, config.server.cors_origins)) {
    co_return co_await send_error(
        ex,
        make_error(ErrorKind::forbidden, "CORS preflight refused: the Origin is not one of server.cors_origins",
                   "cross_site_request"),
        ctx);
  }
  const HeaderList headers{{"Access-Control-Allow-Origin", std::string(origin)},
                           {"Access-Control-Allow-Methods", std::string(kCorsMethods)},
                           {"Access-Control-Allow-Headers", std::string(kCorsRequestHeaders)},
                           {"Access-Control-Max-Age", "600"},
                           {"Vary", "Origin"},
                           {"x-request-id", ctx.request_id}};
  co_await ex.send(204, "", "", headers);
}

void allow_listed_origin(http::Exchange& ex, const Config& config) {
  const auto origin = std::string_view(ex.request()[bhttp::field::origin]);
  if (origin.empty() || !auth::is_listed_origin(origin, config.server.cors_origins)) return;
  ex.add_common_header("Access-Control-Allow-Origin", std::string(origin));
  ex.add_common_header("Access-Control-Expose-Headers", std::string(kCorsExposed));
  ex.add_common_header("Vary", "Origin");
}

}  // namespace aisbf::mcp_routes
