// Pieces of the Responses ingress shared by its answer and stream encoders.
// Internal to api/openai/.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "api/openai/ingress_common.hpp"
#include "core/ingress_codec.hpp"

namespace aisbf::api::openai_responses {

namespace json = boost::json;

// The Responses usage object (input/output tokens with their details),
// plus the gateway's `effective_context` when counted.
json::object usage_object(const Usage& usage);

// A response object with every field the API always sends, `output` empty
// and `usage` null; the request's own settings are not echoed (yet).
json::object response_shell(std::string_view id, std::int64_t created_at, std::string_view model,
                            std::string_view status);

// How the answer ended: "completed", or "incomplete" with its reason
// (max_output_tokens, content_filter) in `incomplete_details`.
void set_outcome(json::object& response, FinishReason reason);

// Output items as the API has them once done.
json::object message_item(std::string_view id, std::string_view text, std::string_view status);
// A reasoning item: `thinking.text` as a summary part (`summary`: OpenAI's
// summaries) or a reasoning_text part (other providers' raw thinking), and
// the opaque state the client must send back to continue it: OpenAI's
// encrypted_content as it came, another provider's signature behind
// kSignatureMarker (decoded back by the request decoder).
json::object reasoning_item(std::string_view id, const ThinkingBlock& thinking, bool summary);
// encrypted_content that holds a thinking signature (Anthropic's, or
// Gemini's "gemini:"-prefixed one) rather than OpenAI's own state.
inline constexpr std::string_view kSignatureMarker = "aisbf-signature:";
json::object function_call_item(std::string_view id, const ToolCallBlock& call, std::string_view status);
// A text part of a message (`output_text`) or of a reasoning item (`reasoning_text`).
json::object text_part(std::string_view type, std::string_view text);

std::string response_id(std::string_view upstream_id);

std::unique_ptr<StreamEncoder> make_stream_encoder(const EgressContext& context);

}  // namespace aisbf::api::openai_responses
