// Anthropic Messages request → canonical ChatRequest (PROTOCOLS.md §2.2–2.4,
// §5.1–5.3): the top-level fields, the system prompt, tools and tool_choice.
// Content blocks are read in messages_content.cpp.
#include <array>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>

#include "core/log_text.hpp"
#include "api/anthropic/messages_decode.hpp"
#include "api/anthropic/messages_ingress.hpp"
#include "core/json_scan.hpp"

namespace aisbf::api {

namespace json = boost::json;
using namespace anthropic::decode;

namespace {

using Result = std::optional<GatewayError>;

// Members read into canonical fields; every other member goes to extensions.
constexpr std::array<std::string_view, 11> kCanonicalFields{"model",          "max_tokens",  "messages",    "system",
                                                            "tools",          "tool_choice", "temperature", "top_p",
                                                            "stop_sequences", "stream",      "metadata"};

const json::value* present(const json::object& root, std::string_view key) {
  const json::value* v = root.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

Expected<json::object> parse_body(std::string_view body) {
  json::parse_options options;
  options.max_depth = 128;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec, {}, options);
  if (ec) {
    auto scan = json_scan::validate(body);
    if (!scan) return invalid("The request body nests JSON deeper than 128 levels");
    return invalid(fmt::format("The request body is not valid JSON: {} (line {}, column {})", scan->message, scan->line,
                               scan->column));
  }
  if (!doc.is_object()) return invalid("The request body must be a JSON object");
  return std::move(doc.get_object());
}

// `system`: a string or an array of text blocks; each block becomes one
// leading system message (its cache_control kept, citations not carried).
Result decode_system(const json::object& root, ChatRequest& out) {
  const json::value* system = present(root, "system");
  if (system == nullptr) return std::nullopt;
  if (system->is_string()) {
    if (!system->get_string().empty())
      out.messages.push_back(Message{Role::system, {TextBlock{std::string(system->get_string())}}, {}});
    return std::nullopt;
  }
  const json::array* blocks = system->if_array();
  if (blocks == nullptr) return wrong_type("system", "string or a list of text blocks");
  for (std::size_t i = 0; i < blocks->size(); ++i) {
    std::string path = fmt::format("system.{}", i);
    const json::object* block = (*blocks)[i].if_object();
    if (block == nullptr) return wrong_type(path, "dictionary");
    auto type = string_field(*block, "type", path, true);
    if (!type) return type.take_error();
    if (*type != "text") return invalid(fmt::format("{}.type: Input should be 'text'", path));
    auto text = string_field(*block, "text", path, true);
    if (!text) return text.take_error();
    if (!text->empty())
      out.messages.push_back(Message{Role::system, {TextBlock{std::move(*text), cache_control_text(*block)}}, {}});
  }
  return std::nullopt;
}

Expected<Role> decode_role(const json::object& message, const std::string& path) {
  auto role = string_field(message, "role", path, true);
  if (!role) return role.take_error();
  if (*role == "user") return Role::user;
  if (*role == "assistant") return Role::assistant;
  if (*role == "system") return Role::system;  // newer mid-conversation system blocks (§2.2)
  return invalid(fmt::format("{}.role: Input should be 'user' or 'assistant'", path));
}

// A user message's tool results become Role::tool messages placed before
// what remains of it (§5.1); a message that held only results leaves nothing.
Result decode_messages(const json::object& root, ChatRequest& out, Warnings& warnings) {
  const json::value* messages = present(root, "messages");
  if (messages == nullptr) return required("messages");
  const json::array* list = messages->if_array();
  if (list == nullptr) return wrong_type("messages", "list");
  if (list->empty()) return invalid("messages: at least one message is required");
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string path = fmt::format("messages.{}", i);
    const json::object* message = (*list)[i].if_object();
    if (message == nullptr) return wrong_type(path, "dictionary");
    auto role = decode_role(*message, path);
    if (!role) return role.take_error();
    MessageParts parts;
    if (auto error = decode_content(message->if_contains("content"), *role, path, parts, warnings)) return error;
    for (auto& tool_message : parts.tool_messages) out.messages.push_back(std::move(tool_message));
    if (!parts.blocks.empty() || parts.tool_messages.empty())
      out.messages.push_back(Message{*role, std::move(parts.blocks), {}});
  }
  return std::nullopt;
}

// Custom tools only: server tools (`web_search_20250305`, `bash_…`,
// `text_editor_…`) run inside Anthropic's API and have no canonical form.
Result decode_tools(const json::object& root, ChatRequest& out, Warnings& warnings) {
  const json::value* tools = present(root, "tools");
  if (tools == nullptr) return std::nullopt;
  const json::array* list = tools->if_array();
  if (list == nullptr) return wrong_type("tools", "list");
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string path = fmt::format("tools.{}", i);
    const json::object* tool = (*list)[i].if_object();
    if (tool == nullptr) return wrong_type(path, "dictionary");
    auto type = string_field(*tool, "type", path, false);
    if (!type) return type.take_error();
    if (!type->empty() && *type != "custom") {
      warnings.add(fmt::format("dropped server tool '{}'", *type));
      continue;
    }
    ToolDefinition definition;
    auto name = string_field(*tool, "name", path, true);
    if (!name) return name.take_error();
    auto description = string_field(*tool, "description", path, false);
    if (!description) return description.take_error();
    const json::value* schema = tool->if_contains("input_schema");
    if (schema == nullptr) return required(path + ".input_schema");
    if (!schema->is_object()) return wrong_type(path + ".input_schema", "dictionary");
    out.tools.push_back(ToolDefinition{std::move(*name), std::move(*description), *schema, cache_control_text(*tool)});
  }
  return std::nullopt;
}

Result decode_tool_choice(const json::object& root, ChatRequest& out) {
  const json::value* value = present(root, "tool_choice");
  if (value == nullptr) return std::nullopt;
  const json::object* choice = value->if_object();
  if (choice == nullptr) return wrong_type("tool_choice", "dictionary");
  auto type = string_field(*choice, "type", "tool_choice", true);
  if (!type) return type.take_error();
  if (*type == "auto") {
    out.tool_choice.mode = ToolChoiceMode::auto_;
  } else if (*type == "any") {
    out.tool_choice.mode = ToolChoiceMode::required;
  } else if (*type == "none") {
    out.tool_choice.mode = ToolChoiceMode::none;
  } else if (*type == "tool") {
    auto name = string_field(*choice, "name", "tool_choice", true);
    if (!name) return name.take_error();
    out.tool_choice = {ToolChoiceMode::specific, std::move(*name)};
  } else {
    return invalid(fmt::format(
        "tool_choice.type: Input tag '{}' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'",
        *type));
  }
  if (const json::value* flag = present(*choice, "disable_parallel_tool_use")) {
    if (!flag->is_bool()) return wrong_type("tool_choice.disable_parallel_tool_use", "boolean");
    if (flag->get_bool()) out.extensions["parallel_tool_calls"] = false;
  }
  return std::nullopt;
}

Result decode_max_tokens(const json::object& root, const AnthropicDecodeOptions& options, ChatRequest& out) {
  const json::value* value = present(root, "max_tokens");
  if (value == nullptr) return options.require_max_tokens ? Result(required("max_tokens")) : std::nullopt;
  boost::system::error_code ec;
  auto n = value->to_number<std::int64_t>(ec);
  if (ec || value->is_bool()) return wrong_type("max_tokens", "integer");
  if (n < 1) return invalid("max_tokens: Input should be greater than or equal to 1");
  out.max_tokens = n;
  return std::nullopt;
}

Result decode_number(const json::object& root, std::string_view key, std::optional<double>& out) {
  const json::value* value = present(root, key);
  if (value == nullptr) return std::nullopt;
  boost::system::error_code ec;
  double n = value->to_number<double>(ec);
  if (ec) return wrong_type(key, "number");
  out = n;
  return std::nullopt;
}

Result decode_sampling(const json::object& root, ChatRequest& out) {
  if (auto error = decode_number(root, "temperature", out.temperature)) return error;
  if (auto error = decode_number(root, "top_p", out.top_p)) return error;
  if (const json::value* stops = present(root, "stop_sequences")) {
    const json::array* list = stops->if_array();
    if (list == nullptr) return wrong_type("stop_sequences", "list");
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (!(*list)[i].is_string()) return wrong_type(fmt::format("stop_sequences.{}", i), "string");
      out.stop.emplace_back((*list)[i].get_string());
    }
  }
  if (const json::value* stream = present(root, "stream")) {
    if (!stream->is_bool()) return wrong_type("stream", "boolean");
    out.stream = stream->get_bool();
    out.include_usage = out.stream;  // an Anthropic stream always reports usage
  }
  return std::nullopt;
}

// `metadata.user_id` is OpenAI's `user`; every member outside the canonical
// fields (thinking, top_k, output_config, service_tier, …) is kept as sent.
Result decode_extras(const json::object& root, ChatRequest& out) {
  if (const json::value* metadata = present(root, "metadata")) {
    if (!metadata->is_object()) return wrong_type("metadata", "dictionary");
    auto user = string_field(metadata->get_object(), "user_id", "metadata", false);
    if (!user) return user.take_error();
    if (!user->empty()) out.extensions["user"] = *user;
  }
  for (const auto& member : root) {
    bool canonical = false;
    for (auto field : kCanonicalFields) canonical = canonical || member.key() == field;
    if (!canonical && !out.extensions.contains(member.key())) out.extensions[member.key()] = member.value();
  }
  return std::nullopt;
}

Result decode_fields(const json::object& root, const AnthropicDecodeOptions& options, ChatRequest& out,
                     Warnings& warnings) {
  const json::value* model = present(root, "model");
  if (model == nullptr) return required("model");
  if (!model->is_string()) return wrong_type("model", "string");
  if (model->get_string().empty()) return invalid("model: String should have at least 1 character");
  out.model = std::string(model->get_string());
  if (auto error = decode_max_tokens(root, options, out)) return error;
  if (auto error = decode_system(root, out)) return error;
  if (auto error = decode_messages(root, out, warnings)) return error;
  if (auto error = decode_tools(root, out, warnings)) return error;
  if (auto error = decode_tool_choice(root, out)) return error;
  if (auto error = decode_sampling(root, out)) return error;
  return decode_extras(root, out);
}

}  // namespace

Expected<ChatRequest> decode_anthropic_request(std::string_view body, const AnthropicDecodeOptions& options) {
  auto root = parse_body(body);
  if (!root) return root.take_error();
  ChatRequest request;
  Warnings warnings;
  if (auto error = decode_fields(*root, options, request, warnings)) return *std::move(error);
  if (!warnings.items().empty()) spdlog::warn("anthropic ingress: {}", log_text(fmt::format("{}", fmt::join(warnings.items(), "; ")), 2048));
  return request;
}

}  // namespace aisbf::api
