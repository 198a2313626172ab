// Canonical stream events → Anthropic Messages SSE (PROTOCOLS.md §2.6, §5.8):
// message_start, then per content block content_block_start / _delta / _stop
// (one block open at a time, indices 0, 1, 2… in order), then message_delta
// with the stop reason and usage, then message_stop. This is the order the
// official SDKs' stream accumulators require: every delta and stop refers to
// the last started block.
#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

#include "api/anthropic/messages_ingress.hpp"
#include "api/anthropic/messages_wire.hpp"

namespace aisbf::api {

namespace json = boost::json;
namespace wire = anthropic::wire;

namespace {

// `event: <name>\ndata: <json>\n\n`, the name being the JSON's `type`.
void append_event(std::string& out, std::string_view name, std::string_view data) {
  out += "event: ";
  out += name;
  out += "\ndata: ";
  out += data;
  out += "\n\n";
}

// A JSON string literal (quotes and escapes) for `text`.
std::string quoted(std::string_view text) { return json::serialize(text); }

// Whether the fragments fed so far join into a complete JSON object or array
// (brackets balanced outside strings). Tells a finished call from one still
// streaming when the upstream interleaves calls.
class JsonCompleteness {
 public:
  void feed(std::string_view fragment) {
    for (char c : fragment) {
      if (in_string_) {
        if (escape_) {
          escape_ = false;
        } else if (c == '\\') {
          escape_ = true;
        } else if (c == '"') {
          in_string_ = false;
        }
      } else if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
        opened_ = true;
      } else if ((c == '}' || c == ']') && depth_ > 0) {
        --depth_;
      }
    }
  }
  bool complete() const { return opened_ && depth_ == 0 && !in_string_; }

 private:
  int depth_ = 0;
  bool opened_ = false, in_string_ = false, escape_ = false;
};

// A call that started while another was still streaming its arguments.
struct PendingCall {
  int index = 0;
  std::string id, name, arguments;
};

class MessagesStreamEncoder final : public StreamEncoder {
 public:
  explicit MessagesStreamEncoder(const EgressContext& context) : model_(context.model) {}

  std::string on_event(const StreamEvent& event) override {
    std::string out;
    if (ended_) return out;
    std::visit([&](const auto& e) { handle(e, out); }, event);
    return out;
  }

  std::string on_end(const std::optional<GatewayError>& error) override;

 private:
  enum class Block { none, text, thinking, tool };

  void handle(const StreamStart& e, std::string& out);
  void handle(const TextDelta& e, std::string& out);
  void handle(const ReasoningDelta& e, std::string& out);
  void handle(const ToolCallDelta& e, std::string& out);
  void handle(const FinishEvent& e, std::string& out);
  void handle(const UsageEvent& e, std::string& /*out*/) { usage_ = e.usage; }

  void ensure_started(std::string& out);
  void open_block(Block kind, std::string_view content_block, std::string& out);
  void close_block(std::string& out);
  void close_all(std::string& out);
  void open_tool(int index, std::string_view id, std::string_view name, std::string& out);
  void append_arguments(std::string_view fragment, std::string& out);
  void flush_pending(bool keep_streaming, std::string& out);
  void delta(std::string_view type, std::string_view field, std::string_view value, std::string& out);
  std::string message_delta() const;

  std::string model_;
  std::string id_;
  bool started_ = false;
  bool ended_ = false;
  Block open_ = Block::none;
  int open_index_ = -1;  // Anthropic index of the open block
  int next_index_ = 0;
  int open_call_ = -1;  // canonical index of the call in the open tool_use block
  bool thinking_signed_ = false;
  bool had_tool_calls_ = false;
  JsonCompleteness open_arguments_;  // of the call in the open tool_use block
  std::vector<PendingCall> pending_;
  std::vector<int> finished_calls_;  // canonical indices whose block was closed
  bool warned_late_fragment_ = false;
  std::optional<Usage> usage_;
  std::optional<FinishReason> finish_;
  int split_chunks_ = 0;  // a split request's, on message_delta
};

void MessagesStreamEncoder::handle(const StreamStart& e, std::string& /*out*/) {
  if (started_) return;
  if (id_.empty() && !e.id.empty()) id_ = wire::message_id(e.id);
  if (model_.empty()) model_ = e.model;
}

void MessagesStreamEncoder::handle(const TextDelta& e, std::string& out) {
  if (e.text.empty()) return;  // an empty text block would be a 400 when the client sends it back
  if (open_ != Block::text) {
    close_all(out);
    open_block(Block::text, R"({"type":"text","text":""})", out);
  }
  delta("text_delta", "text", e.text, out);
}

// A signature ends its thinking block: more thinking text after it opens a new one.
void MessagesStreamEncoder::handle(const ReasoningDelta& e, std::string& out) {
  if (e.text.empty() && e.signature.empty()) return;
  if (open_ != Block::thinking || (thinking_signed_ && !e.text.empty())) {
    close_all(out);
    open_block(Block::thinking, R"({"type":"thinking","thinking":"","signature":""})", out);
    thinking_signed_ = false;
  }
  if (!e.text.empty()) delta("thinking_delta", "thinking", e.text, out);
  if (!e.signature.empty()) {
    delta("signature_delta", "signature", e.signature, out);
    thinking_signed_ = true;
  }
}

// Calls are streamed one block at a time, in the order they start. A call
// that starts while the open one's arguments are still incomplete JSON (an
// upstream that interleaves calls) is buffered and streamed once the open
// call completes; a fragment for a call already closed is dropped.
void MessagesStreamEncoder::handle(const ToolCallDelta& e, std::string& out) {
  if (open_ == Block::tool && open_call_ == e.index) {
    append_arguments(e.arguments, out);
    if (open_arguments_.complete() && !pending_.empty()) flush_pending(true, out);
    return;
  }
  if (std::find(finished_calls_.begin(), finished_calls_.end(), e.index) != finished_calls_.end()) {
    if (!warned_late_fragment_) spdlog::warn("anthropic ingress: a tool call fragment arrived after its call ended");
    warned_late_fragment_ = true;
    return;
  }
  for (auto& call : pending_) {
    if (call.index != e.index) continue;
    if (call.id.empty()) call.id = e.id;
    if (call.name.empty()) call.name = e.name;
    call.arguments += e.arguments;
    return;
  }
  if (open_ == Block::tool && !open_arguments_.complete()) {
    pending_.push_back(PendingCall{e.index, e.id, e.name, e.arguments});
    return;
  }
  close_all(out);
  open_tool(e.index, e.id, e.name, out);
  append_arguments(e.arguments, out);
}

void MessagesStreamEncoder::open_tool(int index, std::string_view id, std::string_view name, std::string& out) {
  std::string start = fmt::format(R"({{"type":"tool_use","id":{},"name":{},"input":{{}}}})",
                                  quoted(wire::tool_use_id(id)), quoted(name));
  open_block(Block::tool, start, out);
  open_call_ = index;
  open_arguments_ = JsonCompleteness{};
  had_tool_calls_ = true;
}

void MessagesStreamEncoder::append_arguments(std::string_view fragment, std::string& out) {
  if (fragment.empty()) return;
  open_arguments_.feed(fragment);
  delta("input_json_delta", "partial_json", fragment, out);
}

// Streams buffered calls in order. While `keep_streaming`, stops at a call
// whose arguments are still incomplete: it stays open for more fragments.
void MessagesStreamEncoder::flush_pending(bool keep_streaming, std::string& out) {
  while (!pending_.empty()) {
    PendingCall call = std::move(pending_.front());
    pending_.erase(pending_.begin());
    open_tool(call.index, call.id, call.name, out);
    append_arguments(call.arguments, out);
    if (keep_streaming && !open_arguments_.complete()) return;
  }
}

// Closes the open block after streaming every buffered call.
void MessagesStreamEncoder::close_all(std::string& out) {
  flush_pending(false, out);
  close_block(out);
}

void MessagesStreamEncoder::handle(const FinishEvent& e, std::string& out) {
  finish_ = e.reason;
  split_chunks_ = e.split_chunks;
  close_all(out);
}

void MessagesStreamEncoder::ensure_started(std::string& out) {
  if (started_) return;
  started_ = true;
  if (id_.empty()) id_ = wire::message_id({});
  // Input counts known so far (an upstream that reports them first, like
  // Anthropic); otherwise zeros, corrected by message_delta. Anthropic's own
  // message_start carries a small placeholder output count.
  json::object usage = wire::usage_object(usage_.value_or(Usage{}));
  if (!usage_ || usage_->completion_tokens < 1) usage["output_tokens"] = 1;
  json::object message{{"id", id_},
                       {"type", "message"},
                       {"role", "assistant"},
                       {"model", model_},
                       {"content", json::array{}},
                       {"stop_reason", nullptr},
                       {"stop_sequence", nullptr},
                       {"usage", std::move(usage)}};
  json::object event{{"type", "message_start"}, {"message", std::move(message)}};
  append_event(out, "message_start", json::serialize(event));
}

void MessagesStreamEncoder::open_block(Block kind, std::string_view content_block, std::string& out) {
  ensure_started(out);
  close_block(out);
  open_ = kind;
  open_index_ = next_index_++;
  append_event(
      out, "content_block_start",
      fmt::format(R"({{"type":"content_block_start","index":{},"content_block":{}}})", open_index_, content_block));
}

void MessagesStreamEncoder::close_block(std::string& out) {
  if (open_ == Block::none) return;
  if (open_ == Block::tool) finished_calls_.push_back(open_call_);
  append_event(out, "content_block_stop", fmt::format(R"({{"type":"content_block_stop","index":{}}})", open_index_));
  open_ = Block::none;
  open_call_ = -1;
}

void MessagesStreamEncoder::delta(std::string_view type, std::string_view field, std::string_view value,
                                  std::string& out) {
  append_event(out, "content_block_delta",
               fmt::format(R"({{"type":"content_block_delta","index":{},"delta":{{"type":"{}","{}":{}}}}})",
                           open_index_, type, field, quoted(value)));
}

// The final counts: message_delta usage is cumulative and, like the newest
// API responses, repeats the input counts (the SDK takes non-null ones).
std::string MessagesStreamEncoder::message_delta() const {
  json::object usage;
  if (usage_) {
    usage = wire::usage_object(*usage_);
  } else {
    usage["output_tokens"] = 0;
  }
  json::object delta{{"stop_reason", wire::stop_reason(finish_.value_or(FinishReason::stop), had_tool_calls_)},
                     {"stop_sequence", nullptr}};
  json::object event{{"type", "message_delta"}, {"delta", std::move(delta)}, {"usage", std::move(usage)}};
  if (split_chunks_ > 0) {  // a split request's joined answers (README: request splitting)
    event["aisbf_chunked"] = true;
    event["aisbf_chunks"] = split_chunks_;
  }
  return json::serialize(event);
}

std::string MessagesStreamEncoder::on_end(const std::optional<GatewayError>& error) {
  std::string out;
  if (ended_) return out;
  ended_ = true;
  if (error) {
    // No message_stop after an error event (§2.6); the SDK raises it as an API error.
    append_event(out, "error", anthropic_error_body(*error));
    return out;
  }
  ensure_started(out);
  close_all(out);
  append_event(out, "message_delta", message_delta());
  append_event(out, "message_stop", R"({"type":"message_stop"})");
  return out;
}

}  // namespace

std::unique_ptr<StreamEncoder> AnthropicMessagesIngress::make_stream_encoder(const EgressContext& context) const {
  return std::make_unique<MessagesStreamEncoder>(context);
}

}  // namespace aisbf::api
