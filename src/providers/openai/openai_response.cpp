// OpenAI Chat Completions answer (non-streaming) → canonical ChatResponse,
// plus the small readers the stream decoder shares (namespace `wire_read`).
// Nothing here throws on upstream input: every access is checked.
#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/json_read.hpp"
#include "providers/openai/openai_adapter.hpp"

namespace aisbf::openai {

namespace json = boost::json;

namespace wire_read {

// `reasoning_content` (DeepSeek, vLLM, most compatible servers) or
// `reasoning` (OpenRouter, newer vLLM); OpenAI itself sends neither.
std::string reasoning_text(const json::object& message) {
  std::string text = string_member(message, "reasoning_content");
  return text.empty() ? string_member(message, "reasoning") : text;
}

FinishReason map_finish_reason(std::string_view reason) {
  if (reason == "length") return FinishReason::length;
  if (reason == "tool_calls" || reason == "function_call") return FinishReason::tool_calls;
  if (reason == "content_filter") return FinishReason::content_filter;
  return FinishReason::stop;  // "stop" and the values some servers invent ("eos", "end_turn", …)
}

Usage decode_usage(const json::object& usage) {
  Usage out;
  out.prompt_tokens = int_member(usage, "prompt_tokens");
  out.completion_tokens = int_member(usage, "completion_tokens");
  out.total_tokens = optional_int_member(usage, "total_tokens").value_or(out.prompt_tokens + out.completion_tokens);
  if (const auto* details = object_member(usage, "prompt_tokens_details")) {
    out.cached_tokens = int_member(*details, "cached_tokens");
    out.cache_write_tokens = int_member(*details, "cache_write_tokens");
  }
  if (const auto* details = object_member(usage, "completion_tokens_details"))
    out.reasoning_tokens = int_member(*details, "reasoning_tokens");
  return out;
}

// A body or chunk that carries a top-level `error` (object or string)
// instead of an answer: OpenAI-compatible servers do this with status 200.
std::optional<GatewayError> embedded_error(const json::object& root) {
  const json::value* error = root.if_contains("error");
  if (error == nullptr || error->is_null()) return std::nullopt;
  std::string message, code;
  if (const auto* object = error->if_object()) {
    message = string_member(*object, "message");
    code = string_member(*object, "code");
  } else if (error->is_string()) {
    message = std::string(error->get_string());
  }
  if (message.empty()) message = excerpt(json::serialize(*error), 300);
  auto e = make_error(ErrorKind::upstream_status, std::move(message));
  e.code = code.empty() ? "upstream_error" : std::move(code);
  return e;
}

}  // namespace wire_read

namespace {

using namespace wire_read;

// `content` as text: a string, or the text parts of an array (some servers).
std::string content_text(const json::value* content) {
  if (content == nullptr) return {};
  if (content->is_string()) return std::string(content->get_string());
  std::string text;
  if (const auto* parts = content->if_array()) {
    for (const auto& part : *parts) {
      if (const auto* p = part.if_object(); p != nullptr && string_member(*p, "type") == "text")
        text += string_member(*p, "text");
    }
  }
  return text;
}

// `function.arguments` is a JSON string; a few servers send an object.
std::string arguments_text(const json::object& function) {
  const json::value* args = function.if_contains("arguments");
  if (args != nullptr && args->is_string() && !args->get_string().empty()) return std::string(args->get_string());
  if (args != nullptr && (args->is_object() || args->is_array())) return json::serialize(*args);
  return "{}";
}

void decode_tool_calls(const json::object& message, std::vector<ContentBlock>& content) {
  if (const auto* calls = message.if_contains("tool_calls"); calls != nullptr && calls->is_array()) {
    for (const auto& entry : calls->get_array()) {
      const auto* call = entry.if_object();
      if (call == nullptr) continue;
      std::string type = string_member(*call, "type");
      const auto* function = object_member(*call, "function");
      if (function == nullptr || (!type.empty() && type != "function")) continue;  // custom tools: no canonical slot
      content.push_back(
          ToolCallBlock{string_member(*call, "id"), string_member(*function, "name"), arguments_text(*function)});
    }
  } else if (const auto* legacy = object_member(message, "function_call")) {  // deprecated single call, no id
    content.push_back(ToolCallBlock{{}, string_member(*legacy, "name"), arguments_text(*legacy)});
  }
}

Message decode_message(const json::object& message) {
  Message out;
  out.role = Role::assistant;
  if (std::string reasoning = reasoning_text(message); !reasoning.empty())
    out.content.push_back(ThinkingBlock{std::move(reasoning), {}});
  std::string text = content_text(message.if_contains("content"));
  if (text.empty()) text = string_member(message, "refusal");  // a refusal is what the model said
  if (!text.empty()) out.content.push_back(TextBlock{std::move(text)});
  decode_tool_calls(message, out.content);
  return out;
}

bool has_tool_call(const Message& message) {
  for (const auto& block : message.content)
    if (std::holds_alternative<ToolCallBlock>(block)) return true;
  return false;
}

// choices[] entry with index 0 (a missing index counts as 0); n > 1 is out of scope.
const json::object* first_choice(const json::object& root) {
  const json::value* choices = root.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) return nullptr;
  for (const auto& entry : choices->get_array()) {
    const auto* choice = entry.if_object();
    if (choice != nullptr && int_member(*choice, "index") == 0) return choice;
  }
  return nullptr;
}

}  // namespace

Expected<ChatResponse> OpenAiAdapter::decode_chat(std::string_view body) const {
  auto parsed = parse_object(body, "answer");
  if (!parsed) return parsed.take_error();
  const json::object& root = *parsed;
  if (auto error = embedded_error(root)) return *std::move(error);
  const json::object* choice = first_choice(root);
  if (choice == nullptr) return protocol_error("upstream answer has no choices[0]");
  const json::object* message = object_member(*choice, "message");
  if (message == nullptr) return protocol_error("upstream answer has no choices[0].message");

  ChatResponse out;
  out.id = string_member(root, "id");
  out.model = string_member(root, "model");
  out.created = int_member(root, "created");
  out.message = decode_message(*message);
  if (const json::value* reason = choice->if_contains("finish_reason"); reason != nullptr && reason->is_string())
    out.finish_reason = map_finish_reason(reason->get_string());
  // Some compatible servers (Ollama's /v1, older vLLM) say "stop" after tool calls.
  if (out.finish_reason == FinishReason::stop && has_tool_call(out.message))
    out.finish_reason = FinishReason::tool_calls;
  if (const auto* usage = object_member(root, "usage")) out.usage = decode_usage(*usage);
  return out;
}

}  // namespace aisbf::openai
