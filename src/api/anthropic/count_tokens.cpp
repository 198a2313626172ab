// Token estimate for count_tokens. A real tokenizer comes later; until then
// bytes / 4 is what most gateways answer, and what clients like Claude Code
// only use to decide when to compact a conversation.
#include "api/anthropic/count_tokens.hpp"

#include <boost/json/serialize.hpp>

#include "api/anthropic/messages_ingress.hpp"

namespace aisbf::api {

namespace {

constexpr std::int64_t kBytesPerToken = 4;
constexpr std::int64_t kTokensPerImage = 1600;  // Anthropic: (width × height) / 750, ~1600 at the size cap

struct Tally {
  std::int64_t bytes = 0;
  std::int64_t images = 0;

  void add(const ContentBlock& block) {
    if (const auto* text = std::get_if<TextBlock>(&block)) {
      bytes += static_cast<std::int64_t>(text->text.size());
    } else if (std::holds_alternative<ImageBlock>(block)) {
      ++images;
    } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
      bytes += static_cast<std::int64_t>(call->name.size() + call->arguments_json.size());
    } else if (const auto* result = std::get_if<ToolResultBlock>(&block)) {
      bytes += static_cast<std::int64_t>(result->content.size());
    }
  }
};

}  // namespace

std::int64_t estimate_input_tokens(const ChatRequest& request) {
  Tally tally;
  for (const auto& message : request.messages)
    for (const auto& block : message.content) tally.add(block);
  for (const auto& tool : request.tools) {
    tally.bytes += static_cast<std::int64_t>(tool.name.size() + tool.description.size());
    if (!tool.parameters.is_null())
      tally.bytes += static_cast<std::int64_t>(boost::json::serialize(tool.parameters).size());
  }
  return (tally.bytes + kBytesPerToken - 1) / kBytesPerToken + tally.images * kTokensPerImage;
}

std::string anthropic_count_tokens_json(std::int64_t input_tokens) {
  return "{\"input_tokens\":" + std::to_string(input_tokens) + "}";
}

Expected<std::string> anthropic_count_tokens_response(std::string_view body) {
  auto request = decode_anthropic_request(body, AnthropicDecodeOptions{.require_max_tokens = false});
  if (!request) return request.take_error();
  return anthropic_count_tokens_json(estimate_input_tokens(*request));
}

}  // namespace aisbf::api
