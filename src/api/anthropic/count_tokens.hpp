// `POST /v1/messages/count_tokens` (PROTOCOLS.md §2.8): an estimate of a
// request's input tokens, answered as `{"input_tokens": N}`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/chat_types.hpp"
#include "core/expected.hpp"

namespace aisbf::api {

// About 4 bytes per token over every text, tool result, tool call (name and
// arguments) and tool definition (name, description, schema); ~1600 per
// image. Thinking blocks are not counted: Anthropic ignores those of earlier
// turns. An estimate until a real tokenizer exists (a later issue).
std::int64_t estimate_input_tokens(const ChatRequest& request);

// `{"input_tokens":N}`.
std::string anthropic_count_tokens_json(std::int64_t input_tokens);

// The whole route: a count_tokens body (Messages fields without max_tokens)
// → the answer body, or a 400 in the Anthropic shape's GatewayError.
Expected<std::string> anthropic_count_tokens_response(std::string_view body);

}  // namespace aisbf::api
