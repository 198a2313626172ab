#include "pipeline/mcp_dispatch.hpp"

#include <memory>

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "auth/token_auth.hpp"
#include "pipeline/app.hpp"

namespace aisbf {

namespace {

namespace json = boost::json;
using boost::asio::awaitable;

// notifications/progress on the POST's SSE stream (legacy: the session's GET stream).
class StreamProgress final : public McpProgress {
 public:
  StreamProgress(McpExchange& x, json::value token) : x_(x), token_(std::move(token)) {}
  awaitable<bool> report(double progress, std::string_view message) override {
    json::object params{{"progressToken", token_}, {"progress", progress}, {"message", message}};
    const std::string event = sse_event(mcp::notification_message("notifications/progress", std::move(params)));
    if (x_.outbox) co_return x_.outbox(event);
    const bool written = co_await x_.ex.stream_write(event);
    co_return written && !x_.client_gone;
  }

 private:
  McpExchange& x_;
  json::value token_;
};

// What another thread's notifications/cancelled reaches: the call's
// McpCancel while it runs, read and cleared only on the call's own thread.
struct CancelTarget {
  McpCancel* cancel = nullptr;
};

// Registers the call under its JSON-RPC id in the session for as long as
// it runs (notifications/cancelled may come on another worker).
class CancelRegistration {
 public:
  CancelRegistration(McpExchange& x, const json::value& id, McpCancel& cancel, boost::asio::any_io_executor exec)
      : x_(x), target_(std::make_shared<CancelTarget>(CancelTarget{&cancel})) {
    if (x.session.empty() || id.is_null()) return;
    key_ = mcp::id_key(id);
    const auto added = x.app.mcp_sessions().add_request(x.session, key_, [exec, target = target_] {
      boost::asio::post(exec, [target] {
        if (target->cancel != nullptr) target->cancel->fire();
      });
    });
    registered_ = added == mcp::Sessions::AddRequest::added;
    id_in_use_ = added == mcp::Sessions::AddRequest::id_in_use;
  }
  // Another call of the session runs under the same id: this one must not start.
  bool id_in_use() const { return id_in_use_; }
  ~CancelRegistration() {
    target_->cancel = nullptr;
    if (registered_) x_.app.mcp_sessions().remove_request(x_.session, key_);
  }
  CancelRegistration(const CancelRegistration&) = delete;
  CancelRegistration& operator=(const CancelRegistration&) = delete;

 private:
  McpExchange& x_;
  std::shared_ptr<CancelTarget> target_;
  std::string key_;
  bool registered_ = false;
  bool id_in_use_ = false;
};

ToolOutcome refused(int code, int http_status, std::string message) {
  ToolOutcome out;
  out.code = code;
  out.http_status = http_status;
  out.message = std::move(message);
  return out;
}

awaitable<std::optional<json::object>> tools_call(McpExchange& x, const mcp::Message& m) {
  const json::value* name = m.params.if_contains("name");
  if (name == nullptr || !name->is_string())
    co_return mcp::error_message(m.id, mcp::kInvalidParams, "tools/call needs \"name\": the tool's name");
  json::object args;
  if (const json::value* given = m.params.if_contains("arguments"); given != nullptr && !given->is_null()) {
    if (!given->is_object())
      co_return mcp::error_message(m.id, mcp::kInvalidParams, "\"arguments\" must be an object");
    args = given->as_object();
  }
  json::value token;
  if (const json::value* meta = m.params.if_contains("_meta"); meta != nullptr && meta->is_object()) {
    if (const json::value* t = meta->as_object().if_contains("progressToken")) token = *t;
  }
  const std::string tool(name->as_string());
  ToolOutcome outcome = co_await call_tool(x, tool, std::move(args), m.id, token);
  if (outcome.code != 0) co_return mcp::error_message(m.id, outcome.code, outcome.message);
  if (!outcome.result) co_return std::nullopt;
  co_return mcp::result_message(m.id, std::move(*outcome.result));
}

}  // namespace

mcp::Caller mcp_caller(const http::Exchange& ex, const RequestContext& ctx) {
  const auto bearer = auth::bearer_token(std::string_view(ex.request()[boost::beast::http::field::authorization]));
  return mcp::caller_of(*ctx.config, bearer, ctx.principal);
}

awaitable<void> refuse_rpc(http::Exchange& ex, const RequestContext& ctx, int status, int code, std::string_view text) {
  const std::string body = json::serialize(mcp::error_message(nullptr, code, text));
  const HeaderList headers{{"x-request-id", ctx.request_id}};
  co_await ex.send(status, "application/json", body, headers);
}

std::string sse_event(const json::object& message) {
  return fmt::format("event: message\ndata: {}\n\n", json::serialize(message));
}

bool wants_progress(const mcp::Message& m) {
  if (m.kind != mcp::Message::Kind::request || m.method != "tools/call") return false;
  const json::value* meta = m.params.if_contains("_meta");
  return meta != nullptr && meta->is_object() && meta->as_object().contains("progressToken");
}

awaitable<ToolOutcome> call_tool(McpExchange& x, std::string_view name, json::object args, const json::value& request_id,
                                 const json::value& progress_token) {
  const auto& registry = mcp_tool_registry();
  const auto index = registry.find(name, x.caller.level, x.caller.is_user());
  if (!index) {
    if (const auto users = registry.find(name, mcp::Level::fullconfig, true);
        users && registry.spec(*users).users_only) {
      co_return refused(mcp::kInvalidParams, 403,
                        fmt::format("tool '{}' works on a user's own namespace: call it with a user's token or "
                                    "session",
                                    name));
    }
    if (registry.contains(name)) {
      co_return refused(mcp::kInvalidParams, 403,
                        fmt::format("tool '{}' is not available at this caller's access level ({}): it needs an "
                                    "mcp.fullconfig_tokens token, a gateway token or an admin",
                                    name, mcp::level_name(x.caller.level)));
    }
    co_return refused(mcp::kInvalidParams, 404,
                      fmt::format("unknown tool '{}': tools/list gives the tools this caller may call", name));
  }
  if (auto problem = mcp::check_arguments(registry.input_schema(*index), args)) {
    ToolOutcome out;
    out.result = mcp::error_result(fmt::format("invalid arguments for {}: {}", name, *problem));
    co_return out;
  }
  McpCancel cancel;
  const auto exec = co_await boost::asio::this_coro::executor;
  CancelRegistration registration(x, request_id, cancel, exec);
  if (registration.id_in_use()) {
    co_return refused(mcp::kInvalidRequest, 400,
                      fmt::format("request id {} is already in use by a call in flight in this session: JSON-RPC "
                                  "ids must be unique",
                                  json::serialize(request_id)));
  }
  std::optional<StreamProgress> progress;
  if (x.sse && !progress_token.is_null()) progress.emplace(x, progress_token);
  McpToolCall call{x.app, x.ctx, x.caller, x.ex.upstream_pool(), cancel, progress ? &*progress : nullptr};
  x.current = &cancel;
  if (x.client_gone) cancel.fire();
  ToolOutcome out;
  auto result = co_await run_mcp_tool(*index, call, std::move(args));
  out.result = std::move(result);
  x.current = nullptr;
  if (cancel.cancelled) out.result.reset();  // no answer is due to a cancelled request
  co_return out;
}

awaitable<std::optional<json::object>> answer_request(McpExchange& x, const mcp::Message& m) {
  if (m.method == "ping") co_return mcp::result_message(m.id, json::object{});
  if (m.method == "tools/list") {
    co_return mcp::result_message(
        m.id, json::object{{"tools", mcp_tool_registry().list(x.caller.level, x.caller.is_user())}});
  }
  if (m.method == "tools/call") co_return co_await tools_call(x, m);
  if (m.method == "resources/list") co_return co_await resources_list(x, m);
  if (m.method == "resources/read") co_return co_await resources_read(x, m);
  if (m.method == "resources/templates/list") co_return mcp::result_message(m.id, json::object{{"resourceTemplates", json::array{}}});
  if (m.method == "prompts/list") co_return co_await prompts_list(x, m);
  if (m.method == "prompts/get") co_return co_await prompts_get(x, m);
  if (m.method == "initialize")
    co_return mcp::error_message(m.id, mcp::kInvalidRequest, "initialize comes alone, without Mcp-Session-Id");
  co_return mcp::error_message(m.id, mcp::kMethodNotFound,
                               fmt::format("method '{}' is not served: this server offers tools, resources, "
                                           "prompts and ping",
                                           m.method));
}

void take_notification(McpExchange& x, const mcp::Message& m) {
  if (m.method == "notifications/initialized") {
    x.app.mcp_sessions().mark_initialized(x.session);
  } else if (m.method == "notifications/cancelled") {
    if (const json::value* id = m.params.if_contains("requestId"))
      x.app.mcp_sessions().cancel_request(x.session, x.caller.owner, mcp::id_key(*id));
  }
}

}  // namespace aisbf
