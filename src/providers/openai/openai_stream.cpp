// OpenAI Chat Completions SSE events → canonical stream events
// (PROTOCOLS.md §1.5, §5.8). Fed one SSE event at a time by the framer.
#include <boost/json/serialize.hpp>

#include "core/json_read.hpp"
#include "core/text.hpp"
#include "providers/openai/openai_adapter.hpp"

namespace aisbf::openai {

namespace json = boost::json;

namespace {

using namespace wire_read;
using Events = std::vector<StreamEvent>;

// One `function.arguments` fragment; a few servers send a whole call's
// arguments as an object in a single fragment.
std::string fragment_text(const json::object* function) {
  const json::value* args = function != nullptr ? function->if_contains("arguments") : nullptr;
  if (args == nullptr) return {};
  if (args->is_string()) return std::string(args->get_string());
  if (args->is_object()) return json::serialize(*args);
  return {};
}

// `event: error`: the data is usually `{"error":{...}}`, sometimes a bare
// object with a message, sometimes plain text.
GatewayError named_error(std::string_view data) {
  auto parsed = parse_object(data, "error event");
  if (parsed) {
    if (auto error = embedded_error(*parsed)) return *std::move(error);
    if (std::string message = string_member(*parsed, "message"); !message.empty()) {
      auto e = make_error(ErrorKind::upstream_status, std::move(message));
      e.code = "upstream_error";
      return e;
    }
  }
  auto e = make_error(ErrorKind::upstream_status,
                      data.empty() ? std::string("upstream sent an error event") : excerpt(data, 300));
  e.code = "upstream_error";
  return e;
}

class OpenAiStreamDecoder final : public StreamDecoder {
 public:
  Expected<Events> on_event(std::string_view event_name, std::string_view data) override;
  Expected<Events> on_end() override;

 private:
  // One tool call as opened on the canonical side. `upstream_index` is the
  // index the upstream used; `index` is ours (0, 1, 2… in opening order).
  struct Call {
    std::int64_t upstream_index = 0;
    int index = 0;
    std::string id;
    std::string name;
  };

  Expected<Events> decode_chunk(std::string_view data);
  void decode_choice(const json::object& choice, Events& out);
  void decode_tool_call(const json::object& entry, Events& out);
  Call* find_call(std::optional<std::int64_t> upstream_index, std::string_view id);

  std::vector<Call> calls_;
  bool started_ = false;
  bool finish_sent_ = false;
  bool done_ = false;    // [DONE] seen: the stream ended cleanly
  bool failed_ = false;  // an error was reported: nothing more is decoded
};

Expected<Events> OpenAiStreamDecoder::on_event(std::string_view event_name, std::string_view data) {
  if (done_ || failed_) return Events{};
  if (event_name == "error") {
    failed_ = true;
    return named_error(trim(data));
  }
  data = trim(data);
  if (data == "[DONE]") {
    done_ = true;
    return Events{};
  }
  if (data.empty()) return Events{};  // an event with no payload carries nothing
  auto events = decode_chunk(data);
  if (!events) failed_ = true;
  return events;
}

Expected<Events> OpenAiStreamDecoder::on_end() {
  if (done_) return Events{};
  return protocol_error("stream ended before [DONE]");
}

Expected<Events> OpenAiStreamDecoder::decode_chunk(std::string_view data) {
  auto parsed = parse_object(data, "stream chunk");
  if (!parsed) return parsed.take_error();
  const json::object& chunk = *parsed;
  if (auto error = embedded_error(chunk)) return *std::move(error);

  Events out;
  if (!started_) {
    started_ = true;
    out.push_back(StreamStart{string_member(chunk, "id"), string_member(chunk, "model"), int_member(chunk, "created")});
  }
  // Only choice 0 is decoded; `choices` may be [], null or missing on the usage chunk.
  if (const auto* choices = chunk.if_contains("choices"); choices != nullptr && choices->is_array()) {
    for (const auto& entry : choices->get_array()) {
      const auto* choice = entry.if_object();
      if (choice != nullptr && int_member(*choice, "index") == 0) decode_choice(*choice, out);
    }
  }
  if (const auto* usage = object_member(chunk, "usage")) out.push_back(UsageEvent{decode_usage(*usage)});
  return out;
}

void OpenAiStreamDecoder::decode_choice(const json::object& choice, Events& out) {
  if (const auto* delta = object_member(choice, "delta")) {
    if (std::string reasoning = reasoning_text(*delta); !reasoning.empty())
      out.push_back(ReasoningDelta{std::move(reasoning)});
    if (std::string text = string_member(*delta, "content"); !text.empty()) out.push_back(TextDelta{std::move(text)});
    if (const auto* calls = delta->if_contains("tool_calls"); calls != nullptr && calls->is_array()) {
      for (const auto& entry : calls->get_array())
        if (const auto* call = entry.if_object()) decode_tool_call(*call, out);
    }
  }
  const json::value* reason = choice.if_contains("finish_reason");
  if (reason == nullptr || !reason->is_string() || finish_sent_) return;
  finish_sent_ = true;
  FinishReason mapped = map_finish_reason(reason->get_string());
  // Some compatible servers (Ollama's /v1, older vLLM) say "stop" after tool calls.
  if (mapped == FinishReason::stop && !calls_.empty()) mapped = FinishReason::tool_calls;
  out.push_back(FinishEvent{mapped});
}

// The call a fragment continues, or null when it opens a new one. Normally
// found by upstream index; servers that omit `index` are matched by id, and
// a fragment with neither continues the latest call.
OpenAiStreamDecoder::Call* OpenAiStreamDecoder::find_call(std::optional<std::int64_t> upstream_index,
                                                          std::string_view id) {
  for (auto it = calls_.rbegin(); it != calls_.rend(); ++it) {
    if (upstream_index ? it->upstream_index == *upstream_index : (!id.empty() && it->id == id)) {
      // A different id at a known index: a server that reuses index 0 for every call.
      if (!id.empty() && !it->id.empty() && it->id != id) return nullptr;
      return &*it;
    }
  }
  if (!upstream_index && id.empty() && !calls_.empty()) return &calls_.back();
  return nullptr;
}

void OpenAiStreamDecoder::decode_tool_call(const json::object& entry, Events& out) {
  const json::object* function = object_member(entry, "function");
  std::string id = string_member(entry, "id");
  std::string name = function != nullptr ? string_member(*function, "name") : std::string();
  std::string arguments = fragment_text(function);
  std::optional<std::int64_t> upstream_index = optional_int_member(entry, "index");

  ToolCallDelta delta;
  delta.arguments = std::move(arguments);
  Call* call = find_call(upstream_index, id);
  if (call == nullptr) {  // opens a call: id and name go out once, here
    int index = static_cast<int>(calls_.size());
    calls_.push_back(Call{upstream_index.value_or(index), index, id, name});
    delta.index = index;
    delta.id = std::move(id);
    delta.name = std::move(name);
    out.push_back(std::move(delta));
    return;
  }
  delta.index = call->index;
  // Servers that repeat id/name on every fragment: pass each on only the first time it is seen.
  if (call->id.empty() && !id.empty()) call->id = delta.id = id;
  if (call->name.empty() && !name.empty()) call->name = delta.name = name;
  if (!delta.arguments.empty() || !delta.id.empty() || !delta.name.empty()) out.push_back(std::move(delta));
}

}  // namespace

std::unique_ptr<StreamDecoder> OpenAiAdapter::make_stream_decoder() const {
  return std::make_unique<OpenAiStreamDecoder>();
}

}  // namespace aisbf::openai
