// Gemini `streamGenerateContent?alt=sse` → canonical stream events
// (PROTOCOLS.md §3.3, §5.8). Each SSE data is a whole GenerateContentResponse
// holding only the new parts; function calls arrive whole, in one part.
#include "core/text.hpp"
#include "providers/gemini/gemini_adapter.hpp"
#include "providers/gemini/gemini_wire.hpp"

namespace aisbf::gemini {

namespace {

using Events = std::vector<StreamEvent>;

bool same_usage(const Usage& a, const Usage& b) {
  return a.prompt_tokens == b.prompt_tokens && a.completion_tokens == b.completion_tokens &&
         a.total_tokens == b.total_tokens && a.cached_tokens == b.cached_tokens &&
         a.reasoning_tokens == b.reasoning_tokens && a.cache_write_tokens == b.cache_write_tokens;
}

class GeminiStreamDecoder final : public StreamDecoder {
 public:
  Expected<Events> on_event(std::string_view event_name, std::string_view data) override;
  Expected<Events> on_end() override;

 private:
  Expected<Events> decode_chunk(std::string_view data);
  void decode_candidate(const json::object& candidate, Events& out);
  void decode_part(DecodedPart part, Events& out);
  void finish(FinishReason reason, Events& out);

  std::string response_id_;
  std::optional<Usage> usage_;
  int calls_ = 0;
  bool started_ = false;
  bool finished_ = false;  // a finishReason (or a prompt block) was seen
  bool failed_ = false;    // an error was reported: nothing more is decoded
};

Expected<Events> GeminiStreamDecoder::on_event(std::string_view /*event_name*/, std::string_view data) {
  if (failed_) return Events{};
  data = trim(data);
  if (data.empty()) return Events{};  // Gemini names no events; an empty one carries nothing
  auto events = decode_chunk(data);
  if (!events) failed_ = true;
  return events;
}

Expected<Events> GeminiStreamDecoder::on_end() {
  if (failed_ || finished_) return Events{};
  return protocol_error("stream ended before a finishReason");
}

Expected<Events> GeminiStreamDecoder::decode_chunk(std::string_view data) {
  auto parsed = parse_json(data, "stream chunk");
  if (!parsed) return parsed.take_error();
  if (auto error = read_rpc_error(*parsed)) return rpc_error_to_gateway(*error, error->code, {});
  if (!parsed->is_object()) return protocol_error("upstream stream chunk is not a JSON object: " + excerpt(data, 120));
  const json::object& chunk = parsed->get_object();

  Events out;
  if (!started_) {
    started_ = true;
    response_id_ = string_member(chunk, "responseId");
    out.push_back(StreamStart{response_id_, string_member(chunk, "modelVersion"), 0});
  }
  if (const json::object* candidate = first_candidate(chunk)) {
    decode_candidate(*candidate, out);
  } else if (!block_reason(chunk).empty()) {
    finish(FinishReason::content_filter, out);  // the prompt was blocked: no candidates at all
  }
  if (const auto* metadata = object_member(chunk, "usageMetadata")) {
    Usage usage = decode_usage(*metadata);
    if (!usage_ || !same_usage(*usage_, usage)) {
      usage_ = usage;
      out.push_back(UsageEvent{usage});
    }
  }
  return out;
}

void GeminiStreamDecoder::decode_candidate(const json::object& candidate, Events& out) {
  if (const auto* content = object_member(candidate, "content"))
    if (const auto* parts = array_member(*content, "parts"))
      for (const auto& entry : *parts)
        if (const auto* part = entry.if_object()) decode_part(gemini::decode_part(*part), out);
  if (std::string reason = string_member(candidate, "finishReason");
      !reason.empty() && reason != "FINISH_REASON_UNSPECIFIED")
    finish(map_finish_reason(reason, calls_ > 0), out);
}

// Signatures ride on ReasoningDelta (see gemini_wire.hpp): before the call
// they belong to, after any other part.
void GeminiStreamDecoder::decode_part(DecodedPart part, Events& out) {
  using Kind = DecodedPart::Kind;
  if (part.kind == Kind::thought) {
    if (!part.text.empty() || !part.signature.empty())
      out.push_back(ReasoningDelta{std::move(part.text), std::move(part.signature)});
    return;
  }
  if (part.kind == Kind::call) {
    if (!part.signature.empty()) out.push_back(ReasoningDelta{{}, std::move(part.signature)});
    int index = calls_++;
    out.push_back(ToolCallDelta{index, tool_call_id(response_id_, index, part.call_id), std::move(part.name),
                                std::move(part.arguments)});
    return;
  }
  if (part.kind == Kind::text && !part.text.empty()) out.push_back(TextDelta{std::move(part.text)});
  // Images have no stream event; their signature, like a text's, still goes out.
  if (!part.signature.empty()) out.push_back(ReasoningDelta{{}, std::move(part.signature)});
}

void GeminiStreamDecoder::finish(FinishReason reason, Events& out) {
  if (finished_) return;
  finished_ = true;
  out.emplace_back(std::in_place_type<FinishEvent>, reason);
}

}  // namespace

std::unique_ptr<StreamDecoder> GeminiAdapter::make_stream_decoder() const {
  return std::make_unique<GeminiStreamDecoder>();
}

}  // namespace aisbf::gemini
