#include <algorithm>

#include <fmt/format.h>

#include "core/json_scan.hpp"
#include "providers/openai/openai_wire.hpp"

namespace aisbf::openai {

namespace {

GatewayError bad_request(std::string message, std::string code, std::string param = {}) {
  auto e = make_error(ErrorKind::invalid_request, std::move(message));
  e.code = std::move(code);
  e.param = std::move(param);
  return e;
}

bool value_is_true(std::string_view v) { return v == "true"; }

// `[` followed by anything but whitespace and `]` (the value is valid JSON).
bool non_empty_array(std::string_view v) {
  if (v.empty() || v.front() != '[') return false;
  auto inner = v.find_first_not_of(" \t\r\n", 1);
  return inner != std::string_view::npos && v[inner] != ']';
}

// `stream_options` is small: find include_usage inside it with the same scanner.
bool scan_include_usage(std::string_view options) {
  bool include = false;
  json_scan::scan_object(options, [&](const json_scan::Member& m) {
    if (json_scan::key_equals(m, "include_usage"))
      include = value_is_true(options.substr(m.value_begin, m.value_end - m.value_begin));
  });
  return include;
}

}  // namespace

Expected<ChatEnvelope> scan_chat_request(std::string_view body) {
  ChatEnvelope env;
  bool has_model = false, has_messages = false, messages_is_array = false, model_is_string = false;
  std::string_view stream_options;
  auto err = json_scan::scan_object(body, [&](const json_scan::Member& m) {
    auto value = body.substr(m.value_begin, m.value_end - m.value_begin);
    if (json_scan::key_equals(m, "model")) {
      has_model = true;
      model_is_string = !value.empty() && value.front() == '"';
      env.model_begin = m.value_begin;
      env.model_end = m.value_end;
    } else if (json_scan::key_equals(m, "messages")) {
      has_messages = true;
      messages_is_array = !value.empty() && value.front() == '[';
    } else if (json_scan::key_equals(m, "stream")) {
      env.stream = value_is_true(value);
    } else if (json_scan::key_equals(m, "stream_options")) {
      stream_options = value;
    } else if (json_scan::key_equals(m, "tools")) {
      env.has_tools = non_empty_array(value);
    } else if (json_scan::key_equals(m, "max_tokens") || json_scan::key_equals(m, "max_completion_tokens")) {
      if (auto n = json_scan::whole_number(value)) env.max_tokens = std::max(env.max_tokens.value_or(0), *n);
    }
  });
  if (err) {
    return bad_request(fmt::format("request body is not valid JSON: {} at line {}, column {}", err->message, err->line,
                                   err->column),
                       "invalid_json");
  }
  if (!has_model) return bad_request("you must provide a model parameter", "missing_field", "model");
  if (!model_is_string) return bad_request("'model' must be a string", "invalid_type", "model");
  if (!has_messages) return bad_request("you must provide a messages parameter", "missing_field", "messages");
  if (!messages_is_array) return bad_request("'messages' must be an array", "invalid_type", "messages");
  auto model = json_scan::decode_string(body.substr(env.model_begin, env.model_end - env.model_begin));
  if (!model) return bad_request("'model' is not a valid JSON string", "invalid_json", "model");
  env.model = std::move(*model);
  if (env.stream && !stream_options.empty() && stream_options.front() == '{')
    env.include_usage = scan_include_usage(stream_options);
  return env;
}

}  // namespace aisbf::openai
