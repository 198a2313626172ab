// OpenAI Responses SSE events → canonical stream events (docs/responses-api.md,
// "Upstream stream"). Fed one SSE event at a time by the framer; the event's
// `type` in its data is what counts (the `event:` line repeats it).
//
// response.created                        → StreamStart (id, model, created_at)
// response.output_item.added function_call → ToolCallDelta opening the call (call_id, name)
// response.function_call_arguments.delta  → ToolCallDelta fragment
// response.output_text.delta, refusal.delta → TextDelta
// response.reasoning_summary_text.delta, response.reasoning_text.delta → ReasoningDelta
// response.output_item.done reasoning     → ReasoningDelta carrying encrypted_content
// response.completed / response.incomplete → FinishEvent, UsageEvent; the stream's end
// response.failed, error                  → an error
#include <algorithm>

#include "core/json_read.hpp"
#include "providers/openai/responses_upstream.hpp"
#include "providers/openai/responses_upstream_read.hpp"

namespace aisbf::openai {

namespace json = boost::json;

namespace {

using namespace json_read;
using namespace responses_read;
using Events = std::vector<StreamEvent>;

// Output items one answer may hold: far beyond any real answer, a bound on
// what an upstream can make the decoder keep.
constexpr std::size_t kMaxItems = 4096;

class ResponsesStreamDecoder final : public StreamDecoder {
 public:
  Expected<Events> on_event(std::string_view event_name, std::string_view data) override;
  Expected<Events> on_end() override;

 private:
  // What the decoder knows of one output item, by its output_index.
  struct Item {
    std::int64_t output_index = 0;
    bool call = false;
    int call_index = 0;     // its canonical index when a function call
    bool streamed = false;  // deltas came for it (text, arguments or reasoning)
    std::int64_t summary_parts = 0;
  };

  Item* find(std::int64_t output_index);
  Expected<Item*> add(std::int64_t output_index);
  Expected<Events> item_added(const json::object& event);
  Events item_done(const json::object& event);
  Events delta(const json::object& event, std::string_view type);
  Events finish(const json::object& event);

  std::vector<Item> items_;
  int calls_ = 0;
  bool started_ = false;
  bool ended_ = false;
};

ResponsesStreamDecoder::Item* ResponsesStreamDecoder::find(std::int64_t output_index) {
  // Newest first: deltas almost always belong to the item added last.
  for (auto it = items_.rbegin(); it != items_.rend(); ++it)
    if (it->output_index == output_index) return &*it;
  return nullptr;
}

Expected<ResponsesStreamDecoder::Item*> ResponsesStreamDecoder::add(std::int64_t output_index) {
  if (Item* known = find(output_index)) return known;
  if (items_.size() >= kMaxItems) return protocol_error("upstream stream has too many output items");
  items_.push_back(Item{output_index});
  return &items_.back();
}

Expected<Events> ResponsesStreamDecoder::item_added(const json::object& event) {
  Events out;
  const auto* item = object_member(event, "item");
  if (item == nullptr) return out;
  auto slot = add(int_member(event, "output_index"));
  if (!slot) return slot.take_error();
  Item& state = **slot;
  if (string_member(*item, "type") != "function_call" || state.call) return out;
  state.call = true;
  state.call_index = calls_++;
  out.push_back(ToolCallDelta{state.call_index, string_member(*item, "call_id"), string_member(*item, "name"), {}});
  if (std::string arguments = string_member(*item, "arguments"); !arguments.empty()) {
    state.streamed = true;
    out.push_back(ToolCallDelta{state.call_index, {}, {}, std::move(arguments)});
  }
  return out;
}

// A finished item: what its deltas did not already carry. A reasoning
// item's encrypted_content arrives only here.
Events ResponsesStreamDecoder::item_done(const json::object& event) {
  Events out;
  const auto* item = object_member(event, "item");
  if (item == nullptr) return out;
  const std::int64_t index = int_member(event, "output_index");
  Item* state = find(index);
  const bool streamed = state != nullptr && state->streamed;
  const std::string type = string_member(*item, "type");
  if (type == "reasoning") {
    ReasoningDelta delta{streamed ? std::string() : reasoning_text(*item), {}, string_member(*item, "encrypted_content"),
                         array_member(*item, "summary") != nullptr && !array_member(*item, "summary")->empty()};
    if (!delta.text.empty() || !delta.encrypted_content.empty()) out.push_back(std::move(delta));
  } else if (type == "function_call") {
    if (state == nullptr || !state->call) {  // done without added: open the call here
      auto added = item_added(event);
      if (added) out = std::move(*added);
    } else if (!streamed) {
      std::string arguments = string_member(*item, "arguments");
      out.push_back(ToolCallDelta{state->call_index, {}, {}, arguments.empty() ? "{}" : std::move(arguments)});
    }
  } else if (type == "message" && !streamed) {
    std::vector<ContentBlock> blocks;
    decode_output_item(*item, blocks);
    for (auto& block : blocks)
      if (auto* text = std::get_if<TextBlock>(&block)) out.push_back(TextDelta{std::move(text->text)});
  }
  if (state != nullptr) state->streamed = true;
  return out;
}

Events ResponsesStreamDecoder::delta(const json::object& event, std::string_view type) {
  Events out;
  std::string text = string_member(event, "delta");
  auto slot = add(int_member(event, "output_index"));
  Item* state = slot ? *slot : nullptr;
  if (type == "response.function_call_arguments.delta") {
    if (state == nullptr || !state->call || text.empty()) return out;  // no call opened for it: nothing to attach to
    state->streamed = true;
    out.push_back(ToolCallDelta{state->call_index, {}, {}, std::move(text)});
    return out;
  }
  if (text.empty()) return out;
  if (state != nullptr) state->streamed = true;
  if (type == "response.output_text.delta" || type == "response.refusal.delta") {
    out.push_back(TextDelta{std::move(text)});
  } else {
    out.push_back(ReasoningDelta{std::move(text), {}, {}, type == "response.reasoning_summary_text.delta"});
  }
  return out;
}

Events ResponsesStreamDecoder::finish(const json::object& event) {
  Events out;
  ended_ = true;
  const json::object* response = object_member(event, "response");
  const json::object empty;
  const json::object& r = response != nullptr ? *response : empty;
  // The finish first, then the usage (as the other decoders: a chat client's usage chunk comes last).
  out.push_back(FinishEvent{finish_reason(r, calls_ > 0)});
  if (const auto* usage = object_member(r, "usage")) out.push_back(UsageEvent{decode_usage(*usage)});
  return out;
}

Expected<Events> ResponsesStreamDecoder::on_event(std::string_view event_name, std::string_view data) {
  if (ended_) return Events{};
  auto parsed = parse_object(data, "stream event");
  if (!parsed) {
    if (event_name == "error") return error_from(json::object{{"message", excerpt(data, 300)}});
    return parsed.take_error();
  }
  const json::object& event = *parsed;
  std::string type = string_member(event, "type");
  if (type.empty()) type = std::string(event_name);
  Events out;
  if (type == "response.created" || (type == "response.in_progress" && !started_)) {
    if (started_) return out;
    started_ = true;
    const json::object* response = object_member(event, "response");
    if (response == nullptr) return out;
    out.push_back(StreamStart{string_member(*response, "id"), string_member(*response, "model"),
                              int_member(*response, "created_at")});
  } else if (type == "response.output_item.added") {
    return item_added(event);
  } else if (type == "response.output_item.done") {
    return item_done(event);
  } else if (type == "response.output_text.delta" || type == "response.refusal.delta" ||
             type == "response.function_call_arguments.delta" || type == "response.reasoning_summary_text.delta" ||
             type == "response.reasoning_text.delta") {
    return delta(event, type);
  } else if (type == "response.reasoning_summary_part.added") {
    // Summary parts of one item read as paragraphs.
    auto slot = add(int_member(event, "output_index"));
    if (!slot) return slot.take_error();
    if ((*slot)->summary_parts++ > 0) out.push_back(ReasoningDelta{"\n\n", {}, {}, true});
  } else if (type == "response.completed" || type == "response.incomplete") {
    return finish(event);
  } else if (type == "response.failed") {
    const json::object* response = object_member(event, "response");
    if (response != nullptr) {
      if (auto error = response_error(*response)) return *std::move(error);
    }
    return error_from(json::object{{"message", "upstream response failed"}});
  } else if (type == "error") {
    if (const auto* nested = object_member(event, "error")) return error_from(*nested);
    return error_from(event);
  }
  // Everything else (.done events, content parts, in_progress, built-in
  // tool progress) repeats what the deltas said or has no canonical slot.
  return out;
}

Expected<Events> ResponsesStreamDecoder::on_end() {
  if (ended_) return Events{};
  return protocol_error("upstream stream ended before response.completed");
}

}  // namespace

std::unique_ptr<StreamDecoder> OpenAiResponsesAdapter::make_stream_decoder() const {
  return std::make_unique<ResponsesStreamDecoder>();
}

}  // namespace aisbf::openai
