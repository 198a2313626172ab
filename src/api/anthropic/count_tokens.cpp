#include "api/anthropic/count_tokens.hpp"

#include <algorithm>
#include <cmath>

#include "api/anthropic/messages_ingress.hpp"
#include "context/image_tokens.hpp"
#include "context/token_count.hpp"

namespace aisbf::api {

namespace {

constexpr double kMaxLongEdge = 1568;
constexpr double kMaxPixels = 1'150'000;
constexpr double kPixelsPerToken = 750;
constexpr std::int64_t kUnknownImageTokens = 1600;  // about what an image at the size caps costs

std::int64_t anthropic_image_tokens(const ImageBlock& image) {
  const auto size = context::image_size_from_base64(image.data_base64);
  if (!size) return kUnknownImageTokens;
  double w = size->width, h = size->height;
  double scale = std::min(1.0, kMaxLongEdge / std::max(w, h));
  scale = std::min(scale, std::sqrt(kMaxPixels / (w * h)));
  w = std::floor(w * scale);
  h = std::floor(h * scale);
  return static_cast<std::int64_t>(std::ceil(w * h / kPixelsPerToken));
}

}  // namespace

std::int64_t count_input_tokens(const ChatRequest& request, const context::Tokenizer& tokenizer) {
  std::int64_t n = context::ChatTokenCounter(tokenizer).request(request);
  // The chat rule priced images by OpenAI's tiles: Anthropic's rule instead.
  for (const auto& message : request.messages) {
    for (const auto& block : message.content) {
      if (const auto* image = std::get_if<ImageBlock>(&block)) {
        n += anthropic_image_tokens(*image) - context::image_tokens(*image);
      }
    }
  }
  return n;
}

std::string anthropic_count_tokens_json(std::int64_t input_tokens) {
  return "{\"input_tokens\":" + std::to_string(input_tokens) + "}";
}

Expected<std::string> anthropic_count_tokens_response(std::string_view body, const context::Tokenizer& tokenizer) {
  auto request = decode_anthropic_request(body, AnthropicDecodeOptions{.require_max_tokens = false});
  if (!request) return request.take_error();
  return anthropic_count_tokens_json(count_input_tokens(*request, tokenizer));
}

}  // namespace aisbf::api
