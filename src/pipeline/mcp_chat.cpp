// MCP's chat_completion: the arguments become an OpenAI chat body, served
// by the chat door (serve_chat_to) as an internal request into a sink that
// reads the answer, so rotations, autoselect, the response cache, usage and
// quotas apply exactly as to an HTTP client. With progress asked for, the
// request streams and its text deltas become notifications/progress
// carrying the text so far.
#include <algorithm>

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "http/sse_parser.hpp"
#include "pipeline/app.hpp"
#include "pipeline/chat_pipeline.hpp"
#include "pipeline/mcp_tools.hpp"

namespace aisbf {

namespace {

namespace json = boost::json;
using boost::asio::awaitable;

// What the answer said, read from the OpenAI-shaped bytes the door wrote.
struct ChatAnswer {
  int status = 0;
  std::string body;  // a whole answer or an error
  std::string id, model, content;
  json::value finish_reason;
  json::object usage;
  std::optional<GatewayError> stream_error;
};

// Reads one OpenAI chat object (a whole answer or a stream chunk) into `out`.
void read_chat_object(const json::object& obj, ChatAnswer& out, bool chunk) {
  if (const auto* id = obj.if_contains("id"); id && id->is_string()) out.id = std::string(id->as_string());
  if (const auto* m = obj.if_contains("model"); m && m->is_string()) out.model = std::string(m->as_string());
  if (const auto* u = obj.if_contains("usage"); u && u->is_object()) out.usage = u->as_object();
  const auto* choices = obj.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->as_array().empty()) return;
  const auto* choice = choices->as_array()[0].if_object();
  if (choice == nullptr) return;
  if (const auto* reason = choice->if_contains("finish_reason"); reason && !reason->is_null())
    out.finish_reason = *reason;
  const auto* part = choice->if_contains(chunk ? "delta" : "message");
  if (part == nullptr || !part->is_object()) return;
  if (const auto* text = part->as_object().if_contains("content"); text && text->is_string())
    out.content.append(text->as_string());
}

class ChatCapture final : public ResponseSink {
 public:
  ChatCapture(ChatAnswer& answer, McpProgress* progress, std::size_t max_event)
      : answer_(answer), progress_(progress), parser_(max_event) {}

  awaitable<bool> send(int status, std::string_view, std::string_view body, const HeaderList&) override {
    answer_.status = status;
    answer_.body.assign(body);
    started_ = true;
    co_return true;
  }
  awaitable<bool> begin_stream(int status, std::string_view, const HeaderList&) override {
    answer_.status = status;
    started_ = true;
    co_return true;
  }
  awaitable<bool> write(std::string_view bytes) override {
    parser_.feed(bytes);
    sse::Event event;
    while (parser_.next(event) == sse::Status::event) {
      if (!event.has_data || event.data == "[DONE]") continue;
      const std::size_t before = answer_.content.size();
      boost::system::error_code ec;
      const json::value chunk = json::parse(event.data, ec);
      if (ec || !chunk.is_object()) continue;
      read_chat_object(chunk.as_object(), answer_, true);
      if (answer_.content.size() == before || !due()) continue;
      const bool taken = co_await report();
      if (!taken) co_return false;
    }
    co_return true;
  }
  awaitable<bool> end() override {
    if (progress_ == nullptr || answer_.content.size() == reported_) co_return true;
    co_return co_await report();  // the whole text is the last progress
  }
  awaitable<bool> end_with_error(std::string_view, const GatewayError& error) override {
    answer_.stream_error = error;
    co_return true;
  }
  bool started() const override { return started_; }
  bool gone() const override { return gone_; }

 private:
  // Each notification carries the whole text so far: one per delta would
  // send a long answer's text quadratically often. A notification goes
  // out when the text grew by an eighth since the last one (every delta
  // of a short answer), so all of them together carry ~9 times the answer.
  bool due() const {
    const std::size_t grown = answer_.content.size() - reported_;
    return progress_ != nullptr && grown >= std::max<std::size_t>(1, reported_ / 8);
  }
  awaitable<bool> report() {
    reported_ = answer_.content.size();
    const std::string_view so_far = answer_.content;
    const bool taken = co_await progress_->report(static_cast<double>(++reports_), so_far);
    if (!taken) gone_ = true;
    co_return taken;
  }

  ChatAnswer& answer_;
  McpProgress* progress_;
  sse::Parser parser_;
  std::uint64_t reports_ = 0;
  std::size_t reported_ = 0;  // the text's length at the last notification
  bool started_ = false;
  bool gone_ = false;
};

// The error body's message (any of the client formats' shapes), else the body.
std::string error_text(const std::string& body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    if (const auto* e = v.as_object().if_contains("error"); e && e->is_object()) {
      if (const auto* m = e->as_object().if_contains("message"); m && m->is_string()) return std::string(m->as_string());
    }
  }
  return body;
}

// The body the door reads: the arguments as they are (the schema allowed
// only chat parameters), streamed when progress goes to the caller.
http::Request chat_request(json::object args, bool stream) {
  args["stream"] = stream;
  if (stream) args["stream_options"] = json::object{{"include_usage", true}};
  http::Request request{boost::beast::http::verb::post, "/v1/chat/completions", 11};
  request.set(boost::beast::http::field::content_type, "application/json");
  request.body() = json::serialize(args);
  request.prepare_payload();
  return request;
}

json::object chat_result(ChatAnswer& answer, std::string_view asked_model) {
  if (answer.stream_error) return mcp::error_result(fmt::format("the answer broke off: {}", answer.stream_error->message));
  if (answer.status >= 400 || answer.status == 0)
    return mcp::error_result(fmt::format("model '{}' did not answer ({}): {}", asked_model, answer.status,
                                         error_text(answer.body)));
  if (!answer.body.empty()) {  // a whole answer
    boost::system::error_code ec;
    const json::value v = json::parse(answer.body, ec);
    if (ec || !v.is_object()) return mcp::error_result("the upstream's answer could not be read");
    read_chat_object(v.as_object(), answer, false);
  }
  json::object structured;
  if (!answer.id.empty()) structured["id"] = answer.id;
  structured["model"] = answer.model.empty() ? std::string(asked_model) : answer.model;
  structured["content"] = answer.content;
  structured["finish_reason"] = answer.finish_reason;
  if (!answer.usage.empty()) structured["usage"] = answer.usage;
  std::string text = answer.content;
  return mcp::text_result(std::move(text), std::move(structured));
}

}  // namespace

awaitable<std::optional<json::object>> mcp_chat_completion(McpToolCall& call, json::object args) {
  if (call.cancel.cancelled) co_return std::nullopt;
  const std::string model(args.at("model").as_string());
  const http::Request request = chat_request(std::move(args), call.progress != nullptr);
  RequestContext inner;
  inner.config = call.ctx.config;
  inner.routes = call.ctx.routes;
  inner.state = call.ctx.state;
  inner.request_id = call.ctx.request_id;
  inner.started = std::chrono::steady_clock::now();
  inner.principal = call.ctx.principal;
  inner.namespace_user = call.caller.namespace_user;
  inner.user_views = call.ctx.user_views;
  inner.format = IngressFormat::openai_chat;
  inner.usage.recorder = call.app.usage.recorder;
  inner.usage.route = "mcp_chat_completion";
  inner.quota.ledger = call.ctx.quota.ledger;

  ChatAnswer answer;
  ChatCapture capture(answer, call.progress, call.ctx.config->server.max_sse_event_bytes);
  call.cancel.on_cancel = [&inner] { inner.cancel.emit(); };
  HttpChat io{request, call.pool, capture, nullptr};
  co_await serve_chat_to(io, inner, "");
  call.cancel.on_cancel = nullptr;
  if (call.cancel.cancelled || capture.gone()) co_return std::nullopt;
  co_return chat_result(answer, model);
}

}  // namespace aisbf
