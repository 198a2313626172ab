// Gemini API (v1beta) wire helpers shared by the request, response, stream
// and error codecs of the `google` provider (PROTOCOLS.md §3). Every reader
// here is total: upstream input never makes one throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/chat_types.hpp"
#include "core/expected.hpp"
#include "core/json_read.hpp"

namespace aisbf::gemini {

namespace json = boost::json;

// Thought signatures have no canonical field of their own, so they travel in
// ThinkingBlock::signature / ReasoningDelta::signature behind this prefix:
// the request encoder re-attaches only signatures that carry it (anything
// else came from another provider and would be rejected as "corrupted"), and
// other providers' codecs can recognise and drop them.
inline constexpr std::string_view kSignaturePrefix = "gemini:";
// What the Gemini FAQ allows on a functionCall part whose signature is lost
// (history from another provider or an OpenAI client) [PROTOCOLS.md §3.4].
inline constexpr std::string_view kDummySignature = "skip_thought_signature_validator";

// ---- readers (gemini_response.cpp) -----------------------------------------

// Shared readers (core/json_read.hpp). parse_json takes any JSON value (an
// error body of the non-SSE stream endpoint is an array).
using json_read::array_member;
using json_read::bool_member;
using json_read::excerpt;
using json_read::object_member;
using json_read::parse_json;
using json_read::parse_object;
using json_read::protocol_error;
using json_read::string_member;
// Gemini's own integer readers: they also accept int64 sent as a decimal
// string (protobuf JSON), which the shared ones do not.
std::optional<std::int64_t> optional_int_member(const json::object& object, std::string_view key);
std::int64_t int_member(const json::object& object, std::string_view key);

// A candidate `finishReason` (calls_seen: the answer held a functionCall).
FinishReason map_finish_reason(std::string_view reason, bool calls_seen);
Usage decode_usage(const json::object& usage_metadata);
// candidates[] entry with index 0 (a missing index counts as 0).
const json::object* first_candidate(const json::object& root);
// `promptFeedback.blockReason`, empty when the prompt was not blocked.
std::string block_reason(const json::object& root);

// The id exposed for the index-th call of an answer: the upstream's own
// `functionCall.id` when it is usable, else one derived from the responseId
// (deterministic, unique across answers, within [A-Za-z0-9_-]{1,64}).
std::string tool_call_id(std::string_view response_id, int index, std::string_view upstream_id);

// One response part, as the answer and the stream decoders see it.
struct DecodedPart {
  enum class Kind { text, thought, call, image, other } kind = Kind::other;
  std::string text;       // text / thought text
  std::string signature;  // prefixed with kSignaturePrefix, empty when none
  std::string name;       // call
  std::string arguments;  // call: serialised `args` ("{}" when absent)
  std::string call_id;    // call: `functionCall.id`, often empty
  std::string mime_type;  // image
  std::string data;       // image (base64)
};
DecodedPart decode_part(const json::object& part);

// ---- errors (gemini_errors.cpp) --------------------------------------------

// A Google RPC error body `{"error":{code, message, status, details}}`.
struct RpcError {
  int code = 0;
  std::string message;
  std::string status;                      // e.g. RESOURCE_EXHAUSTED
  std::string reason;                      // details[ErrorInfo].reason, e.g. API_KEY_INVALID
  std::optional<std::string> retry_after;  // RetryInfo.retryDelay, whole seconds
};
std::optional<RpcError> read_rpc_error(const json::value& root);
// The GatewayError for an error report (HTTP status or in-stream).
GatewayError rpc_error_to_gateway(const RpcError& error, int http_status, std::string_view provider_id);

// ---- contents (gemini_contents.cpp) ----------------------------------------

// Canonical messages → `contents` (roles user/model, consecutive same-role
// turns merged, tool results as functionResponse parts first in their user
// turn) and the joined system/developer text. Each mapping that had to drop
// something adds a line to `warnings`.
struct EncodedContents {
  json::array contents;
  std::string system;
};
EncodedContents encode_contents(const std::vector<Message>& messages, std::vector<std::string>& warnings);

// ---- schemas (gemini_schema.cpp) -------------------------------------------

// A JSON Schema turned into Gemini's `Schema` (OpenAPI subset): upper-case
// types, type arrays and null branches → nullable/anyOf, const → enum, local
// $ref inlined, unsupported keywords dropped (their names are added to
// `dropped`). Null when the input is not a schema object.
std::optional<json::object> to_gemini_schema(const json::value& schema, std::vector<std::string>& dropped);

}  // namespace aisbf::gemini
