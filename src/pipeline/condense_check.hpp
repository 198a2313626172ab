// Whether a request may need condensing for a candidate, and the token
// goals once it does. Plain C++ on purpose (no Asio, no tokenizer): every
// attempt at a candidate with condensation settings runs the check, so a
// request far below its threshold pays well under the 2 µs of issue 10 and is
// never tokenized (bench/condense_check.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/chat_types.hpp"

namespace aisbf {

// OpenAI's tile rule at its most: a high-detail image scaled to 768×2048 is
// 2×4 tiles of 170 plus 85. The count of an image part never exceeds it.
inline constexpr std::int64_t kMaxImageTokens = 8 * 170 + 85;

// The prompt tokens at which condensing starts: `percent` % of
// `context_size`. nullopt: never (no percent, no context size, a percent
// of 0 or less). A percent above 100 is taken as 100.
std::optional<std::int64_t> condense_threshold(std::optional<std::int64_t> percent,
                                               std::optional<std::int64_t> context_size);

struct CondenseLimits {
  std::int64_t threshold = 0;   // condensing starts at this many prompt tokens
  std::int64_t goal = 0;        // the methods run, in order, until the prompt is at or below this
  std::int64_t hard_limit = 0;  // above this after every method: the request fails (400)
  std::int64_t context_size = 0;
};

// The goal: three quarters of the threshold, so that the turns that follow
// have room before the next condensation (an LLM method costs a call each
// time), and never above `hard_limit`, the most the model can take with the
// answer: context_size − max_tokens (max_tokens unset: 0).
CondenseLimits condense_limits(std::int64_t threshold, std::int64_t context_size,
                               std::optional<std::int64_t> max_tokens);

// Whether a request whose prompt is at most `bound` tokens may need
// condensing: the bound reaches the threshold, or it does not fit beside
// `max_tokens` (the exact check's hard limit, condense_limits). A small
// prompt with a max_tokens near the context size is near.
bool may_need_condensing(std::int64_t bound, std::int64_t threshold, std::int64_t context_size,
                         std::optional<std::int64_t> max_tokens);

// Image parts a chat body may hold: occurrences of `"image"` and
// `"image_` (Anthropic's "image", OpenAI's "image_url" twice a part), an
// overcount at worst.
std::size_t count_image_parts(std::string_view body);

// An upper bound of the prompt tokens (ChatTokenCounter::request) of the
// request a chat body decodes to, in OpenAI's or Anthropic's format: every
// token is at least one byte of the text it encodes, a JSON string is at
// least as long as the text it decodes to, and a message's JSON framing
// (`{"role":"user","content":""}`) is longer than its per-message overhead
// and the reply's priming; images get the tile rule's maximum each. (Tool
// arguments and schemas are re-serialised for counting; only decimals such
// as 0.12 → 1.2E-1 grow, by less than the framing around them.)
inline std::int64_t body_token_bound(std::string_view body) {
  return static_cast<std::int64_t>(body.size()) + static_cast<std::int64_t>(count_image_parts(body)) * kMaxImageTokens;
}

// The same bound for a decoded request (an in-process call has no body).
std::int64_t request_token_bound(const ChatRequest& request);

}  // namespace aisbf
