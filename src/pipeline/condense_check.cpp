#include "pipeline/condense_check.hpp"

#include <algorithm>

#include <boost/json/serialize.hpp>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace aisbf {

namespace {

constexpr std::string_view kImageNeedle = "\"image";
// A message's overhead in ChatTokenCounter: 3, the role (at most its 9
// bytes, "assistant"), a name's 1.
constexpr std::int64_t kMessageOverhead = 3 + 9 + 1;
constexpr std::int64_t kReplyPriming = 3;

// `"image"` or `"image_…` at `at` (not a media type's "image/png").
bool is_image_key(std::string_view body, std::size_t at) {
  if (body.compare(at, kImageNeedle.size(), kImageNeedle) != 0) return false;
  const std::size_t next = at + kImageNeedle.size();
  return next < body.size() && (body[next] == '"' || body[next] == '_');
}

std::size_t count_scalar(std::string_view body, std::size_t from) {
  std::size_t n = 0;
  for (auto at = body.find(kImageNeedle, from); at != std::string_view::npos; at = body.find(kImageNeedle, at + 1)) {
    n += is_image_key(body, at) ? 1 : 0;
  }
  return n;
}

}  // namespace

std::optional<std::int64_t> condense_threshold(std::optional<std::int64_t> percent,
                                               std::optional<std::int64_t> context_size) {
  if (!percent || !context_size || *percent <= 0 || *context_size <= 0) return std::nullopt;
  // Split so that no context_size a config may hold overflows.
  const std::int64_t p = std::min<std::int64_t>(*percent, 100);
  return *context_size / 100 * p + *context_size % 100 * p / 100;
}

CondenseLimits condense_limits(std::int64_t threshold, std::int64_t context_size,
                               std::optional<std::int64_t> max_tokens) {
  CondenseLimits out;
  out.threshold = threshold;
  out.context_size = context_size;
  // A client's max_tokens may be any int64: clamped, it cannot overflow the
  // arithmetic; at or past context_size nothing fits (hard_limit 0).
  out.hard_limit = context_size - std::clamp<std::int64_t>(max_tokens.value_or(0), 0, context_size);
  out.goal = std::min(threshold * 3 / 4, out.hard_limit);
  return out;
}

bool may_need_condensing(std::int64_t bound, std::int64_t threshold, std::int64_t context_size,
                         std::optional<std::int64_t> max_tokens) {
  return bound >= threshold || bound > condense_limits(threshold, context_size, max_tokens).hard_limit;
}

// Muła's SIMD substring search: a block matches where its byte is `"` and
// the byte 5 later is `e`; only those places are compared whole. Body text
// has few such pairs, so 20 KB take under a microsecond with AVX2
// (bench/condense_check.cpp), where a memchr per `"` takes several.
#if defined(__x86_64__)
namespace {

__attribute__((target("avx2"))) std::size_t count_avx2(std::string_view body, std::size_t& i) {
  const std::size_t last = kImageNeedle.size() - 1;
  const __m256i quote = _mm256_set1_epi8('"');
  const __m256i e = _mm256_set1_epi8('e');
  std::size_t n = 0;
  for (; i + 32 + last <= body.size(); i += 32) {
    const __m256i first = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(body.data() + i));
    const __m256i end = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(body.data() + i + last));
    auto mask = static_cast<std::uint32_t>(
        _mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(first, quote), _mm256_cmpeq_epi8(end, e))));
    while (mask != 0) {
      n += is_image_key(body, i + static_cast<std::size_t>(__builtin_ctz(mask))) ? 1 : 0;
      mask &= mask - 1;
    }
  }
  return n;
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2");

}  // namespace
#endif

std::size_t count_image_parts(std::string_view body) {
  std::size_t i = 0, n = 0;
#if defined(__x86_64__)
  if (kHasAvx2) n = count_avx2(body, i);  // else all of it below: correct, only slower
#endif
  return n + count_scalar(body, i);
}

std::int64_t request_token_bound(const ChatRequest& request) {
  std::int64_t n = kReplyPriming;
  for (const auto& message : request.messages) {
    n += kMessageOverhead + static_cast<std::int64_t>(message.name.size());
    for (const auto& block : message.content) {
      if (const auto* t = std::get_if<TextBlock>(&block)) {
        n += static_cast<std::int64_t>(t->text.size());
      } else if (std::holds_alternative<ImageBlock>(block)) {
        n += kMaxImageTokens;
      } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
        n += static_cast<std::int64_t>(call->id.size() + call->name.size() + call->arguments_json.size());
      } else if (const auto* result = std::get_if<ToolResultBlock>(&block)) {
        n += static_cast<std::int64_t>(result->tool_call_id.size() + result->content.size());
      } else if (const auto* thinking = std::get_if<ThinkingBlock>(&block)) {
        n += static_cast<std::int64_t>(thinking->text.size());
      }
    }
  }
  for (const auto& tool : request.tools) {
    n += static_cast<std::int64_t>(tool.name.size() + tool.description.size());
    if (!tool.parameters.is_null()) n += static_cast<std::int64_t>(boost::json::serialize(tool.parameters).size());
  }
  return n;
}

}  // namespace aisbf
