// OpenAI Responses answer (non-streaming) → canonical ChatResponse, and the
// readers the stream decoder shares (responses_upstream_read.hpp). The
// adapter's shared parts (auth, model list, errors) are the chat adapter's.
#include <fmt/format.h>

#include "core/json_read.hpp"
#include "providers/openai/openai_adapter.hpp"
#include "providers/openai/responses_upstream.hpp"
#include "providers/openai/responses_upstream_read.hpp"

namespace aisbf::openai {

namespace json = boost::json;
using namespace json_read;

namespace responses_read {

Usage decode_usage(const json::object& usage) {
  Usage out;
  out.prompt_tokens = int_member(usage, "input_tokens");
  out.completion_tokens = int_member(usage, "output_tokens");
  out.total_tokens = optional_int_member(usage, "total_tokens").value_or(out.prompt_tokens + out.completion_tokens);
  if (const auto* details = object_member(usage, "input_tokens_details"))
    out.cached_tokens = int_member(*details, "cached_tokens");
  if (const auto* details = object_member(usage, "output_tokens_details"))
    out.reasoning_tokens = int_member(*details, "reasoning_tokens");
  return out;
}

FinishReason finish_reason(const json::object& response, bool called_tools) {
  if (string_member(response, "status") == "incomplete") {
    const auto* details = object_member(response, "incomplete_details");
    std::string reason = details != nullptr ? string_member(*details, "reason") : std::string();
    return reason == "content_filter" ? FinishReason::content_filter : FinishReason::length;
  }
  return called_tools ? FinishReason::tool_calls : FinishReason::stop;
}

GatewayError error_from(const json::object& error) {
  std::string message = string_member(error, "message");
  std::string code = string_member(error, "code");
  auto e = make_error(ErrorKind::upstream_status, message.empty() ? std::string("upstream reported an error") : message);
  e.code = code.empty() ? "upstream_error" : std::move(code);
  return e;
}

std::optional<GatewayError> response_error(const json::object& response) {
  const json::value* error = response.if_contains("error");
  if (error == nullptr || error->is_null()) {
    if (string_member(response, "status") != "failed") return std::nullopt;
    return error_from(json::object{});
  }
  if (const auto* object = error->if_object()) return error_from(*object);
  if (error->is_string()) return error_from(json::object{{"message", error->get_string()}});
  return error_from(json::object{});
}

namespace {

// The texts of `parts` whose type is `type`, joined by `separator`.
std::string joined_text(const json::array* parts, std::string_view type, std::string_view separator) {
  std::string out;
  if (parts == nullptr) return out;
  for (const auto& entry : *parts) {
    const auto* part = entry.if_object();
    if (part == nullptr || string_member(*part, "type") != type) continue;
    if (!out.empty()) out += separator;
    out += string_member(*part, "text");
  }
  return out;
}

// A message's output_text parts, or its refusal (what the model said).
std::string message_text(const json::object& item) {
  std::string text;
  if (const auto* parts = array_member(item, "content")) {
    for (const auto& entry : *parts) {
      const auto* part = entry.if_object();
      if (part == nullptr) continue;
      std::string type = string_member(*part, "type");
      if (type == "output_text") text += string_member(*part, "text");
      else if (type == "refusal") text += string_member(*part, "refusal");
    }
  }
  return text;
}

}  // namespace

std::string reasoning_text(const json::object& item) {
  std::string text = joined_text(array_member(item, "summary"), "summary_text", "\n\n");
  if (text.empty()) text = joined_text(array_member(item, "content"), "reasoning_text", "");
  return text;
}

void decode_output_item(const json::object& item, std::vector<ContentBlock>& out) {
  const std::string type = string_member(item, "type");
  if (type == "message") {
    if (std::string text = message_text(item); !text.empty()) out.emplace_back(TextBlock{std::move(text)});
  } else if (type == "reasoning") {
    ThinkingBlock thinking{reasoning_text(item), {}, string_member(item, "encrypted_content")};
    if (!thinking.text.empty() || !thinking.encrypted_content.empty()) out.emplace_back(std::move(thinking));
  } else if (type == "function_call") {
    std::string arguments = string_member(item, "arguments");
    out.emplace_back(ToolCallBlock{string_member(item, "call_id"), string_member(item, "name"),
                                   arguments.empty() ? "{}" : std::move(arguments)});
  }
}

}  // namespace responses_read

using namespace responses_read;

Expected<ChatResponse> OpenAiResponsesAdapter::decode_chat(std::string_view body) const {
  auto parsed = parse_object(body, "answer");
  if (!parsed) return parsed.take_error();
  const json::object& root = *parsed;
  if (auto error = response_error(root)) return *std::move(error);
  const json::array* output = array_member(root, "output");
  if (output == nullptr) return protocol_error("upstream answer has no output array");

  ChatResponse out;
  out.id = string_member(root, "id");
  out.model = string_member(root, "model");
  out.created = int_member(root, "created_at");
  out.message.role = Role::assistant;
  bool called = false;
  for (const auto& entry : *output) {
    const auto* item = entry.if_object();
    if (item == nullptr) continue;
    called = called || string_member(*item, "type") == "function_call";
    decode_output_item(*item, out.message.content);
  }
  out.finish_reason = finish_reason(root, called);
  if (const auto* usage = object_member(root, "usage")) out.usage = decode_usage(*usage);
  return out;
}

// Model lists and errors: the Responses API sits beside chat completions
// and shares their shapes.
std::string OpenAiResponsesAdapter::models_path(const UpstreamTarget& target) const {
  return OpenAiAdapter().models_path(target);
}

Expected<std::vector<ProviderModel>> OpenAiResponsesAdapter::decode_models(std::string_view body) const {
  return OpenAiAdapter().decode_models(body);
}

GatewayError OpenAiResponsesAdapter::classify_error(int status, std::string_view body,
                                                    const UpstreamTarget& target) const {
  return OpenAiAdapter().classify_error(status, body, target);
}

const ProviderAdapter& responses_adapter() {
  static const OpenAiResponsesAdapter adapter;
  return adapter;
}

}  // namespace aisbf::openai
