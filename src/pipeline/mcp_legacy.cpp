// MCP's legacy HTTP+SSE transport (revision 2024-11-05, for older
// clients): GET /mcp/sse opens a session whose stream first names, in an
// `endpoint` event, where to POST; POST /mcp/messages?sessionId=… takes
// JSON-RPC messages, answers 202, and the answers (and progress) arrive as
// `message` events on the session's stream, which may be served by another
// worker: they are queued and the stream's own executor is woken.
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "auth/api_tokens.hpp"
#include "mcp/protocol.hpp"
#include "pipeline/app.hpp"
#include "pipeline/mcp_dispatch.hpp"
#include "pipeline/mcp_routes.hpp"
#include "pipeline/respond.hpp"

namespace aisbf::mcp_routes {

namespace {

namespace json = boost::json;
namespace bhttp = boost::beast::http;
using Kind = mcp::Message::Kind;

// The events waiting for a legacy stream. Any thread pushes; the stream's
// executor drains, woken by a post that cancels its timer.
struct Outbox {
  // A stream that does not drain (its client stopped reading) ends, and
  // its session with it, before it holds more than this.
  static constexpr std::size_t kMaxQueued = 1024;
  static constexpr std::size_t kMaxQueuedBytes = 4 * 1024 * 1024;
  std::mutex mutex;
  std::deque<std::string> queued;
  std::size_t queued_bytes = 0;
  bool overflowed = false;
  bool closed = false;
  boost::asio::any_io_executor exec;
  boost::asio::steady_timer* timer = nullptr;  // the stream's executor only
};

bool push(const std::shared_ptr<Outbox>& box, std::string event) {
  bool queued = false;
  {
    std::lock_guard lock(box->mutex);
    if (box->closed) return false;
    if (box->queued.size() >= Outbox::kMaxQueued || box->queued_bytes + event.size() > Outbox::kMaxQueuedBytes) {
      box->overflowed = box->closed = true;  // the stream wakes, sees it and ends
    } else {
      box->queued_bytes += event.size();
      box->queued.push_back(std::move(event));
      queued = true;
    }
  }
  boost::asio::post(box->exec, [box] {
    if (box->timer != nullptr) box->timer->cancel();
  });
  return queued;
}

// What is queued; nullopt once the queue overflowed (the stream ends).
std::optional<std::deque<std::string>> drain(Outbox& box) {
  std::lock_guard lock(box.mutex);
  if (box.overflowed) return std::nullopt;
  box.queued_bytes = 0;
  return std::exchange(box.queued, {});
}

// The value of query parameter `name` in the request target (ids are hex: no decoding needed).
std::string_view query_param(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
      return pair.substr(name.size() + 1);
  }
  return {};
}

// One message of a legacy POST: its answer, if one is due.
awaitable<std::optional<json::object>> legacy_answer(McpExchange& x, const mcp::Message& m) {
  if (m.kind == Kind::invalid) co_return mcp::error_message(m.id, mcp::kInvalidRequest, m.problem);
  if (m.kind == Kind::notification) {
    take_notification(x, m);
    co_return std::nullopt;
  }
  if (m.kind != Kind::request) co_return std::nullopt;
  if (m.method != "initialize") co_return co_await answer_request(x, m);
  const json::value* asked = m.params.if_contains("protocolVersion");
  if (asked == nullptr || !asked->is_string())
    co_return mcp::error_message(m.id, mcp::kInvalidParams, "initialize needs \"protocolVersion\"");
  const std::string revision(mcp::negotiate(asked->as_string()));
  x.app.mcp_sessions().set_revision(x.session, revision);
  const mcp::ServerIdentity server{"aisbf", AISBF_VERSION, {}};
  co_return mcp::result_message(m.id, mcp::initialize_result(revision, server));
}

}  // namespace

awaitable<void> legacy_stream(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  const mcp::Caller caller = mcp_caller(ex, ctx);
  const auto accept = std::string_view(ex.request()[bhttp::field::accept]);
  if (!accept.empty() && accept.find("text/event-stream") == std::string_view::npos &&
      accept.find("*/*") == std::string_view::npos) {
    co_return co_await refuse_rpc(ex, ctx, 406, mcp::kInvalidRequest, "GET /mcp/sse is an SSE stream: accept text/event-stream");
  }
  const std::string id = auth::random_hex(16);
  auto box = std::make_shared<Outbox>();
  box->exec = co_await boost::asio::this_coro::executor;
  auto& sessions = app.mcp_sessions();
  if (!sessions.open(id, caller.owner, std::string(mcp::kRevisions.front()), std::chrono::steady_clock::now())) {
    co_return co_await refuse_rpc(ex, ctx, 503, mcp::kInternalError,
                                  "too many MCP sessions open: try again when some have ended");
  }
  sessions.set_outbox(id, [box](std::string event) { return push(box, std::move(event)); });
  const HeaderList headers{{"x-request-id", ctx.request_id}, {"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
  const bool begun = co_await ex.begin_stream(200, "text/event-stream", headers);
  const std::string endpoint = fmt::format("event: endpoint\ndata: /mcp/messages?sessionId={}\n\n", id);
  bool open = begun;
  if (open) {
    const bool written = co_await ex.stream_write(endpoint);
    open = written;
  }
  boost::asio::steady_timer timer(box->exec);
  box->timer = &timer;
  ex.watch_disconnect([&timer] { timer.cancel(); });
  constexpr int kTicksPerPing = 15;
  for (int tick = 1; open && !ex.client_gone(); ++tick) {
    timer.expires_after(std::chrono::seconds(1));
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    // Named, not a range-for temporary: it lives across the writes' co_await.
    const std::optional<std::deque<std::string>> events = drain(*box);
    if (!events) {
      spdlog::warn("{} MCP legacy stream of session {}: its client does not read it; ended", ctx.request_id, id);
      break;
    }
    for (const auto& event : *events) {
      const bool written = co_await ex.stream_write(event);
      if (!written) open = false;
      if (!open) break;
    }
    if (!sessions.alive(id, std::chrono::steady_clock::now())) break;
    // The stream is the session's use: an open one keeps it alive, however
    // short the idle timeout.
    sessions.touch(id, caller.owner, std::chrono::steady_clock::now());
    if (tick % kTicksPerPing != 0) continue;
    const bool pinged = co_await ex.stream_write(": keep-alive\n\n");
    if (!pinged) open = false;
  }
  {
    std::lock_guard lock(box->mutex);
    box->closed = true;
  }
  box->timer = nullptr;
  ex.stop_watch();
  sessions.close(id, caller.owner);  // the stream is the session: its calls stop with it
  if (begun && !ex.client_gone()) co_await ex.end_stream();
}

awaitable<void> legacy_post(App& app, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch&) {
  const mcp::Caller caller = mcp_caller(ex, ctx);
  const auto id = query_param(std::string_view(ex.request().target()), "sessionId");
  if (id.empty()) co_return co_await refuse_rpc(ex, ctx, 400, mcp::kInvalidRequest, "sessionId is missing: GET /mcp/sse names the endpoint");
  auto deliver = app.mcp_sessions().outbox(id, caller.owner);
  if (!deliver || !app.mcp_sessions().touch(id, caller.owner, std::chrono::steady_clock::now()))
    co_return co_await refuse_rpc(ex, ctx, 404, mcp::kInvalidRequest, "session not found: open GET /mcp/sse again");
  const mcp::Incoming in = mcp::parse_body(ex.request().body());
  if (in.parse_failed) co_return co_await refuse_rpc(ex, ctx, 400, mcp::kParseError, "parse error: the body is not JSON");
  McpExchange x{app, ex, ctx, caller, std::string(id)};
  x.sse = true;
  x.outbox = deliver;
  // Accepted first: the answers go to the stream, and a long call must not
  // hold the client's POST (its cancellation comes as another POST).
  // The connection closes after it, so that the client's next POST (a
  // cancellation, say) does not queue behind this one's call.
  const HeaderList headers{{"x-request-id", ctx.request_id}};
  ex.close_after_response();
  co_await ex.send(202, "text/plain", "Accepted", headers);
  for (const auto& m : in.messages) {
    auto answer = co_await legacy_answer(x, m);
    if (answer && !deliver(sse_event(*answer))) break;
  }
}

}  // namespace aisbf::mcp_routes
