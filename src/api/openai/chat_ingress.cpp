// OpenAI chat request → canonical ChatRequest: the top-level fields, tools
// and tool_choice (PROTOCOLS.md §1.1, §1.3, §5.2, §5.3). Messages are in
// chat_messages.cpp, the answer in chat_response.cpp, the stream in chat_stream.cpp.
#include "api/openai/chat_ingress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "api/openai/chat_internal.hpp"
#include "api/openai_errors.hpp"

namespace aisbf::api {

namespace {

using namespace openai_ingress;

// Fields with a canonical slot; every other top-level field goes to
// `extensions` as sent (stream_options too: the OpenAI provider merges it).
constexpr std::array<std::string_view, 12> kMappedFields{
    "model",  "messages",   "tools",       "tool_choice",           "functions", "function_call",
    "stream", "max_tokens", "temperature", "max_completion_tokens", "top_p",     "stop"};

bool is_mapped(std::string_view key) {
  return std::find(kMappedFields.begin(), kMappedFields.end(), key) != kMappedFields.end();
}

// {name, description, parameters}: the body of a function tool, or a deprecated `functions[]` entry.
Status decode_function(const json::value* value, std::string_view path, ToolDefinition& out, DropLog& drops) {
  if (value == nullptr) return field_error(path, "required", "missing_field");
  const auto* function = value->if_object();
  if (function == nullptr) return field_error(path, "expected an object", "invalid_type");
  if (member(*function, "name") == nullptr) return field_error(path_key(path, "name"), "required", "missing_field");
  if (auto e = read_string(member(*function, "name"), path_key(path, "name"), out.name)) return e;
  if (auto e = read_string(member(*function, "description"), path_key(path, "description"), out.description)) return e;
  if (const json::value* parameters = member(*function, "parameters")) {
    if (!parameters->is_object())
      return field_error(path_key(path, "parameters"), "expected an object", "invalid_type");
    out.parameters = *parameters;
  }
  if (const json::value* strict = member(*function, "strict");
      strict != nullptr && strict->is_bool() && strict->get_bool())
    drops.add(fmt::format("{}.strict", path));
  return std::nullopt;
}

Status decode_tools(const json::object& root, ChatRequest& out, DropLog& drops) {
  if (const json::value* tools = member(root, "tools")) {
    const auto* list = tools->if_array();
    if (list == nullptr) return field_error("tools", "expected an array", "invalid_type");
    for (std::size_t i = 0; i < list->size(); ++i) {
      std::string path = path_index("tools", i);
      const auto* tool = (*list)[i].if_object();
      if (tool == nullptr) return field_error(path, "expected an object", "invalid_type");
      std::string type = "function";
      if (auto e = read_string(member(*tool, "type"), path_key(path, "type"), type)) return e;
      if (type != "function") {  // custom, web search…: no canonical slot
        drops.add(fmt::format("{} ({} tool)", path, type));
        continue;
      }
      ToolDefinition definition;
      if (auto e = decode_function(member(*tool, "function"), path_key(path, "function"), definition, drops)) return e;
      out.tools.push_back(std::move(definition));
    }
  }
  if (const json::value* functions = member(root, "functions")) {  // deprecated form of tools
    const auto* list = functions->if_array();
    if (list == nullptr) return field_error("functions", "expected an array", "invalid_type");
    for (std::size_t i = 0; i < list->size(); ++i) {
      ToolDefinition definition;
      if (auto e = decode_function(&(*list)[i], path_index("functions", i), definition, drops)) return e;
      out.tools.push_back(std::move(definition));
    }
  }
  return std::nullopt;
}

Status named_choice(const json::object& holder, std::string_view path, ToolChoice& out) {
  out.mode = ToolChoiceMode::specific;
  if (member(holder, "name") == nullptr) return field_error(path_key(path, "name"), "required", "missing_field");
  return read_string(member(holder, "name"), path_key(path, "name"), out.name);
}

// allowed_tools: keep only the listed tools, with the given mode.
Status allowed_tools_choice(const json::object& choice, ChatRequest& out, DropLog& drops) {
  const json::value* allowed = member(choice, "allowed_tools");
  const auto* object = allowed != nullptr ? allowed->if_object() : nullptr;
  if (object == nullptr) return field_error("tool_choice.allowed_tools", "expected an object", "invalid_type");
  std::string mode = "auto";
  if (auto e = read_string(member(*object, "mode"), "tool_choice.allowed_tools.mode", mode)) return e;
  out.tool_choice.mode = mode == "required" ? ToolChoiceMode::required : ToolChoiceMode::auto_;
  std::vector<std::string> names;
  if (const json::value* tools = member(*object, "tools"); tools != nullptr && tools->is_array()) {
    for (const auto& entry : tools->get_array()) {
      const auto* tool = entry.if_object();
      const json::value* function = tool != nullptr ? member(*tool, "function") : nullptr;
      const json::value* name =
          function != nullptr && function->is_object() ? member(function->get_object(), "name") : nullptr;
      if (name != nullptr && name->is_string()) names.emplace_back(name->get_string());
    }
  }
  std::erase_if(out.tools, [&](const ToolDefinition& tool) {
    bool keep = std::find(names.begin(), names.end(), tool.name) != names.end();
    if (!keep) drops.add(fmt::format("tool '{}' (not in tool_choice.allowed_tools)", tool.name));
    return !keep;
  });
  return std::nullopt;
}

Status decode_tool_choice(const json::value& value, std::string_view path, ChatRequest& out, DropLog& drops) {
  if (value.is_string()) {
    std::string_view mode = value.get_string();
    if (mode == "none")
      out.tool_choice.mode = ToolChoiceMode::none;
    else if (mode == "auto")
      out.tool_choice.mode = ToolChoiceMode::auto_;
    else if (mode == "required" && path == "tool_choice")
      out.tool_choice.mode = ToolChoiceMode::required;
    else
      return field_error(path,
                         fmt::format("unknown value '{}' (expected {} or an object)", mode,
                                     path == "tool_choice" ? "none, auto, required" : "none, auto"),
                         "invalid_value");
    return std::nullopt;
  }
  const auto* choice = value.if_object();
  if (choice == nullptr) return field_error(path, "expected a string or an object", "invalid_type");
  if (path == "function_call") return named_choice(*choice, path, out.tool_choice);  // deprecated {name}
  std::string type;
  if (auto e = read_string(member(*choice, "type"), path_key(path, "type"), type)) return e;
  if (type == "function") {
    const json::value* function = member(*choice, "function");
    if (function == nullptr || !function->is_object())
      return field_error(path_key(path, "function"), "expected an object", "invalid_type");
    return named_choice(function->get_object(), path_key(path, "function"), out.tool_choice);
  }
  if (type == "allowed_tools") return allowed_tools_choice(*choice, out, drops);
  drops.add(fmt::format("tool_choice ({})", type.empty() ? "without a type" : type));
  return std::nullopt;
}

Status decode_max_tokens(const json::object& root, ChatRequest& out) {
  std::string_view key = member(root, "max_completion_tokens") != nullptr ? "max_completion_tokens" : "max_tokens";
  if (auto e = read_int(member(root, key), key, out.max_tokens)) return e;
  if (out.max_tokens && *out.max_tokens < 1) return field_error(key, "must be at least 1", "invalid_value");
  return std::nullopt;
}

Status decode_root(const json::object& root, ChatRequest& out, DropLog& drops) {
  if (member(root, "model") == nullptr) return field_error("model", "required", "missing_field");
  if (auto e = read_string(member(root, "model"), "model", out.model)) return e;
  if (out.model.empty()) return field_error("model", "must not be empty", "invalid_value");
  const json::value* messages = member(root, "messages");
  if (messages == nullptr) return field_error("messages", "required", "missing_field");
  if (!messages->is_array()) return field_error("messages", "expected an array", "invalid_type");
  if (auto e = decode_messages(messages->get_array(), out.messages, drops)) return e;
  if (auto e = decode_tools(root, out, drops)) return e;
  if (const json::value* choice = member(root, "tool_choice")) {
    if (auto e = decode_tool_choice(*choice, "tool_choice", out, drops)) return e;
  } else if (const json::value* legacy = member(root, "function_call")) {
    if (auto e = decode_tool_choice(*legacy, "function_call", out, drops)) return e;
  }
  if (auto e = decode_max_tokens(root, out)) return e;
  if (auto e = read_sampling(root, out)) return e;
  for (const auto& field : root)
    if (!is_mapped(field.key())) out.extensions.emplace(field.key(), field.value());
  return std::nullopt;
}

}  // namespace

Expected<ChatRequest> OpenAiChatIngress::decode_request(std::string_view body) const {
  auto root = parse_request_object(body);
  if (!root) return root.take_error();
  ChatRequest out;
  DropLog drops;
  if (auto e = decode_root(*root, out, drops)) return *std::move(e);
  drops.flush("openai chat");
  return out;
}

std::unique_ptr<StreamEncoder> OpenAiChatIngress::make_stream_encoder(const EgressContext& context) const {
  return make_chat_stream_encoder(context);
}

std::string OpenAiChatIngress::encode_error(const GatewayError& error) const { return openai_error_body(error); }

const IngressCodec& openai_chat_ingress() {
  static const OpenAiChatIngress codec;
  return codec;
}

}  // namespace aisbf::api
