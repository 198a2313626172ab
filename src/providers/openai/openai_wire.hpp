// OpenAI Chat Completions wire helpers shared by the OpenAI ingress (api/)
// and the OpenAI provider: reading the few fields the gateway needs from a
// request body without building a DOM, and rewriting `model` in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/expected.hpp"

namespace aisbf::openai {

// What the gateway reads from a chat request; the body itself stays as sent.
struct ChatEnvelope {
  std::string model;
  std::size_t model_begin = 0, model_end = 0;  // byte span of the model value in the body
  bool stream = false;
  bool include_usage = false;
  bool has_tools = false;  // a top-level `tools` array with something in it
  // The larger of `max_tokens` and `max_completion_tokens` when either is a
  // whole number: the answer's room, for the condensation check.
  std::optional<std::int64_t> max_tokens;
};

// Validates the body as JSON and reads `model`, `messages`, `stream`,
// `stream_options.include_usage` and whether `tools` is a non-empty array. Errors are 400s that name the problem.
Expected<ChatEnvelope> scan_chat_request(std::string_view body);

}  // namespace aisbf::openai
