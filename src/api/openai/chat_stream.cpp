// Canonical stream events → OpenAI `chat.completion.chunk` SSE events
// (PROTOCOLS.md §1.5, §5.8): a role chunk first, one chunk per delta, the
// finish chunk with an empty delta, the usage chunk when asked for, then
// `data: [DONE]`. Chunks are written by hand from a prefix built once: the
// per-token path serialises nothing but the new text.
#include <algorithm>
#include <boost/json/serialize.hpp>

#include "api/openai/chat_internal.hpp"
#include "api/openai_errors.hpp"
#include "core/json_scan.hpp"

namespace aisbf::api::openai_ingress {

namespace {

constexpr std::string_view kRoleDelta = R"({"role":"assistant","content":"","refusal":null})";

class ChatStreamEncoder final : public StreamEncoder {
 public:
  explicit ChatStreamEncoder(const EgressContext& context) : context_(context) {}

  std::string on_event(const StreamEvent& event) override;
  std::string on_end(const std::optional<GatewayError>& error) override;

 private:
  void start(std::string& out);
  void write_chunk(std::string& out, std::string_view delta, std::string_view finish_reason = {},
                   std::string_view marks = {}) const;
  void write_tool_call(std::string& out, const ToolCallDelta& delta);
  void write_finish(std::string& out, FinishReason reason);

  EgressContext context_;
  std::string id_;
  std::int64_t created_ = 0;
  std::string prefix_;      // {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":[
  std::vector<int> calls_;  // indices of the tool calls opened so far
  std::optional<Usage> usage_;
  std::string split_marks_;  // a split request's, on the finish and usage chunks
  bool started_ = false;
  bool finished_ = false;
  bool ended_ = false;
};

// Fixes id and created (the upstream's when StreamStart gave them) and
// sends the role chunk; once per stream.
void ChatStreamEncoder::start(std::string& out) {
  if (started_) return;
  started_ = true;
  if (id_.empty()) id_ = random_id("chatcmpl-", 29);
  if (created_ <= 0) created_ = now_seconds();
  prefix_ = R"({"id":)";
  json_scan::append_encoded(prefix_, id_);
  prefix_ += R"(,"object":"chat.completion.chunk","created":)";
  prefix_ += std::to_string(created_);
  prefix_ += R"(,"model":)";
  json_scan::append_encoded(prefix_, context_.model);
  prefix_ += R"(,"choices":[)";
  write_chunk(out, kRoleDelta);
}

void ChatStreamEncoder::write_chunk(std::string& out, std::string_view delta, std::string_view finish_reason,
                                    std::string_view marks) const {
  out += "data: ";
  out += prefix_;
  out += R"({"index":0,"delta":)";
  out += delta;
  out += R"(,"logprobs":null,"finish_reason":)";
  if (finish_reason.empty()) {
    out += "null";
  } else {
    out += '"';
    out += finish_reason;
    out += '"';
  }
  out += context_.include_usage ? R"(}],"usage":null)" : "}]";
  out += marks;
  out += "}\n\n";
}

// id, type and name go on a call's first fragment only (§1.5); a call
// without an upstream id gets one, since the client answers by id.
void ChatStreamEncoder::write_tool_call(std::string& out, const ToolCallDelta& delta) {
  bool first = std::find(calls_.begin(), calls_.end(), delta.index) == calls_.end();
  if (!first && delta.arguments.empty()) return;
  std::string body = R"({"tool_calls":[{"index":)" + std::to_string(delta.index);
  if (first) {
    calls_.push_back(delta.index);
    body += R"(,"id":)";
    json_scan::append_encoded(body, delta.id.empty() ? random_id("call_", 24) : delta.id);
    body += R"(,"type":"function","function":{"name":)";
    json_scan::append_encoded(body, delta.name);
    body += R"(,"arguments":)";
  } else {
    body += R"(,"function":{"arguments":)";
  }
  json_scan::append_encoded(body, delta.arguments);
  body += "}}]}";
  write_chunk(out, body);
}

void ChatStreamEncoder::write_finish(std::string& out, FinishReason reason) {
  if (finished_) return;  // one finish chunk per choice
  finished_ = true;
  write_chunk(out, "{}", finish_reason_name(reason, !calls_.empty()), split_marks_);
}

std::string ChatStreamEncoder::on_event(const StreamEvent& event) {
  std::string out;
  if (ended_) return out;
  if (const auto* first = std::get_if<StreamStart>(&event)) {
    if (!started_) {
      id_ = first->id;
      created_ = first->created;
    }
    start(out);
  } else if (const auto* text = std::get_if<TextDelta>(&event)) {
    if (text->text.empty()) return out;
    start(out);
    write_chunk(out, R"({"content":)" + json_scan::encode_string(text->text) + "}");
  } else if (const auto* reasoning = std::get_if<ReasoningDelta>(&event)) {
    if (reasoning->text.empty()) return out;  // a signature alone means nothing to an OpenAI client
    start(out);
    write_chunk(out, R"({"reasoning_content":)" + json_scan::encode_string(reasoning->text) + "}");
  } else if (const auto* call = std::get_if<ToolCallDelta>(&event)) {
    start(out);
    write_tool_call(out, *call);
  } else if (const auto* finish = std::get_if<FinishEvent>(&event)) {
    start(out);
    if (!finished_) split_marks_ = split_marks_text(finish->split_chunks);
    write_finish(out, finish->reason);
  } else if (const auto* usage = std::get_if<UsageEvent>(&event)) {
    usage_ = usage->usage;  // sent at the end, in its own chunk
  }
  return out;
}

std::string ChatStreamEncoder::on_end(const std::optional<GatewayError>& error) {
  std::string out;
  if (ended_) return out;
  ended_ = true;
  if (error) return openai_error_event(*error);  // no [DONE]: the SDK raises on the error event
  start(out);
  write_finish(out, FinishReason::stop);  // an upstream that never said why it stopped
  if (context_.include_usage && usage_) {
    out += "data: ";
    out += prefix_;
    out += R"(],"usage":)";
    out += json::serialize(usage_object(*usage_, true));
    out += split_marks_;
    out += "}\n\n";
  }
  out += "data: [DONE]\n\n";
  return out;
}

}  // namespace

std::unique_ptr<StreamEncoder> make_chat_stream_encoder(const EgressContext& context) {
  return std::make_unique<ChatStreamEncoder>(context);
}

}  // namespace aisbf::api::openai_ingress
