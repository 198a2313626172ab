// Ollama NDJSON stream lines → canonical stream events (PROTOCOLS.md §0,
// §4.2, §5.8). The pipeline frames the bytes; this decoder is fed one line
// (a JSON object) at a time with an empty event name.
#include "core/text.hpp"
#include "providers/ollama/ollama_adapter.hpp"
#include "providers/ollama/ollama_wire.hpp"

namespace aisbf::ollama {

namespace json = boost::json;

namespace {

using namespace wire;
using Events = std::vector<StreamEvent>;

class OllamaStreamDecoder final : public StreamDecoder {
 public:
  Expected<Events> on_event(std::string_view event_name, std::string_view data) override;
  Expected<Events> on_end() override;

 private:
  Expected<Events> decode_line(std::string_view line);
  void decode_message(const json::object& message, std::string_view created_at, Events& out);
  void finish(const json::object& line, Events& out);

  int calls_ = 0;  // tool calls opened so far: the next call's index
  bool started_ = false;
  bool done_ = false;    // the `done: true` line was seen: the stream ended cleanly
  bool failed_ = false;  // an error was reported: nothing more is decoded
};

Expected<Events> OllamaStreamDecoder::on_event(std::string_view /*event_name*/, std::string_view data) {
  if (done_ || failed_) return Events{};
  data = trim(data);
  if (data.empty()) return Events{};  // NDJSON: empty lines are skipped
  auto events = decode_line(data);
  if (!events) failed_ = true;
  return events;
}

Expected<Events> OllamaStreamDecoder::on_end() {
  if (done_ || failed_) return Events{};
  return protocol_error("stream ended before the final \"done\": true line");
}

Expected<Events> OllamaStreamDecoder::decode_line(std::string_view data) {
  auto parsed = parse_object(data, "stream line");
  if (!parsed) return parsed.take_error();
  const json::object& line = *parsed;
  // An error after the 200 header is one more line `{"error": "..."}` (§4.3).
  if (auto error = embedded_error(line)) return *std::move(error);

  Events out;
  std::string created_at = string_member(line, "created_at");
  if (!started_) {
    started_ = true;
    out.push_back(
        StreamStart{response_id(created_at), string_member(line, "model"), parse_timestamp(created_at).value_or(0)});
  }
  // Older servers send the final line without a `message`.
  if (const auto* message = object_member(line, "message")) decode_message(*message, created_at, out);
  if (const json::value* done = line.if_contains("done"); done != nullptr && done->is_bool() && done->get_bool())
    finish(line, out);
  return out;
}

void OllamaStreamDecoder::decode_message(const json::object& message, std::string_view created_at, Events& out) {
  if (std::string thinking = string_member(message, "thinking"); !thinking.empty())
    out.push_back(ReasoningDelta{std::move(thinking), {}});
  if (std::string text = string_member(message, "content"); !text.empty()) out.push_back(TextDelta{std::move(text)});
  // Each call arrives whole in one line: one delta carries id, name and all the arguments.
  for (auto& call : read_tool_calls(message, created_at, calls_)) {
    out.push_back(ToolCallDelta{calls_, std::move(call.id), std::move(call.name), std::move(call.arguments_json)});
    ++calls_;
  }
}

void OllamaStreamDecoder::finish(const json::object& line, Events& out) {
  done_ = true;
  out.push_back(FinishEvent{map_done_reason(string_member(line, "done_reason"), calls_ > 0)});
  out.push_back(UsageEvent{read_usage(line)});
}

}  // namespace

std::unique_ptr<StreamDecoder> OllamaAdapter::make_stream_decoder() const {
  return std::make_unique<OllamaStreamDecoder>();
}

}  // namespace aisbf::ollama
