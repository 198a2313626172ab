// Canonical ChatResponse → Anthropic Message JSON (PROTOCOLS.md §2.5).
#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/log_text.hpp"
#include "api/anthropic/messages_ingress.hpp"
#include "api/anthropic/messages_wire.hpp"

namespace aisbf::api {

namespace json = boost::json;
namespace wire = anthropic::wire;

namespace {

// Anthropic's `input` is a JSON object; the canonical arguments are text.
// Empty or `null` arguments mean no input; anything else that is not an
// object is not invented into one: `{}` and a warning.
json::object tool_input(const ToolCallBlock& call) {
  if (call.arguments_json.empty()) return {};
  json::parse_options options;
  options.max_depth = 128;
  boost::system::error_code ec;
  json::value v = json::parse(call.arguments_json, ec, {}, options);
  if (!ec && v.is_object()) return std::move(v.get_object());
  if (!ec && v.is_null()) return {};
  spdlog::warn("anthropic ingress: tool call '{}' ({}) has arguments that are not a JSON object; sent as {{}}",
               log_text(call.name, 256), log_text(call.id, 128));
  return {};
}

json::array content_array(const Message& message) {
  json::array content;
  for (const auto& block : message.content) {
    if (const auto* thinking = std::get_if<ThinkingBlock>(&block)) {
      content.push_back({{"type", "thinking"}, {"thinking", thinking->text}, {"signature", thinking->signature}});
    } else if (const auto* text = std::get_if<TextBlock>(&block)) {
      if (!text->text.empty()) content.push_back({{"type", "text"}, {"text", text->text}});
    } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
      content.push_back({{"type", "tool_use"},
                         {"id", wire::tool_use_id(call->id)},
                         {"name", call->name},
                         {"input", tool_input(*call)}});
    }
    // Images and tool results have no place in an assistant answer.
  }
  return content;
}

bool has_tool_call(const Message& message) {
  for (const auto& block : message.content)
    if (std::holds_alternative<ToolCallBlock>(block)) return true;
  return false;
}

}  // namespace

std::string AnthropicMessagesIngress::encode_response(const ChatResponse& response,
                                                      const EgressContext& context) const {
  json::object root;
  root["id"] = wire::message_id(response.id);
  root["type"] = "message";
  root["role"] = "assistant";
  root["model"] = context.model.empty() ? response.model : context.model;
  root["content"] = content_array(response.message);
  root["stop_reason"] = wire::stop_reason(response.finish_reason, has_tool_call(response.message));
  root["stop_sequence"] = nullptr;
  root["usage"] = wire::usage_object(response.usage.value_or(Usage{}));
  if (response.split_chunks > 0) {  // a split request's joined answers (README: request splitting)
    root["aisbf_chunked"] = true;
    root["aisbf_chunks"] = response.split_chunks;
  }
  return json::serialize(root);
}

}  // namespace aisbf::api
