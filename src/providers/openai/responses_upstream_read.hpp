// Readers the Responses upstream's whole-answer and stream decoders share
// (defined in responses_upstream_response.cpp). Internal to providers/openai/.
#pragma once

#include <optional>

#include <boost/json/object.hpp>

#include "core/chat_types.hpp"
#include "core/gateway_error.hpp"

namespace aisbf::openai::responses_read {

// `usage`: input/output tokens with their details (cached, reasoning).
Usage decode_usage(const boost::json::object& usage);

// A response's end: "completed" → stop (tool_calls when it called one);
// "incomplete" → length for max_output_tokens, content_filter for that.
FinishReason finish_reason(const boost::json::object& response, bool called_tools);

// A `failed` response's `error`, or an `error` event / body's error; null
// when there is none.
std::optional<GatewayError> response_error(const boost::json::object& response);

// An error from `{code, message}` (a failed response's `error`, the flat
// `error` stream event).
GatewayError error_from(const boost::json::object& error);

// A reasoning item's text: its summary parts joined by blank lines, else its
// raw reasoning_text parts (open-weight models served on this API).
std::string reasoning_text(const boost::json::object& item);

// An output item as canonical blocks (message text, reasoning, a function
// call); other item types (built-in tool calls) add nothing.
void decode_output_item(const boost::json::object& item, std::vector<ContentBlock>& out);

}  // namespace aisbf::openai::responses_read
