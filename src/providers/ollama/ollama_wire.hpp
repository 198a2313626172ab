// Ollama native API (/api/chat) wire helpers shared by the request, response
// and stream codecs (PROTOCOLS.md §4). Readers never throw on upstream input:
// every access is checked and a bad shape becomes a GatewayError or a default.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/chat_types.hpp"
#include "core/expected.hpp"
#include "core/json_read.hpp"

namespace aisbf::ollama::wire {

inline constexpr std::string_view kChatPath = "/api/chat";

// The shared readers (core/json_read.hpp): parse_object is depth-limited and
// names `what` ("answer", "stream line") in its errors; int_member is 0 when
// missing or not an integer (Ollama omits zero counts).
using json_read::excerpt;
using json_read::int_member;
using json_read::object_member;
using json_read::parse_object;
using json_read::protocol_error;
using json_read::string_member;

// RFC 3339 `created_at` ("2023-08-04T08:52:19.385406455-07:00") → Unix seconds.
std::optional<std::int64_t> parse_timestamp(std::string_view text);

// The digits of `created_at`, the stable part of ids generated for an answer.
std::string timestamp_digits(std::string_view created_at);

// "chatcmpl-ollama-<digits of created_at>": Ollama answers carry no id.
std::string response_id(std::string_view created_at);

// The entries of `message.tool_calls` as canonical calls. Calls without an
// upstream `id` (older servers) get "call_<created_at digits>_<n>" where n
// counts from `first_index`; `arguments` (an object) is serialised.
std::vector<ToolCallBlock> read_tool_calls(const boost::json::object& message, std::string_view created_at,
                                           int first_index);

// `done_reason` → canonical: `length` → length; `stop`, `load`, `unload`,
// missing → stop; and `stop` becomes tool_calls when the answer called tools.
FinishReason map_done_reason(std::string_view reason, bool called_tools);

// prompt_eval_count / eval_count of a final (`done: true`) object; absent = 0.
Usage read_usage(const boost::json::object& root);

// `{"error": "..."}` (Ollama) or `{"error": {"message": ...}}` (proxies) as
// an upstream_status error with code "upstream_error"; nullopt when absent.
std::optional<GatewayError> embedded_error(const boost::json::object& root);

}  // namespace aisbf::ollama::wire
