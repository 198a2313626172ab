// The Anthropic ingress codec object, its error rendering (§2.7) and the
// small wire helpers its encoders share.
#include "api/anthropic/messages_ingress.hpp"

#include <algorithm>
#include <random>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/anthropic/messages_wire.hpp"

namespace aisbf::api {

namespace json = boost::json;

namespace anthropic::wire {

std::string random_id(std::string_view prefix, std::size_t length) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string id(prefix);
  id.reserve(prefix.size() + length);
  for (std::size_t i = 0; i < length; ++i) id += kAlphabet[pick(rng)];
  return id;
}

std::string message_id(std::string_view upstream_id) {
  if (upstream_id.size() > 4 && upstream_id.substr(0, 4) == "msg_") return std::string(upstream_id);
  return random_id("msg_");
}

std::string tool_use_id(std::string_view canonical_id) {
  return canonical_id.empty() ? random_id("toolu_") : std::string(canonical_id);
}

std::string_view stop_reason(FinishReason reason, bool had_tool_calls) {
  switch (reason) {
    case FinishReason::length:
      return "max_tokens";
    case FinishReason::tool_calls:
      return "tool_use";
    case FinishReason::content_filter:
      return "refusal";
    case FinishReason::none:
    case FinishReason::stop:
    case FinishReason::error:
      break;
  }
  return had_tool_calls ? "tool_use" : "end_turn";
}

json::object usage_object(const Usage& usage) {
  json::object out;
  out["input_tokens"] = std::max<std::int64_t>(0, usage.prompt_tokens - usage.cached_tokens - usage.cache_write_tokens);
  out["cache_creation_input_tokens"] = usage.cache_write_tokens;
  out["cache_read_input_tokens"] = usage.cached_tokens;
  out["output_tokens"] = usage.completion_tokens;
  if (usage.effective_context) out["effective_context"] = *usage.effective_context;  // the gateway's own count
  return out;
}

}  // namespace anthropic::wire

std::string_view anthropic_error_type(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    case 504:
      return "timeout_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string anthropic_error_body(const GatewayError& error) {
  json::object inner;
  inner["type"] = anthropic_error_type(error.status);
  inner["message"] = error.message;
  if (!error.attempts_json.empty()) {
    boost::system::error_code ec;
    auto attempts = json::parse(error.attempts_json, ec);
    if (!ec) inner["attempts"] = std::move(attempts);
  }
  json::object outer;
  outer["type"] = "error";
  outer["error"] = std::move(inner);
  return json::serialize(outer);
}

Expected<ChatRequest> AnthropicMessagesIngress::decode_request(std::string_view body) const {
  return decode_anthropic_request(body);
}

std::string AnthropicMessagesIngress::encode_error(const GatewayError& error) const {
  return anthropic_error_body(error);
}

const IngressCodec& anthropic_messages_ingress() {
  static const AnthropicMessagesIngress codec;
  return codec;
}

}  // namespace aisbf::api
