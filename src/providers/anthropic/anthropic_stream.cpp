// Anthropic Messages SSE events → canonical stream events (PROTOCOLS.md
// §2.6, §5.8). Fed one SSE event at a time by the framer; dispatches on the
// JSON `type` (equal to the event name on the wire), falling back to the name.
#include <boost/json/serialize.hpp>

#include "core/text.hpp"
#include "providers/anthropic/anthropic_adapter.hpp"
#include "providers/anthropic/anthropic_wire.hpp"

namespace aisbf::anthropic {

namespace json = boost::json;

namespace {

using namespace wire;
using Events = std::vector<StreamEvent>;

// `event: error` whose data is not the documented JSON.
GatewayError unreadable_error(std::string_view data) {
  auto e = make_error(ErrorKind::upstream_status,
                      data.empty() ? std::string("upstream sent an error event") : excerpt(data, 300));
  e.code = "upstream_error";
  return e;
}

class AnthropicStreamDecoder final : public StreamDecoder {
 public:
  Expected<Events> on_event(std::string_view event_name, std::string_view data) override;
  Expected<Events> on_end() override;

 private:
  enum class Kind { text, tool_use, thinking, other };
  // One content block as opened by content_block_start.
  struct Block {
    std::int64_t index = 0;  // the upstream's block index
    Kind kind = Kind::other;
    int call = 0;                // tool_use only: the call's ordinal among tool_use blocks
    bool has_arguments = false;  // tool_use only: a non-empty fragment went out
    std::string start_input;     // tool_use only: a non-empty `input` sent in the start event
  };

  Expected<Events> dispatch(std::string_view type, const json::object& event);
  void message_start(const json::object& event, Events& out);
  void block_start(const json::object& event, Events& out);
  Expected<Events> block_delta(const json::object& event);
  void block_stop(const json::object& event, Events& out);
  void message_delta(const json::object& event, Events& out);
  void ensure_started(Events& out);
  Block* find_block(const json::object& event);

  std::vector<Block> blocks_;
  UsageCounts usage_;
  int calls_ = 0;
  bool started_ = false;
  bool finish_sent_ = false;
  bool stopped_ = false;  // message_stop seen: the stream ended cleanly
  bool failed_ = false;   // an error was reported: nothing more is decoded
};

Expected<Events> AnthropicStreamDecoder::on_event(std::string_view event_name, std::string_view data) {
  if (stopped_ || failed_) return Events{};
  data = trim(data);
  if (data.empty()) {
    if (event_name != "error") return Events{};  // an event with no payload carries nothing
    failed_ = true;
    return unreadable_error(data);
  }
  auto parsed = parse_object(data, "stream event");
  if (!parsed) {
    if (event_name == "ping" || (!event_name.empty() && !event_name.starts_with("message_") &&
                                 !event_name.starts_with("content_block_") && event_name != "error"))
      return Events{};  // a keep-alive or an event type we do not know: its payload does not matter
    failed_ = true;
    if (event_name == "error") return unreadable_error(data);
    return parsed.take_error();
  }
  std::string type = string_member(*parsed, "type");
  auto events = dispatch(type.empty() ? event_name : std::string_view(type), *parsed);
  if (!events) failed_ = true;
  return events;
}

Expected<Events> AnthropicStreamDecoder::on_end() {
  if (stopped_ || failed_) return Events{};
  return protocol_error("stream ended before message_stop");
}

Expected<Events> AnthropicStreamDecoder::dispatch(std::string_view type, const json::object& event) {
  Events out;
  if (type == "message_start") {
    message_start(event, out);
  } else if (type == "content_block_start") {
    block_start(event, out);
  } else if (type == "content_block_delta") {
    return block_delta(event);
  } else if (type == "content_block_stop") {
    block_stop(event, out);
  } else if (type == "message_delta") {
    message_delta(event, out);
  } else if (type == "message_stop") {
    stopped_ = true;
    ensure_started(out);
    if (!finish_sent_) out.push_back(FinishEvent{calls_ > 0 ? FinishReason::tool_calls : FinishReason::stop});
    finish_sent_ = true;
  } else if (type == "error") {
    const json::object* error = object_member(event, "error");
    return error_from_object(0, error != nullptr ? *error : event, {});
  }
  // ping and event types added later: nothing (the official SDK ignores them too).
  return out;
}

void AnthropicStreamDecoder::ensure_started(Events& out) {
  if (started_) return;
  started_ = true;
  out.push_back(StreamStart{});
}

void AnthropicStreamDecoder::message_start(const json::object& event, Events& out) {
  if (started_) return;  // a second message_start would restart nothing useful
  started_ = true;
  const json::object* message = object_member(event, "message");
  StreamStart start;
  if (message != nullptr) {
    start.id = string_member(*message, "id");
    start.model = string_member(*message, "model");
  }
  out.push_back(std::move(start));
  if (const json::object* usage = message != nullptr ? object_member(*message, "usage") : nullptr) {
    usage_.merge(*usage);
    out.push_back(UsageEvent{usage_.canonical()});
  }
}

void AnthropicStreamDecoder::block_start(const json::object& event, Events& out) {
  ensure_started(out);
  const json::object* content = object_member(event, "content_block");
  Block block;
  block.index = optional_int_member(event, "index").value_or(static_cast<std::int64_t>(blocks_.size()));
  std::string type = content != nullptr ? string_member(*content, "type") : std::string();
  if (type == "text") {
    block.kind = Kind::text;
    if (std::string text = string_member(*content, "text"); !text.empty()) out.push_back(TextDelta{std::move(text)});
  } else if (type == "thinking") {
    block.kind = Kind::thinking;
    ReasoningDelta delta{string_member(*content, "thinking"), string_member(*content, "signature")};
    if (!delta.text.empty() || !delta.signature.empty()) out.push_back(std::move(delta));
  } else if (type == "tool_use") {
    block.kind = Kind::tool_use;
    block.call = calls_++;
    const json::value* input = content->if_contains("input");
    if (input != nullptr && input->is_object() && !input->get_object().empty())
      block.start_input = json::serialize(*input);  // servers that send the whole input up front
    out.push_back(ToolCallDelta{block.call, string_member(*content, "id"), string_member(*content, "name"), {}});
  }
  // redacted_thinking, server_tool_use, *_tool_result: no canonical slot (Kind::other).
  blocks_.push_back(std::move(block));
}

AnthropicStreamDecoder::Block* AnthropicStreamDecoder::find_block(const json::object& event) {
  auto index = optional_int_member(event, "index");
  for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it)
    if (!index || it->index == *index) return &*it;  // no index: the latest block
  return nullptr;
}

Expected<Events> AnthropicStreamDecoder::block_delta(const json::object& event) {
  Events out;
  const json::object* delta = object_member(event, "delta");
  if (delta == nullptr) return out;
  Block* block = find_block(event);
  std::string type = string_member(*delta, "type");
  if (block == nullptr) return protocol_error("upstream sent a content_block_delta for a block it never started");
  if (type == "text_delta" && block->kind == Kind::text) {
    if (std::string text = string_member(*delta, "text"); !text.empty()) out.push_back(TextDelta{std::move(text)});
  } else if (type == "input_json_delta" && block->kind == Kind::tool_use) {
    std::string fragment = string_member(*delta, "partial_json");
    if (!fragment.empty()) {
      block->has_arguments = true;
      out.push_back(ToolCallDelta{block->call, {}, {}, std::move(fragment)});
    }
  } else if (type == "thinking_delta" && block->kind == Kind::thinking) {
    if (std::string text = string_member(*delta, "thinking"); !text.empty())
      out.push_back(ReasoningDelta{std::move(text), {}});
  } else if (type == "signature_delta" && block->kind == Kind::thinking) {
    if (std::string signature = string_member(*delta, "signature"); !signature.empty())
      out.push_back(ReasoningDelta{{}, std::move(signature)});
  }
  // citations_delta, deltas of server tool blocks, unknown types: nothing.
  return out;
}

// A call whose fragments joined to nothing gets its arguments here, so the
// joined arguments are always JSON: the input sent up front, else `{}`.
void AnthropicStreamDecoder::block_stop(const json::object& event, Events& out) {
  Block* block = find_block(event);
  if (block == nullptr || block->kind != Kind::tool_use || block->has_arguments) return;
  block->has_arguments = true;
  out.push_back(ToolCallDelta{block->call, {}, {}, block->start_input.empty() ? "{}" : block->start_input});
}

// message_delta counts are cumulative; newer ones repeat the input counts.
void AnthropicStreamDecoder::message_delta(const json::object& event, Events& out) {
  ensure_started(out);
  if (const json::object* delta = object_member(event, "delta"); delta != nullptr && !finish_sent_) {
    if (const json::value* reason = delta->if_contains("stop_reason"); reason != nullptr && reason->is_string()) {
      finish_sent_ = true;
      out.push_back(FinishEvent{map_stop_reason(reason->get_string())});
    }
  }
  if (const json::object* usage = object_member(event, "usage")) {
    usage_.merge(*usage);
    out.push_back(UsageEvent{usage_.canonical()});
  }
}

}  // namespace

std::unique_ptr<StreamDecoder> AnthropicAdapter::make_stream_decoder() const {
  return std::make_unique<AnthropicStreamDecoder>();
}

}  // namespace aisbf::anthropic
