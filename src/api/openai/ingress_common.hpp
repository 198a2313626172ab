// Helpers shared by the OpenAI ingress codecs (chat and legacy completions):
// request field readers whose errors name the field, id generation, finish
// reasons and usage on the OpenAI wire. Internal to api/openai/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/chat_types.hpp"
#include "core/expected.hpp"

namespace aisbf::api::openai_ingress {

namespace json = boost::json;

// The outcome of a reader: empty when the field was fine (or absent).
using Status = std::optional<GatewayError>;

// A 400 invalid_request whose message is "<path>: <problem>" and whose
// `param` is the path. Codes: invalid_json, missing_field, invalid_type,
// invalid_value, unsupported_value.
GatewayError field_error(std::string_view path, std::string_view problem, std::string code);

// "messages" + 2 → "messages[2]"; "messages[2]" + "content" → "messages[2].content".
std::string path_index(std::string_view path, std::size_t index);
std::string path_key(std::string_view path, std::string_view key);

// The body as a JSON object, or a 400 that says what is wrong with it.
Expected<json::object> parse_request_object(std::string_view body);

// A member's value, or null when it is absent or JSON null (OpenAI treats
// an explicit null as "not given").
const json::value* member(const json::object& object, std::string_view key);

// Typed readers: an absent or null value leaves `out` as it is; a value of
// the wrong type is a 400 naming `path`.
Status read_string(const json::value* value, std::string_view path, std::string& out);
Status read_bool(const json::value* value, std::string_view path, bool& out);
Status read_number(const json::value* value, std::string_view path, std::optional<double>& out);
Status read_int(const json::value* value, std::string_view path, std::optional<std::int64_t>& out);

// Fields both formats share: temperature, top_p, stop, stream and
// stream_options.include_usage (kept only with stream: true).
Status read_sampling(const json::object& root, ChatRequest& out);

// An image URL into `image`: a `data:<type>;base64,<data>` URL as media
// type + base64, any other URL as it is; `path` names it in a 400.
Status decode_image_url(const std::string& url, std::string_view path, ImageBlock& image);

// What a translation dropped, logged once per request as one warning.
class DropLog {
 public:
  void add(std::string what) { items_.push_back(std::move(what)); }
  void flush(std::string_view codec) const;

 private:
  std::vector<std::string> items_;
};

// `prefix` followed by `length` random [A-Za-z0-9] characters.
std::string random_id(std::string_view prefix, std::size_t length);
std::int64_t now_seconds();

// OpenAI's finish_reason for a canonical one. `none` (the upstream said
// nothing) and `error` become "stop"; "stop" after tool calls becomes
// "tool_calls" (Gemini says STOP for them).
std::string_view finish_reason_name(FinishReason reason, bool has_tool_calls);

// OpenAI's usage object; `details` adds prompt_tokens_details.cached_tokens
// and completion_tokens_details.reasoning_tokens (chat, not legacy).
json::object usage_object(const Usage& usage, bool details);

// A split request's marks at the top level of a response or of a stream's
// last chunks: `"aisbf_chunked": true, "aisbf_chunks": chunks`. The text
// form starts with a comma, to go before an object's closing brace.
void add_split_marks(json::object& out, int chunks);
std::string split_marks_text(int chunks);

}  // namespace aisbf::api::openai_ingress
