// Responses request → canonical ChatRequest (docs/responses-api.md):
// `instructions` and `input` (a string or items: messages, function calls
// and their outputs) become canonical messages; function tools, tool_choice,
// reasoning.effort, text.format and the sampling fields their canonical or
// OpenAI-chat-named slots, so every provider codec reads them as it reads a
// chat request's.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_set>

#include "api/openai/ingress_common.hpp"
#include "api/openai/responses_ingress.hpp"
#include "api/openai/responses_internal.hpp"

namespace aisbf::api {

namespace {

using namespace openai_ingress;

// Fields read into canonical slots or renamed; the rest of the request
// (store, include, previous_response_id, truncation…) means nothing on the
// translating path and is not passed on.
constexpr std::array<std::string_view, 14> kMappedFields{
    "model",       "input",       "instructions", "tools",  "tool_choice",       "parallel_tool_calls", "reasoning",
    "text",        "temperature", "top_p",        "stream", "max_output_tokens", "metadata",            "user"};
// Passed on under their chat names, which are the same.
constexpr std::array<std::string_view, 4> kSameNameFields{"prompt_cache_key", "service_tier", "safety_identifier",
                                                          "top_logprobs"};

// Sent by every Codex CLI request and meaningless here: not worth a warning
// (client_metadata: Codex's session and turn ids, for OpenAI's own logs).
constexpr std::array<std::string_view, 6> kIgnoredFields{"store",          "include",    "truncation",
                                                         "stream_options", "background", "client_metadata"};

// The conversation being built: consecutive function calls (and the
// assistant text before them) form one assistant turn, as chat has it.
struct Conversation {
  std::vector<Message>& messages;
  DropLog& drops;

  Message& assistant_turn() {
    if (messages.empty() || messages.back().role != Role::assistant) messages.push_back(Message{Role::assistant, {}, {}});
    return messages.back();
  }
};

Status required_string(const json::object& object, std::string_view key, std::string_view path, std::string& out) {
  const json::value* v = member(object, key);
  std::string field = path_key(path, key);
  if (v == nullptr) return field_error(field, "required", "missing_field");
  return read_string(v, field, out);
}

Status decode_image(const json::object& part, std::string_view path, std::vector<ContentBlock>& out) {
  ImageBlock image;
  if (auto e = read_string(member(part, "detail"), path_key(path, "detail"), image.detail)) return e;
  if (member(part, "image_url") == nullptr) {
    if (member(part, "file_id") != nullptr)
      return field_error(path_key(path, "file_id"), "file ids need OpenAI's Files API; send image_url",
                         "unsupported_value");
    return field_error(path_key(path, "image_url"), "required", "missing_field");
  }
  std::string url;
  if (auto e = read_string(member(part, "image_url"), path_key(path, "image_url"), url)) return e;
  if (auto e = decode_image_url(url, path_key(path, "image_url"), image)) return e;
  out.emplace_back(std::move(image));
  return std::nullopt;
}

// One content part of a message: text (input_text, output_text, refusal)
// or an image. Files have no canonical form.
Status decode_part(const json::value& value, std::string_view path, std::vector<ContentBlock>& out) {
  const auto* part = value.if_object();
  if (part == nullptr) return field_error(path, "expected an object", "invalid_type");
  std::string type;
  if (auto e = required_string(*part, "type", path, type)) return e;
  if (type == "input_text" || type == "output_text") {
    TextBlock text;
    if (auto e = required_string(*part, "text", path, text.text)) return e;
    out.emplace_back(std::move(text));
  } else if (type == "refusal") {
    TextBlock text;
    if (auto e = required_string(*part, "refusal", path, text.text)) return e;
    out.emplace_back(std::move(text));
  } else if (type == "input_image") {
    return decode_image(*part, path, out);
  } else if (type == "input_file") {
    return field_error(path, "input_file parts are not supported by this model's provider", "unsupported_value");
  } else {
    return field_error(path_key(path, "type"),
                       fmt::format("unknown content type '{}' (expected input_text, input_image, output_text "
                                   "or refusal)",
                                   type),
                       "invalid_value");
  }
  return std::nullopt;
}

Status decode_content(const json::value* content, std::string_view path, std::vector<ContentBlock>& out) {
  if (content == nullptr) return field_error(path, "required", "missing_field");
  if (content->is_string()) {
    out.emplace_back(TextBlock{std::string(content->get_string())});
    return std::nullopt;
  }
  const auto* parts = content->if_array();
  if (parts == nullptr) return field_error(path, "expected a string or an array of content parts", "invalid_type");
  for (std::size_t i = 0; i < parts->size(); ++i)
    if (auto e = decode_part((*parts)[i], path_index(path, i), out)) return e;
  return std::nullopt;
}

Status decode_message(const json::object& item, std::string_view path, Conversation& conversation) {
  std::string role;
  if (auto e = required_string(item, "role", path, role)) return e;
  Message message;
  if (role == "user") {
    message.role = Role::user;
  } else if (role == "assistant") {
    message.role = Role::assistant;
  } else if (role == "system") {
    message.role = Role::system;
  } else if (role == "developer") {
    message.role = Role::developer;
  } else {
    return field_error(path_key(path, "role"),
                       fmt::format("unknown role '{}' (expected user, assistant, system or developer)", role),
                       "invalid_value");
  }
  if (auto e = decode_content(member(item, "content"), path_key(path, "content"), message.content)) return e;
  if (message.role == Role::assistant) {
    auto& turn = conversation.assistant_turn();
    for (auto& block : message.content) turn.content.push_back(std::move(block));
  } else {
    conversation.messages.push_back(std::move(message));
  }
  return std::nullopt;
}

Status decode_function_call(const json::object& item, std::string_view path, Conversation& conversation) {
  ToolCallBlock call;
  if (auto e = required_string(item, "call_id", path, call.id)) return e;
  if (auto e = required_string(item, "name", path, call.name)) return e;
  if (auto e = required_string(item, "arguments", path, call.arguments_json)) return e;
  if (call.id.empty()) return field_error(path_key(path, "call_id"), "must not be empty", "invalid_value");
  conversation.assistant_turn().content.emplace_back(std::move(call));
  return std::nullopt;
}

// `output`: a string, or parts whose text is joined (images in a tool
// output have no canonical slot).
Status decode_function_output(const json::object& item, std::string_view path, Conversation& conversation) {
  ToolResultBlock result;
  if (auto e = required_string(item, "call_id", path, result.tool_call_id)) return e;
  const json::value* output = member(item, "output");
  std::string field = path_key(path, "output");
  if (output == nullptr) return field_error(field, "required", "missing_field");
  if (output->is_string()) {
    result.content = std::string(output->get_string());
  } else if (const auto* parts = output->if_array()) {
    for (std::size_t i = 0; i < parts->size(); ++i) {
      std::vector<ContentBlock> blocks;
      if (auto e = decode_part((*parts)[i], path_index(field, i), blocks)) return e;
      for (const auto& block : blocks) {
        if (const auto* text = std::get_if<TextBlock>(&block)) {
          result.content += result.content.empty() ? "" : "\n";
          result.content += text->text;
        } else {
          conversation.drops.add(fmt::format("{} (an image in a function output)", path_index(field, i)));
        }
      }
    }
  } else {
    return field_error(field, "expected a string or an array of content parts", "invalid_type");
  }
  conversation.messages.push_back(Message{Role::tool, {std::move(result)}, {}});
  return std::nullopt;
}

// The texts of a reasoning item's `field` parts (summary_text in summary,
// reasoning_text in content), joined by blank lines.
Status reasoning_parts(const json::object& item, std::string_view field, std::string_view path, std::string& out) {
  const json::value* parts = member(item, field);
  if (parts == nullptr) return std::nullopt;
  const auto* array = parts->if_array();
  std::string where = path_key(path, field);
  if (array == nullptr) return field_error(where, "expected an array", "invalid_type");
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto* part = (*array)[i].if_object();
    if (part == nullptr) return field_error(path_index(where, i), "expected an object", "invalid_type");
    std::string text;
    if (auto e = required_string(*part, "text", path_index(where, i), text)) return e;
    if (!out.empty() && !text.empty()) out += "\n\n";
    out += text;
  }
  return std::nullopt;
}

// A reasoning item goes back to the provider that issued it: its
// encrypted_content is OpenAI's own state (ThinkingBlock::encrypted_content),
// or a thinking signature aisbf put there behind kSignatureMarker
// (responses_internal.hpp). Without either, nothing can carry it.
Status decode_reasoning(const json::object& item, std::string_view path, Conversation& conversation) {
  std::string encrypted;
  if (auto e = read_string(member(item, "encrypted_content"), path_key(path, "encrypted_content"), encrypted)) return e;
  ThinkingBlock thinking;
  std::string summary;
  if (auto e = reasoning_parts(item, "summary", path, summary)) return e;
  if (auto e = reasoning_parts(item, "content", path, thinking.text)) return e;
  if (encrypted.starts_with(openai_responses::kSignatureMarker)) {
    thinking.signature = encrypted.substr(openai_responses::kSignatureMarker.size());
    if (thinking.text.empty()) thinking.text = std::move(summary);
  } else {
    thinking.encrypted_content = std::move(encrypted);
    thinking.text = summary.empty() ? std::move(thinking.text) : std::move(summary);
  }
  if (thinking.signature.empty() && thinking.encrypted_content.empty()) {
    conversation.drops.add(fmt::format("{} (a reasoning item without encrypted_content)", path));
    return std::nullopt;
  }
  conversation.assistant_turn().content.emplace_back(std::move(thinking));
  return std::nullopt;
}

Status decode_item(const json::value& value, std::string_view path, Conversation& conversation) {
  const auto* item = value.if_object();
  if (item == nullptr) return field_error(path, "expected an object", "invalid_type");
  std::string type;
  if (auto e = read_string(member(*item, "type"), path_key(path, "type"), type)) return e;
  if (type.empty() && member(*item, "role") != nullptr) type = "message";  // the easy form has no type
  if (type == "message") return decode_message(*item, path, conversation);
  if (type == "function_call") return decode_function_call(*item, path, conversation);
  if (type == "function_call_output") return decode_function_output(*item, path, conversation);
  if (type == "reasoning") return decode_reasoning(*item, path, conversation);
  if (type == "item_reference")
    return field_error(path,
                       "item references are not supported: send the item itself, or continue a kept response with "
                       "previous_response_id",
                       "unsupported_value");
  if (type.empty()) return field_error(path_key(path, "type"), "required", "missing_field");
  return field_error(path_key(path, "type"),
                     fmt::format("unsupported item type '{}' (expected message, function_call, "
                                 "function_call_output or reasoning)",
                                 type),
                     "invalid_value");
}

// Built-in tool types are few (web_search, file_search, code_interpreter,
// image_generation, computer_use_preview, mcp, local_shell, …): a bound on
// the distinct ones keeps the dropped-tools header short and the check linear.
constexpr std::size_t kMaxDroppedTools = 32;

bool is_tool_type(std::string_view type) {
  if (type.empty() || type.size() > 64) return false;
  return std::all_of(type.begin(), type.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == ':';
  });
}

// Every function_call_output answers a function_call earlier in `input`:
// with nothing stored, an orphan output can only be a client mistake.
Status check_call_pairs(const std::vector<Message>& messages) {
  // A set: a body may hold hundreds of thousands of items.
  std::unordered_set<std::string_view> calls;
  for (const auto& message : messages) {
    for (const auto& block : message.content) {
      if (const auto* call = std::get_if<ToolCallBlock>(&block)) calls.insert(call->id);
      const auto* result = std::get_if<ToolResultBlock>(&block);
      if (result != nullptr && !calls.contains(result->tool_call_id))
        return field_error("input",
                           fmt::format("no function_call found for function_call_output with call_id '{}'",
                                       result->tool_call_id),
                           "invalid_value");
    }
  }
  return std::nullopt;
}

Status decode_input(const json::object& root, ChatRequest& out, DropLog& drops) {
  if (const json::value* instructions = member(root, "instructions")) {
    std::string text;
    if (auto e = read_string(instructions, "instructions", text)) return e;
    if (!text.empty()) out.messages.push_back(Message{Role::system, {TextBlock{std::move(text)}}, {}});
  }
  const json::value* input = member(root, "input");
  if (input == nullptr) return field_error("input", "required", "missing_field");
  if (input->is_string()) {
    out.messages.push_back(Message{Role::user, {TextBlock{std::string(input->get_string())}}, {}});
    return std::nullopt;
  }
  const auto* items = input->if_array();
  if (items == nullptr) return field_error("input", "expected a string or an array of input items", "invalid_type");
  Conversation conversation{out.messages, drops};
  for (std::size_t i = 0; i < items->size(); ++i)
    if (auto e = decode_item((*items)[i], path_index("input", i), conversation)) return e;
  return check_call_pairs(out.messages);
}

Status decode_tools(const json::object& root, ResponsesRequest& out, DropLog& drops) {
  const json::value* tools = member(root, "tools");
  if (tools == nullptr) return std::nullopt;
  const auto* list = tools->if_array();
  if (list == nullptr) return field_error("tools", "expected an array", "invalid_type");
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string path = path_index("tools", i);
    const auto* tool = (*list)[i].if_object();
    if (tool == nullptr) return field_error(path, "expected an object", "invalid_type");
    std::string type;
    if (auto e = required_string(*tool, "type", path, type)) return e;
    if (type != "function") {  // built-in tools run inside OpenAI's API only
      // Its name goes into a response header (x-aisbf-dropped-tools): a
      // type is a short identifier, nothing else.
      if (!is_tool_type(type)) {
        return field_error(path_key(path, "type"),
                           "expected a tool type (letters, digits, '_', '-', '.' or ':', at most 64)", "invalid_value");
      }
      if (std::find(out.dropped_tools.begin(), out.dropped_tools.end(), type) == out.dropped_tools.end()) {
        if (out.dropped_tools.size() >= kMaxDroppedTools) {
          return field_error("tools", fmt::format("more than {} kinds of built-in tools", kMaxDroppedTools),
                             "invalid_value");
        }
        out.dropped_tools.push_back(type);
      }
      continue;
    }
    ToolDefinition definition;
    if (auto e = required_string(*tool, "name", path, definition.name)) return e;
    if (auto e = read_string(member(*tool, "description"), path_key(path, "description"), definition.description))
      return e;
    if (const json::value* parameters = member(*tool, "parameters")) {
      if (!parameters->is_object())
        return field_error(path_key(path, "parameters"), "expected an object", "invalid_type");
      definition.parameters = *parameters;
    }
    if (const json::value* strict = member(*tool, "strict"); strict != nullptr && strict->is_bool() && strict->get_bool())
      drops.add(fmt::format("{}.strict", path));
    out.request.tools.push_back(std::move(definition));
  }
  return std::nullopt;
}

bool dropped(const ResponsesRequest& out, std::string_view type) {
  return std::find(out.dropped_tools.begin(), out.dropped_tools.end(), type) != out.dropped_tools.end();
}

// "none" | "auto" | "required" | {type:"function", name} | {type:"<built-in>"}
// | {type:"allowed_tools", mode, tools}. Requiring a dropped tool is a 400:
// the answer could not be what the client demanded.
Status decode_tool_choice(const json::object& root, ResponsesRequest& out, DropLog& drops) {
  const json::value* value = member(root, "tool_choice");
  if (value == nullptr) return std::nullopt;
  ToolChoice& choice = out.request.tool_choice;
  if (value->is_string()) {
    std::string_view mode = value->get_string();
    if (mode == "none") choice.mode = ToolChoiceMode::none;
    else if (mode == "auto") choice.mode = ToolChoiceMode::auto_;
    else if (mode == "required") choice.mode = ToolChoiceMode::required;
    else return field_error("tool_choice", fmt::format("unknown value '{}' (expected none, auto, required or an object)", mode), "invalid_value");
    if (choice.mode == ToolChoiceMode::required && out.request.tools.empty() && !out.dropped_tools.empty())
      return field_error("tool_choice", "requires a tool call, but only built-in tools were offered and this model's provider cannot run them", "unsupported_value");
    return std::nullopt;
  }
  const auto* object = value->if_object();
  if (object == nullptr) return field_error("tool_choice", "expected a string or an object", "invalid_type");
  std::string type;
  if (auto e = required_string(*object, "type", "tool_choice", type)) return e;
  if (type == "function") {
    choice.mode = ToolChoiceMode::specific;
    return required_string(*object, "name", "tool_choice", choice.name);
  }
  if (type == "allowed_tools") {
    std::string mode = "auto";
    if (auto e = read_string(member(*object, "mode"), "tool_choice.mode", mode)) return e;
    choice.mode = mode == "required" ? ToolChoiceMode::required : ToolChoiceMode::auto_;
    drops.add("tool_choice.allowed_tools (all function tools stay offered)");
    return std::nullopt;
  }
  if (dropped(out, type) || type.starts_with("web_search") || type == "file_search" || type == "computer_use_preview" ||
      type == "code_interpreter" || type == "image_generation" || type == "mcp" || type == "custom")
    return field_error("tool_choice", fmt::format("requires the built-in tool '{}', which this model's provider cannot run", type), "unsupported_value");
  return field_error("tool_choice.type", fmt::format("unknown value '{}'", type), "invalid_value");
}

// reasoning.effort → reasoning_effort; text.format → response_format (the
// chat names every provider codec maps); text.verbosity → verbosity.
Status decode_options(const json::object& root, ChatRequest& out, DropLog& drops) {
  if (const json::value* reasoning = member(root, "reasoning")) {
    const auto* object = reasoning->if_object();
    if (object == nullptr) return field_error("reasoning", "expected an object", "invalid_type");
    if (const json::value* effort = member(*object, "effort")) {
      if (!effort->is_string()) return field_error("reasoning.effort", "expected a string", "invalid_type");
      out.extensions["reasoning_effort"] = *effort;
    }
    if (member(*object, "summary") != nullptr) drops.add("reasoning.summary");
  }
  if (const json::value* text = member(root, "text")) {
    const auto* object = text->if_object();
    if (object == nullptr) return field_error("text", "expected an object", "invalid_type");
    if (const json::value* verbosity = member(*object, "verbosity")) out.extensions["verbosity"] = *verbosity;
    if (const json::value* format = member(*object, "format")) {
      const auto* f = format->if_object();
      if (f == nullptr) return field_error("text.format", "expected an object", "invalid_type");
      std::string type;
      if (auto e = required_string(*f, "type", "text.format", type)) return e;
      if (type == "json_schema") {
        std::string name;
        if (auto e = required_string(*f, "name", "text.format", name)) return e;
        const json::value* schema = member(*f, "schema");
        if (schema == nullptr || !schema->is_object())
          return field_error("text.format.schema", schema == nullptr ? "required" : "expected an object",
                             schema == nullptr ? "missing_field" : "invalid_type");
        json::object inner{{"name", name}, {"schema", *schema}};
        if (const json::value* d = member(*f, "description")) inner["description"] = *d;
        if (const json::value* s = member(*f, "strict")) inner["strict"] = *s;
        out.extensions["response_format"] = json::object{{"type", "json_schema"}, {"json_schema", std::move(inner)}};
      } else if (type == "json_object") {
        out.extensions["response_format"] = json::object{{"type", "json_object"}};
      } else if (type != "text") {
        return field_error("text.format.type", fmt::format("unknown value '{}' (expected text, json_schema or json_object)", type), "invalid_value");
      }
    }
  }
  if (const json::value* parallel = member(root, "parallel_tool_calls")) {
    if (!parallel->is_bool()) return field_error("parallel_tool_calls", "expected a boolean", "invalid_type");
    out.extensions["parallel_tool_calls"] = *parallel;
  }
  if (const json::value* metadata = member(root, "metadata")) {
    if (!metadata->is_object()) return field_error("metadata", "expected an object", "invalid_type");
    out.extensions["metadata"] = *metadata;
  }
  if (const json::value* user = member(root, "user")) out.extensions["user"] = *user;
  for (auto key : kSameNameFields)
    if (const json::value* v = member(root, key)) out.extensions[key] = *v;
  return std::nullopt;
}

Status decode_sampling(const json::object& root, ChatRequest& out) {
  if (auto e = read_number(member(root, "temperature"), "temperature", out.temperature)) return e;
  if (auto e = read_number(member(root, "top_p"), "top_p", out.top_p)) return e;
  if (auto e = read_bool(member(root, "stream"), "stream", out.stream)) return e;
  out.include_usage = out.stream;  // response.completed always carries usage
  if (auto e = read_int(member(root, "max_output_tokens"), "max_output_tokens", out.max_tokens)) return e;
  if (out.max_tokens && *out.max_tokens < 1) return field_error("max_output_tokens", "must be at least 1", "invalid_value");
  return std::nullopt;
}

Status decode_root(const json::object& root, ResponsesRequest& out, DropLog& drops) {
  ChatRequest& request = out.request;
  if (member(root, "model") == nullptr) return field_error("model", "required", "missing_field");
  if (auto e = read_string(member(root, "model"), "model", request.model)) return e;
  if (request.model.empty()) return field_error("model", "must not be empty", "invalid_value");
  // What refers to state kept at OpenAI (a stored prompt, a conversation):
  // dropped, the model would lose its instructions or history without a
  // word. previous_response_id never comes here from the HTTP door, which
  // splices the kept conversation in (pipeline/responses_routes.cpp).
  for (std::string_view stored : {"previous_response_id", "prompt", "conversation"}) {
    if (member(root, stored) == nullptr) continue;
    return field_error(std::string(stored),
                       fmt::format("'{}' refers to state stored at OpenAI, which this gateway does not keep; send "
                                   "the whole conversation and instructions in input and instructions",
                                   stored),
                       "unsupported_value");
  }
  if (auto e = decode_input(root, request, drops)) return e;
  if (auto e = decode_tools(root, out, drops)) return e;
  if (auto e = decode_tool_choice(root, out, drops)) return e;
  if (auto e = decode_options(root, request, drops)) return e;
  if (auto e = decode_sampling(root, request)) return e;
  for (const auto& field : root) {
    bool known = std::find(kMappedFields.begin(), kMappedFields.end(), field.key()) != kMappedFields.end() ||
                 std::find(kSameNameFields.begin(), kSameNameFields.end(), field.key()) != kSameNameFields.end();
    bool silent = std::find(kIgnoredFields.begin(), kIgnoredFields.end(), field.key()) != kIgnoredFields.end();
    if (!known && !silent && !field.value().is_null()) drops.add(std::string(field.key()));
  }
  return std::nullopt;
}

}  // namespace

Expected<ResponsesRequest> decode_responses_request(std::string_view body) {
  auto root = parse_request_object(body);
  if (!root) return root.take_error();
  ResponsesRequest out;
  DropLog drops;
  if (auto e = decode_root(*root, out, drops)) return *std::move(e);
  drops.flush("openai responses");
  return out;
}

}  // namespace aisbf::api
