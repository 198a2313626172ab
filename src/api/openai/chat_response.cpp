// Canonical ChatResponse → OpenAI `chat.completion` object (PROTOCOLS.md §1.4).
#include <boost/json/serialize.hpp>

#include "api/openai/chat_ingress.hpp"
#include "api/openai/ingress_common.hpp"

namespace aisbf::api {

namespace {

using namespace openai_ingress;

struct AssistantParts {
  std::string text;
  std::string reasoning;
  json::array tool_calls;
};

json::object tool_call_object(const ToolCallBlock& call) {
  // OpenAI clients need an id to answer the call with; upstreams such as Gemini may give none.
  std::string id = call.id.empty() ? random_id("call_", 24) : call.id;
  json::object function{{"name", call.name}, {"arguments", call.arguments_json.empty() ? "{}" : call.arguments_json}};
  return {{"id", std::move(id)}, {"type", "function"}, {"function", std::move(function)}};
}

AssistantParts collect(const Message& message) {
  AssistantParts parts;
  for (const auto& block : message.content) {
    if (const auto* text = std::get_if<TextBlock>(&block))
      parts.text += text->text;
    else if (const auto* thinking = std::get_if<ThinkingBlock>(&block))
      parts.reasoning += thinking->text;
    else if (const auto* call = std::get_if<ToolCallBlock>(&block))
      parts.tool_calls.push_back(tool_call_object(*call));
    // Images and tool results have no place in an assistant answer.
  }
  return parts;
}

json::object message_object(AssistantParts parts) {
  json::object message;
  message["role"] = "assistant";
  // null only beside tool calls, as OpenAI does; "" keeps `content.length` safe otherwise.
  bool no_text = parts.text.empty() && !parts.tool_calls.empty();
  message["content"] = no_text ? json::value(nullptr) : json::value(json::string(parts.text));
  message["refusal"] = nullptr;
  if (!parts.tool_calls.empty()) message["tool_calls"] = std::move(parts.tool_calls);
  if (!parts.reasoning.empty()) message["reasoning_content"] = std::move(parts.reasoning);
  return message;
}

}  // namespace

std::string OpenAiChatIngress::encode_response(const ChatResponse& response, const EgressContext& context) const {
  AssistantParts parts = collect(response.message);
  bool has_calls = !parts.tool_calls.empty();
  json::object choice;
  choice["index"] = 0;
  choice["message"] = message_object(std::move(parts));
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = finish_reason_name(response.finish_reason, has_calls);

  json::object out;
  out["id"] = response.id.empty() ? random_id("chatcmpl-", 29) : response.id;
  out["object"] = "chat.completion";
  out["created"] = response.created > 0 ? response.created : now_seconds();
  out["model"] = context.model;
  out["choices"] = json::array{std::move(choice)};
  if (response.usage) out["usage"] = usage_object(*response.usage, true);
  if (response.split_chunks > 0) add_split_marks(out, response.split_chunks);
  return json::serialize(out);
}

}  // namespace aisbf::api
