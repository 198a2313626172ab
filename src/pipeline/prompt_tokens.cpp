#include "pipeline/prompt_tokens.hpp"

#include <array>
#include <atomic>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "context/plain_chat_count.hpp"
#include "context/token_count.hpp"
#include "pipeline/ingress.hpp"

namespace aisbf {

namespace {
std::atomic<std::uint64_t> g_tokenizations{0};
}  // namespace

std::uint64_t prompt_tokenizations() { return g_tokenizations.load(std::memory_order_relaxed); }

std::optional<GatewayError> counted_body_too_large(std::size_t body_bytes) {
  if (body_bytes <= kMaxCountedBodyBytes) return std::nullopt;
  return make_error(ErrorKind::payload_too_large,
                    fmt::format("a body to count may hold at most {} bytes; this one has {}", kMaxCountedBodyBytes,
                                body_bytes));
}

Expected<const context::Tokenizer*> chat_tokenizer(context::Encoding encoding) {
  auto tokenizer = context::tokenizer_for(encoding);
  if (tokenizer) return *tokenizer;
  // The reason names a path of the server: logged, not answered. Once per
  // encoding: the failure is the process's (tokenizer_for keeps it), and a
  // line per request would grow the log with the traffic.
  static std::array<std::atomic<bool>, 2> logged{};
  if (!logged[encoding == context::Encoding::cl100k_base ? 0 : 1].exchange(true, std::memory_order_relaxed)) {
    spdlog::error("tokenizer {}: {} (logged once; prompts in this encoding go uncounted)",
                  context::encoding_name(encoding), tokenizer.error().message);
  }
  auto e = make_error(ErrorKind::unavailable, fmt::format("the {} tokenizer is not available on this server",
                                                          context::encoding_name(encoding)));
  e.code = "tokenizer_unavailable";
  return e;
}

std::int64_t count_prompt(context::Encoding encoding, const ChatRequest* canonical, std::string_view body) {
  auto tokenizer = chat_tokenizer(encoding);
  if (!tokenizer) return 0;  // chat_tokenizer logged why, once
  g_tokenizations.fetch_add(1, std::memory_order_relaxed);
  const context::ChatTokenCounter counter(**tokenizer);
  // A body no codec decodes still went upstream as it is: its text stands in.
  return canonical != nullptr ? counter.request(*canonical) : counter.text(body);
}

std::optional<std::int64_t> count_plain_prompt(context::Encoding encoding, IngressFormat format,
                                               std::string_view body) {
  if (format != IngressFormat::openai_chat && format != IngressFormat::openai_responses) return std::nullopt;
  auto tokenizer = context::tokenizer_for(encoding);
  if (!tokenizer) return std::nullopt;  // count_prompt says why
  const context::ChatTokenCounter counter(**tokenizer);
  auto n = format == IngressFormat::openai_chat ? context::count_plain_chat(body, counter)
                                                : context::count_plain_responses(body, counter);
  if (n) g_tokenizations.fetch_add(1, std::memory_order_relaxed);
  return n;
}

std::int64_t PromptTokens::count(const ChatRequest* canonical, std::string_view body, std::string_view upstream_model) {
  const auto encoding = context::encoding_for_model(upstream_model).encoding;
  auto& slot = by_encoding_[static_cast<std::size_t>(encoding)];
  if (!slot) slot = count_prompt(encoding, canonical, body);
  return *slot;
}

}  // namespace aisbf
