// Canonical ChatResponse → a Responses API `response` object, the shared
// item and usage builders, and the codec object (docs/responses-api.md).
#include <boost/json/serialize.hpp>

#include "api/openai/responses_ingress.hpp"
#include "api/openai/responses_internal.hpp"
#include "api/openai_errors.hpp"

namespace aisbf::api {

namespace openai_responses {

using openai_ingress::random_id;

json::object usage_object(const Usage& usage) {
  json::object out;
  out["input_tokens"] = usage.prompt_tokens;
  out["input_tokens_details"] = {{"cached_tokens", usage.cached_tokens}};
  out["output_tokens"] = usage.completion_tokens;
  out["output_tokens_details"] = {{"reasoning_tokens", usage.reasoning_tokens}};
  out["total_tokens"] = usage.total_tokens != 0 ? usage.total_tokens : usage.prompt_tokens + usage.completion_tokens;
  if (usage.effective_context) out["effective_context"] = *usage.effective_context;  // the gateway's own count
  return out;
}

json::object response_shell(std::string_view id, std::int64_t created_at, std::string_view model,
                            std::string_view status) {
  return {{"id", id},
          {"object", "response"},
          {"created_at", created_at},
          {"status", status},
          {"error", nullptr},
          {"incomplete_details", nullptr},
          {"instructions", nullptr},
          {"metadata", json::object{}},
          {"model", model},
          {"output", json::array{}},
          {"parallel_tool_calls", true},
          {"temperature", nullptr},
          {"tool_choice", "auto"},
          {"tools", json::array{}},
          {"top_p", nullptr},
          {"usage", nullptr}};
}

void set_outcome(json::object& response, FinishReason reason) {
  std::string_view incomplete = reason == FinishReason::length           ? "max_output_tokens"
                                : reason == FinishReason::content_filter ? "content_filter"
                                                                         : "";
  if (incomplete.empty()) {
    response["status"] = "completed";
    return;
  }
  response["status"] = "incomplete";
  response["incomplete_details"] = {{"reason", incomplete}};
}

json::object text_part(std::string_view type, std::string_view text) {
  json::object part{{"type", type}, {"text", text}};
  if (type == "output_text") {
    part["annotations"] = json::array{};
    part["logprobs"] = json::array{};
  }
  return part;
}

json::object message_item(std::string_view id, std::string_view text, std::string_view status) {
  json::array content;
  if (status != "in_progress") content.push_back(text_part("output_text", text));
  return {{"id", id}, {"type", "message"}, {"status", status}, {"role", "assistant"}, {"content", std::move(content)}};
}

json::object reasoning_item(std::string_view id, const ThinkingBlock& thinking, bool summary) {
  json::array summaries, content;
  if (!thinking.text.empty()) {
    if (summary)
      summaries.push_back({{"type", "summary_text"}, {"text", thinking.text}});
    else
      content.push_back(text_part("reasoning_text", thinking.text));
  }
  json::object item{{"id", id}, {"type", "reasoning"}, {"summary", std::move(summaries)}};
  if (!content.empty()) item["content"] = std::move(content);
  if (!thinking.encrypted_content.empty()) {
    item["encrypted_content"] = thinking.encrypted_content;
  } else if (!thinking.signature.empty()) {
    item["encrypted_content"] = std::string(kSignatureMarker) + thinking.signature;
  }
  return item;
}

json::object function_call_item(std::string_view id, const ToolCallBlock& call, std::string_view status) {
  // Clients answer a call by its call_id; upstreams such as Gemini may give none.
  std::string call_id = call.id.empty() ? random_id("call_", 24) : call.id;
  std::string_view arguments = call.arguments_json;
  if (status == "in_progress") arguments = "";
  else if (arguments.empty()) arguments = "{}";
  return {{"id", id},          {"type", "function_call"}, {"status", status}, {"arguments", arguments},
          {"call_id", call_id}, {"name", call.name}};
}

// Our own ids always: an upstream's chat id (chatcmpl-…, msg_…) is not a response id.
std::string response_id(std::string_view upstream_id) {
  if (upstream_id.starts_with("resp_")) return std::string(upstream_id);
  return random_id("resp_", 48);
}

namespace {

// Content blocks in order: adjacent text joins into one message item;
// thinking becomes a reasoning item, each tool call a function_call item.
json::array output_items(const Message& message) {
  json::array out;
  std::string text;
  auto flush_text = [&] {
    if (text.empty()) return;
    out.push_back(message_item(random_id("msg_", 48), text, "completed"));
    text.clear();
  };
  for (const auto& block : message.content) {
    if (const auto* t = std::get_if<TextBlock>(&block)) {
      text += t->text;
    } else if (const auto* thinking = std::get_if<ThinkingBlock>(&block)) {
      flush_text();
      out.push_back(reasoning_item(random_id("rs_", 48), *thinking, !thinking->encrypted_content.empty()));
    } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
      flush_text();
      out.push_back(function_call_item(random_id("fc_", 48), *call, "completed"));
    }
  }
  flush_text();
  return out;
}

}  // namespace

}  // namespace openai_responses

using namespace openai_responses;

Expected<ChatRequest> OpenAiResponsesIngress::decode_request(std::string_view body) const {
  auto decoded = decode_responses_request(body);
  if (!decoded) return decoded.take_error();
  return std::move(decoded->request);
}

std::string OpenAiResponsesIngress::encode_response(const ChatResponse& response, const EgressContext& context) const {
  std::int64_t created = response.created > 0 ? response.created : openai_ingress::now_seconds();
  json::object out = response_shell(response_id(response.id), created, context.model, "completed");
  out["output"] = output_items(response.message);
  set_outcome(out, response.finish_reason);
  if (response.usage) out["usage"] = usage_object(*response.usage);
  if (response.split_chunks > 0) openai_ingress::add_split_marks(out, response.split_chunks);
  return json::serialize(out);
}

std::unique_ptr<StreamEncoder> OpenAiResponsesIngress::make_stream_encoder(const EgressContext& context) const {
  return openai_responses::make_stream_encoder(context);
}

// The Responses API's HTTP errors have chat's shape: {"error":{message,type,param,code}}.
std::string OpenAiResponsesIngress::encode_error(const GatewayError& error) const { return openai_error_body(error); }

const IngressCodec& openai_responses_ingress() {
  static const OpenAiResponsesIngress codec;
  return codec;
}

}  // namespace aisbf::api
