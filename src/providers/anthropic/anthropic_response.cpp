// Anthropic Messages answer (non-streaming) → canonical ChatResponse
// (PROTOCOLS.md §2.5), plus the readers declared in anthropic_wire.hpp.
#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/anthropic/anthropic_adapter.hpp"
#include "providers/anthropic/anthropic_wire.hpp"

namespace aisbf::anthropic {

namespace json = boost::json;

namespace wire {

// PROTOCOLS.md §5.6. `pause_turn` has no equivalent: the turn is incomplete
// but nothing failed, so it reads as a stop.
FinishReason map_stop_reason(std::string_view reason) {
  if (reason == "max_tokens" || reason == "model_context_window_exceeded") return FinishReason::length;
  if (reason == "tool_use") return FinishReason::tool_calls;
  if (reason == "refusal") return FinishReason::content_filter;
  return FinishReason::stop;  // end_turn, stop_sequence, pause_turn, and values added later
}

void UsageCounts::merge(const json::object& usage) {
  if (auto n = optional_int_member(usage, "input_tokens")) input = *n;
  if (auto n = optional_int_member(usage, "cache_read_input_tokens")) cache_read = *n;
  if (auto n = optional_int_member(usage, "cache_creation_input_tokens")) cache_creation = *n;
  if (auto n = optional_int_member(usage, "output_tokens")) output = *n;
  if (const auto* details = object_member(usage, "output_tokens_details"))
    if (auto n = optional_int_member(*details, "thinking_tokens")) thinking = *n;
}

Usage UsageCounts::canonical() const {
  Usage out;
  out.prompt_tokens = input + cache_read + cache_creation;
  out.cached_tokens = cache_read;
  out.cache_write_tokens = cache_creation;
  out.completion_tokens = output;
  out.reasoning_tokens = thinking;
  out.total_tokens = out.prompt_tokens + out.completion_tokens;
  return out;
}

}  // namespace wire

namespace {

using namespace wire;

// `input` is a JSON object; an absent or null one (seen from some
// compatible servers) is a call without arguments.
std::string input_text(const json::object& block) {
  const json::value* input = block.if_contains("input");
  if (input == nullptr || input->is_null()) return "{}";
  return json::serialize(*input);
}

// One content block, or nothing for blocks with no canonical slot:
// redacted_thinking (opaque), server tools and their results, documents.
std::optional<ContentBlock> decode_block(const json::object& block) {
  std::string type = string_member(block, "type");
  if (type == "text") return TextBlock{string_member(block, "text")};
  if (type == "tool_use")
    return ToolCallBlock{string_member(block, "id"), string_member(block, "name"), input_text(block)};
  if (type == "thinking") return ThinkingBlock{string_member(block, "thinking"), string_member(block, "signature")};
  return std::nullopt;
}

}  // namespace

Expected<ChatResponse> AnthropicAdapter::decode_chat(std::string_view body) const {
  auto parsed = parse_object(body, "answer");
  if (!parsed) return parsed.take_error();
  const json::object& root = *parsed;
  if (string_member(root, "type") == "error") {
    const json::object* error = object_member(root, "error");
    return error_from_object(0, error != nullptr ? *error : json::object{}, {});
  }
  const json::value* content = root.if_contains("content");
  if (content == nullptr || !content->is_array()) return protocol_error("upstream answer has no content array");

  ChatResponse out;
  out.id = string_member(root, "id");
  out.model = string_member(root, "model");
  out.message.role = Role::assistant;
  for (const auto& entry : content->get_array()) {
    if (const auto* block = entry.if_object())
      if (auto decoded = decode_block(*block)) out.message.content.push_back(std::move(*decoded));
  }
  if (const json::value* reason = root.if_contains("stop_reason"); reason != nullptr && reason->is_string())
    out.finish_reason = map_stop_reason(reason->get_string());
  if (const auto* usage = object_member(root, "usage")) {
    UsageCounts counts;
    counts.merge(*usage);
    out.usage = counts.canonical();
  }
  return out;
}

}  // namespace aisbf::anthropic
