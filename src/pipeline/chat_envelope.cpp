#include "pipeline/chat_envelope.hpp"

#include <fmt/format.h>

#include "core/json_scan.hpp"
#include "providers/openai/openai_wire.hpp"

namespace aisbf {

namespace {

GatewayError bad_request(std::string message, std::string code, std::string param) {
  auto e = make_error(ErrorKind::invalid_request, std::move(message));
  e.code = std::move(code);
  e.param = std::move(param);
  return e;
}

// `[` followed by anything but whitespace and `]` (the value is valid JSON).
bool non_empty_array(std::string_view v) {
  if (v.empty() || v.front() != '[') return false;
  auto inner = v.find_first_not_of(" \t\r\n", 1);
  return inner != std::string_view::npos && v[inner] != ']';
}

Expected<ChatEnvelope> scan_openai(std::string_view body) {
  auto scanned = openai::scan_chat_request(body);
  if (!scanned) return scanned.take_error();
  ChatEnvelope env;
  env.model = std::move(scanned->model);
  env.model_begin = scanned->model_begin;
  env.model_end = scanned->model_end;
  env.stream = scanned->stream;
  env.include_usage = scanned->include_usage;
  env.has_tools = scanned->has_tools;
  env.max_tokens = scanned->max_tokens;
  return env;
}

// The members the Anthropic and Responses scans read: `model` (its span in
// env), `stream`, `tools`, the answer's room under `room_key`, and the raw
// `model` and `messages` values; a 400 when the body is not valid JSON.
struct RawMembers {
  std::string_view model, messages, previous_response_id;
};
// `responses`: the stored-state members too (ChatEnvelope::store and
// previous_response_id), read in the same pass.
Expected<RawMembers> scan_members(std::string_view body, std::string_view room_key, ChatEnvelope& env,
                                  bool responses = false) {
  RawMembers raw;
  auto err = json_scan::scan_object(body, [&](const json_scan::Member& m) {
    auto value = body.substr(m.value_begin, m.value_end - m.value_begin);
    // Keys are compared as written (a size check first) unless escaped.
    const bool escaped = m.key_raw.find('\\') != std::string_view::npos;
    auto is = [&](std::string_view name) { return escaped ? json_scan::key_equals(m, name) : m.key_raw == name; };
    if (is("model")) {
      raw.model = value;
      env.model_begin = m.value_begin;
      env.model_end = m.value_end;
    } else if (is("messages")) {
      raw.messages = value;
    } else if (is("stream")) {
      env.stream = value == "true";
    } else if (is("tools")) {
      env.has_tools = non_empty_array(value);
    } else if (is(room_key)) {
      env.max_tokens = json_scan::whole_number(value);
      env.has_room = value != "null";
    } else if (responses && is("store")) {
      env.store = value != "false";
    } else if (responses && is("previous_response_id")) {
      raw.previous_response_id = value;
    }
  });
  if (err) {
    return bad_request(fmt::format("request body is not valid JSON: {} at line {}, column {}", err->message,
                                   err->line, err->column),
                       "invalid_json", {});
  }
  return raw;
}

// Anthropic Messages: `model` and `messages` are required; no
// stream_options (a stream always carries usage); errors name the field the
// way Anthropic's own do ("model: Field required").
Expected<ChatEnvelope> scan_anthropic(std::string_view body) {
  ChatEnvelope env;
  auto raw = scan_members(body, "max_tokens", env);
  if (!raw) return raw.take_error();
  const std::string_view model = raw->model, messages = raw->messages;
  if (model.empty()) return bad_request("model: Field required", "missing_field", "model");
  if (model.front() != '"') return bad_request("model: Input should be a valid string", "invalid_type", "model");
  if (messages.empty()) return bad_request("messages: Field required", "missing_field", "messages");
  if (messages.front() != '[') return bad_request("messages: Input should be a valid list", "invalid_type", "messages");
  auto decoded = json_scan::decode_string(model);
  if (!decoded) return bad_request("model: Input should be a valid string", "invalid_json", "model");
  env.model = std::move(*decoded);
  return env;
}

// OpenAI Responses: `model` is required (errors as the Responses decoder
// words them, api/openai/responses_request.cpp); a stream always ends with
// response.completed and its usage; the answer's room is max_output_tokens.
// The rest of the body is checked by the decoder on the translating path,
// and by the upstream on passthrough.
Expected<ChatEnvelope> scan_responses(std::string_view body) {
  ChatEnvelope env;
  auto raw = scan_members(body, "max_output_tokens", env, true);
  if (!raw) return raw.take_error();
  const std::string_view model = raw->model;
  if (model.empty() || model == "null") return bad_request("model: required", "missing_field", "model");
  if (model.front() != '"') return bad_request("model: expected a string", "invalid_type", "model");
  auto decoded = json_scan::decode_string(model);
  if (!decoded) return bad_request("model: expected a string", "invalid_json", "model");
  if (decoded->empty()) return bad_request("model: must not be empty", "invalid_value", "model");
  env.model = std::move(*decoded);
  env.include_usage = env.stream;
  env.foreign_reasoning = body.find("\"aisbf-signature:") != std::string_view::npos;  // one search per request
  if (raw->previous_response_id.starts_with('"'))
    env.previous_response_id = json_scan::decode_string(raw->previous_response_id);
  return env;
}

}  // namespace

Expected<ChatEnvelope> scan_chat_envelope(std::string_view body, IngressFormat format) {
  if (format == IngressFormat::anthropic_messages) return scan_anthropic(body);
  if (format == IngressFormat::openai_responses) return scan_responses(body);
  return scan_openai(body);
}

std::string with_model(std::string_view body, const ChatEnvelope& envelope, std::string_view model) {
  auto encoded = json_scan::encode_string(model);
  std::string out;
  out.reserve(body.size() + encoded.size());
  out.append(body.substr(0, envelope.model_begin));
  out.append(encoded);
  out.append(body.substr(envelope.model_end));
  return out;
}

}  // namespace aisbf
