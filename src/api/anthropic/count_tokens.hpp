// `POST /v1/messages/count_tokens` (PROTOCOLS.md §2.8): a request's input
// tokens, answered as `{"input_tokens": N}`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "context/tokenizer.hpp"
#include "core/chat_types.hpp"
#include "core/expected.hpp"

namespace aisbf::api {

// Claude's tokenizer is not published: the count is the chat rule
// (context/token_count.hpp: the system prompt, every message with its
// overhead, the tool definitions) on `tokenizer`, cl100k_base as the
// approximation, with images by Anthropic's own rule (width × height / 750
// once fitted within 1568 px and 1.15 megapixels; 1600 when the size cannot
// be read). Thinking blocks are not counted: Anthropic drops those of
// earlier turns.
std::int64_t count_input_tokens(const ChatRequest& request, const context::Tokenizer& tokenizer);

// `{"input_tokens":N}`.
std::string anthropic_count_tokens_json(std::int64_t input_tokens);

// The whole route: a count_tokens body (Messages fields without max_tokens)
// → the answer body, or a 400 in the Anthropic shape's GatewayError.
Expected<std::string> anthropic_count_tokens_response(std::string_view body, const context::Tokenizer& tokenizer);

}  // namespace aisbf::api
