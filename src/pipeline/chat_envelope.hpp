// The few fields of a chat request body the pipeline reads without decoding
// it (the passthrough path forwards the body as sent, with only `model`
// replaced). Format-neutral: each client format has its own scan, since
// OpenAI and Anthropic name and require different fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/expected.hpp"
#include "pipeline/ingress.hpp"

namespace aisbf {

struct ChatEnvelope {
  std::string model;
  std::size_t model_begin = 0, model_end = 0;  // byte span of the model value in the body
  bool stream = false;
  bool include_usage = false;  // OpenAI stream_options.include_usage; Anthropic streams always report usage
  bool has_tools = false;      // a top-level `tools` array with something in it
  // `max_tokens` (OpenAI: the larger of it and `max_completion_tokens`)
  // when a whole number: the cheap condensation check adds it to the bound.
  std::optional<std::int64_t> max_tokens;
  bool has_room = false;  // the answer's room (max_tokens, max_output_tokens) is named at all
  // A Responses body carrying a signature another provider issued
  // ("aisbf-signature:…" as encrypted_content, api/openai/responses_*.cpp):
  // OpenAI refuses it, so the body is translated, never passed through.
  bool foreign_reasoning = false;
  // A Responses body's stored state: `store: false` (kept otherwise, as
  // OpenAI defaults), and `previous_response_id` when a string (decoded;
  // null or absent: none, another type is left to the decoder).
  bool store = true;
  std::optional<std::string> previous_response_id;
};

// Validates the body as JSON and reads the envelope of `format`'s request
// (openai_chat, anthropic_messages or openai_responses). Errors are 400s
// that name the field.
Expected<ChatEnvelope> scan_chat_envelope(std::string_view body, IngressFormat format);

// The body with only the model value replaced; every other byte as sent.
std::string with_model(std::string_view body, const ChatEnvelope& envelope, std::string_view model);

}  // namespace aisbf
