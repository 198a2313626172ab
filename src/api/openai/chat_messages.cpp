// OpenAI chat `messages[]` → canonical messages (PROTOCOLS.md §1.2, §5.1,
// §5.4, §5.5). Every access is checked; a malformed message is a 400 that
// names the field, e.g. "messages[2].content: expected a string or an array".
#include <fmt/format.h>

#include <boost/json/serialize.hpp>

#include "api/openai/chat_internal.hpp"
#include "core/chat_roles.hpp"

namespace aisbf::api::openai_ingress {

namespace {

// State across the messages of one request. The deprecated
// `function_call` / `function` role pair has no ids: each legacy call gets
// one and the next `function` result refers to it.
struct Decoding {
  DropLog& drops;
  std::size_t message_index = 0;  // of the message being decoded
  std::string last_legacy_id;
};

Status expect_object(const json::value& value, std::string_view path) {
  if (value.is_object()) return std::nullopt;
  return field_error(path, "expected an object", "invalid_type");
}

Status required_string(const json::object& object, std::string_view key, std::string_view path, std::string& out,
                       std::string_view why = "required") {
  const json::value* v = member(object, key);
  std::string field = path_key(path, key);
  if (v == nullptr) return field_error(field, why, "missing_field");
  return read_string(v, field, out);
}

Status decode_image_part(const json::object& part, std::string_view path, std::vector<ContentBlock>& out) {
  std::string field = path_key(path, "image_url");
  const json::value* image_url = member(part, "image_url");
  if (image_url == nullptr) return field_error(field, "required for an image_url part", "missing_field");
  ImageBlock image;
  std::string url;
  if (image_url->is_string()) {  // a shorthand some clients send
    url = std::string(image_url->get_string());
  } else {
    if (auto e = expect_object(*image_url, field)) return e;
    if (auto e = required_string(image_url->get_object(), "url", field, url)) return e;
    if (auto e = read_string(member(image_url->get_object(), "detail"), path_key(field, "detail"), image.detail))
      return e;
  }
  if (auto e = decode_image_url(url, path_key(field, "url"), image)) return e;
  out.emplace_back(std::move(image));
  return std::nullopt;
}

Status decode_part(const json::value& value, std::string_view path, std::vector<ContentBlock>& out, DropLog& drops) {
  if (auto e = expect_object(value, path)) return e;
  const json::object& part = value.get_object();
  std::string type;
  if (auto e = required_string(part, "type", path, type)) return e;
  if (type == "text" || type == "refusal") {  // an earlier refusal is what the model said
    std::string text;
    if (auto e = required_string(part, type, path, text)) return e;
    // `cache_control` on a text part (the convention of OpenRouter and
    // LiteLLM for Anthropic's cache breakpoints) reaches an Anthropic upstream.
    const json::value* mark = member(part, "cache_control");
    std::string mark_text = mark != nullptr && mark->is_object() ? json::serialize(*mark) : std::string();
    if (!text.empty()) out.emplace_back(TextBlock{std::move(text), std::move(mark_text)});
    return std::nullopt;
  }
  if (type == "image_url") return decode_image_part(part, path, out);
  drops.add(fmt::format("{} ({} part)", path, type));  // input_audio, file, …: no canonical slot
  return std::nullopt;
}

// `content`: absent, null, a string or an array of parts.
Status decode_content(const json::object& message, std::string_view path, std::vector<ContentBlock>& out,
                      DropLog& drops) {
  const json::value* content = member(message, "content");
  std::string field = path_key(path, "content");
  if (content == nullptr) return std::nullopt;
  if (content->is_string()) {
    if (!content->get_string().empty()) out.emplace_back(TextBlock{std::string(content->get_string())});
    return std::nullopt;
  }
  const auto* parts = content->if_array();
  if (parts == nullptr) return field_error(field, "expected a string or an array", "invalid_type");
  for (std::size_t i = 0; i < parts->size(); ++i)
    if (auto e = decode_part((*parts)[i], path_index(field, i), out, drops)) return e;
  return std::nullopt;
}

// `function.arguments` is a JSON text and goes on as sent; a few clients
// send an object, which is serialised. Absent means no arguments.
Status read_arguments(const json::object& function, std::string_view path, std::string& out) {
  const json::value* args = member(function, "arguments");
  if (args == nullptr) {
    out = "{}";
  } else if (args->is_object()) {
    out = json::serialize(*args);
  } else if (auto e = read_string(args, path_key(path, "arguments"), out)) {
    return e;
  }
  return std::nullopt;
}

Status decode_tool_call(const json::value& value, std::string_view path, Message& out, DropLog& drops) {
  if (auto e = expect_object(value, path)) return e;
  const json::object& call = value.get_object();
  std::string type = "function";
  if (auto e = read_string(member(call, "type"), path_key(path, "type"), type)) return e;
  if (type != "function") {  // custom tools have no canonical slot
    drops.add(fmt::format("{} ({} tool call)", path, type));
    return std::nullopt;
  }
  ToolCallBlock block;
  if (auto e = required_string(call, "id", path, block.id)) return e;
  std::string field = path_key(path, "function");
  const json::value* function = member(call, "function");
  if (function == nullptr) return field_error(field, "required", "missing_field");
  if (auto e = expect_object(*function, field)) return e;
  if (auto e = required_string(function->get_object(), "name", field, block.name)) return e;
  if (auto e = read_arguments(function->get_object(), field, block.arguments_json)) return e;
  out.content.emplace_back(std::move(block));
  return std::nullopt;
}

Status decode_assistant(const json::object& message, std::string_view path, Message& out, Decoding& d) {
  DropLog& drops = d.drops;
  std::string reasoning;  // DeepSeek-style history; the encoder writes the same field
  if (auto e = read_string(member(message, "reasoning_content"), path_key(path, "reasoning_content"), reasoning))
    return e;
  if (!reasoning.empty()) out.content.emplace_back(ThinkingBlock{std::move(reasoning), {}});
  if (auto e = decode_content(message, path, out.content, drops)) return e;
  if (const json::value* calls = member(message, "tool_calls")) {
    std::string field = path_key(path, "tool_calls");
    const auto* list = calls->if_array();
    if (list == nullptr) return field_error(field, "expected an array", "invalid_type");
    for (std::size_t i = 0; i < list->size(); ++i)
      if (auto e = decode_tool_call((*list)[i], path_index(field, i), out, drops)) return e;
  }
  if (const json::value* call = member(message, "function_call")) {  // deprecated: one call, no id
    std::string field = path_key(path, "function_call");
    if (auto e = expect_object(*call, field)) return e;
    ToolCallBlock block;
    block.id = fmt::format("call_fn{}", d.message_index);
    if (auto e = required_string(call->get_object(), "name", field, block.name)) return e;
    if (auto e = read_arguments(call->get_object(), field, block.arguments_json)) return e;
    d.last_legacy_id = block.id;
    out.content.emplace_back(std::move(block));
  }
  return std::nullopt;
}

// A tool result's content: a string or text parts, joined.
Status tool_result_text(const json::object& message, std::string_view path, std::string& out, DropLog& drops) {
  std::vector<ContentBlock> blocks;
  if (auto e = decode_content(message, path, blocks, drops)) return e;
  for (const auto& block : blocks) {
    if (const auto* text = std::get_if<TextBlock>(&block))
      out += text->text;
    else
      drops.add(fmt::format("{}.content (non-text part of a tool result)", path));
  }
  return std::nullopt;
}

Status decode_tool(const json::object& message, std::string_view path, bool legacy_role, Message& out, Decoding& d) {
  ToolResultBlock result;
  if (legacy_role) {  // {"role":"function","name":…,"content":…} answers the latest function_call
    if (auto e = required_string(message, "name", path, out.name, "required for a function message")) return e;
    result.tool_call_id = d.last_legacy_id.empty() ? "call_fn0" : d.last_legacy_id;
  } else if (auto e =
                 required_string(message, "tool_call_id", path, result.tool_call_id, "required for a tool message")) {
    return e;
  }
  if (auto e = tool_result_text(message, path, result.content, d.drops)) return e;
  out.content.emplace_back(std::move(result));
  return std::nullopt;
}

Status decode_message(const json::value& value, std::string_view path, Message& out, Decoding& d) {
  if (auto e = expect_object(value, path)) return e;
  const json::object& message = value.get_object();
  std::string role_text;
  if (auto e = required_string(message, "role", path, role_text)) return e;
  std::optional<Role> role = parse_role(role_text);
  if (!role) {
    return field_error(
        path_key(path, "role"),
        fmt::format("unknown role '{}' (expected system, developer, user, assistant or tool)", role_text),
        "invalid_value");
  }
  out.role = *role;
  if (*role == Role::tool) return decode_tool(message, path, role_text == "function", out, d);
  if (auto e = read_string(member(message, "name"), path_key(path, "name"), out.name)) return e;
  if (*role == Role::assistant) return decode_assistant(message, path, out, d);
  return decode_content(message, path, out.content, d.drops);
}

}  // namespace

Status decode_messages(const json::array& messages, std::vector<Message>& out, DropLog& drops) {
  if (messages.empty()) return field_error("messages", "must contain at least one message", "invalid_value");
  Decoding d{drops, 0, {}};
  out.reserve(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    Message message;
    d.message_index = i;
    if (auto e = decode_message(messages[i], path_index("messages", i), message, d)) return e;
    out.push_back(std::move(message));
  }
  return std::nullopt;
}

}  // namespace aisbf::api::openai_ingress
