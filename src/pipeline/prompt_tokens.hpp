// A chat request's prompt tokens, counted only where a figure is needed (a
// candidate with token windows, a principal with quotas, an answer whose
// upstream reported no usage) and then once per encoding: a request without
// limits or quotas whose upstream reports usage tokenizes nothing.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "context/tokenizer.hpp"
#include "core/chat_types.hpp"
#include "core/expected.hpp"
#include "core/gateway_error.hpp"

namespace aisbf {

// The process's tokenizer, or a 503 naming what is missing (the rank files
// are checked when first used).
Expected<const context::Tokenizer*> chat_tokenizer(context::Encoding encoding);

// The token-count routes (/api/v1/tokenize, /v1/messages/count_tokens) count
// on the worker thread, about 10-40 µs per KB: a body past this cap is a 413
// rather than a stall of every request the worker serves.
inline constexpr std::size_t kMaxCountedBodyBytes = 4 * 1024 * 1024;
std::optional<GatewayError> counted_body_too_large(std::size_t body_bytes);

// One count with the chat rule in `encoding`: `canonical` when set, else
// the text of `body` whole. 0 when the tokenizer cannot be loaded (logged).
// Thread-safe: the count pool (sent_prompt.hpp) calls it too.
std::int64_t count_prompt(context::Encoding encoding, const ChatRequest* canonical, std::string_view body);

enum class IngressFormat;  // pipeline/ingress.hpp

// count_prompt of a plain OpenAI chat or Responses body
// (context/plain_chat_count.hpp) without decoding it; nullopt when the body
// is not plain, is in another format, or there is no tokenizer: decode and
// count_prompt then.
std::optional<std::int64_t> count_plain_prompt(context::Encoding encoding, IngressFormat format, std::string_view body);

template <class T>
class PoolResult;  // count_pool.hpp

class PromptTokens {
 public:
  // The prompt's tokens for `upstream_model`'s encoding, with the chat rule
  // (context/token_count.hpp). `canonical`: the request, decoded once by the
  // caller (and kept); null when it has none and `body` (the client's, in
  // the client's format) could not be decoded, whose text is then counted
  // whole. 0 only when the tokenizer cannot be loaded (logged).
  std::int64_t count(const ChatRequest* canonical, std::string_view body, std::string_view upstream_model);
  // The count for `encoding` when it was made already; a count made
  // elsewhere (the count pool) is kept with remember().
  std::optional<std::int64_t> counted(context::Encoding encoding) const {
    return by_encoding_[static_cast<std::size_t>(encoding)];
  }
  void remember(context::Encoding encoding, std::int64_t tokens) {
    by_encoding_[static_cast<std::size_t>(encoding)] = tokens;
  }
  // The count under way on the count pool for `encoding` (sent_prompt.hpp),
  // shared by the job's attempts: a failover awaits it, it posts no other.
  std::shared_ptr<PoolResult<std::int64_t>>& pending(context::Encoding encoding) {
    return pending_[static_cast<std::size_t>(encoding)];
  }

 private:
  std::array<std::optional<std::int64_t>, 2> by_encoding_;
  std::array<std::shared_ptr<PoolResult<std::int64_t>>, 2> pending_;
};

// Prompts tokenized by this process so far: a counter, as metrics are, that
// shows which requests paid for a count (chat_call_test.cpp).
std::uint64_t prompt_tokenizations();

}  // namespace aisbf
