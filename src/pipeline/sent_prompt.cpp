#include "pipeline/sent_prompt.hpp"

#include <algorithm>
#include <atomic>

#include <spdlog/spdlog.h>

#include <boost/asio/this_coro.hpp>

#include "pipeline/chat_job.hpp"
#include "pipeline/count_pool.hpp"
#include "pipeline/condense_check.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/ingress.hpp"

namespace aisbf {

namespace {

std::atomic<std::uint64_t> g_pooled{0};

// What the pool counts: a copy, so that nothing of the request's need
// outlive the attempt for it.
struct PoolPrompt {
  std::string body;  // the client's body, decoded on the pool
  IngressFormat format = IngressFormat::openai_chat;
  std::optional<ChatRequest> canonical;  // an in-process request (no body)
};

std::int64_t count_on_pool(const PoolPrompt& prompt, context::Encoding encoding) {
  g_pooled.fetch_add(1, std::memory_order_relaxed);
  if (prompt.canonical) return count_prompt(encoding, &*prompt.canonical, {});
  if (auto n = count_plain_prompt(encoding, prompt.format, prompt.body)) return *n;
  auto decoded = ingress_codec(prompt.format).decode_request(prompt.body);
  return count_prompt(encoding, decoded ? &*decoded : nullptr, prompt.body);
}

}  // namespace

boost::asio::awaitable<std::int64_t> count_text_off_loop(RequestContext& ctx, std::string text,
                                                         context::Encoding encoding) {
  auto tokenizer = context::tokenizer_for(encoding);
  if (!tokenizer) co_return 0;
  const context::Tokenizer* t = *tokenizer;
  if (text.size() >= kPoolCountBytes && ctx.state != nullptr && ctx.state->counts) {
    const std::size_t bytes = text.size();
    const auto executor = co_await boost::asio::this_coro::executor;
    auto work = [t, copy = text] { return static_cast<std::int64_t>(t->count(copy)); };
    if (auto result = ctx.state->counts->submit(executor, bytes, std::int64_t{-1}, std::move(work))) {
      if (const std::int64_t n = co_await result->get(); n >= 0) co_return n;
    }
  }
  co_return static_cast<std::int64_t>(t->count(text));  // small, over the pool's cap, or failed there
}

std::uint64_t pooled_prompt_counts() { return g_pooled.load(std::memory_order_relaxed); }

// A usage row or a quota wants the prompt as sent; the metrics and the
// access log do not (they take the upstream's figures), so they never make
// a request count its prompt.
namespace {
bool counts_for_usage(const UsageTap& tap) { return tap.on() || tap.quota_held; }
}  // namespace

SentPrompt::SentPrompt(ChatJob& job, RequestContext& ctx, std::string_view upstream_model)
    : job_(job),
      ctx_(ctx),
      upstream_model_(upstream_model),
      encoding_(context::encoding_for_model(upstream_model).encoding) {}

SentPrompt::~SentPrompt() = default;

void SentPrompt::start(bool answer_has_usage, const boost::asio::any_io_executor& executor) {
  wanted_ = answer_has_usage || counts_for_usage(ctx_.usage);
  if (value_ || pending_) return;
  if (auto counted = job_.prompt_tokens.counted(encoding_)) {
    value_ = *counted;
    return;
  }
  auto& shared = job_.prompt_tokens.pending(encoding_);
  if (shared) {  // an earlier attempt of the job posted it
    pending_ = shared;
    return;
  }
  if (!wanted_ || ctx_.state == nullptr || !ctx_.state->counts) return;
  std::size_t bytes = 0;
  if (job_.io.client != nullptr) {
    bytes = job_.io.client->body().size();
  } else if (job_.canonical) {
    bytes = static_cast<std::size_t>(std::max<std::int64_t>(0, request_token_bound(*job_.canonical)));
  }
  if (bytes < kPoolCountBytes) return;
  PoolPrompt prompt;
  if (job_.io.client != nullptr) {
    prompt.body = job_.io.client->body();
    prompt.format = ctx_.format;
  } else {
    prompt.canonical = *job_.canonical;
  }
  // 0 when skipped or failed: "not counted".
  pending_ = ctx_.state->counts->submit(executor, bytes, std::int64_t{0},
                                        [prompt = std::move(prompt), e = encoding_] { return count_on_pool(prompt, e); });
  shared = pending_;
}

boost::asio::awaitable<std::optional<std::int64_t>> SentPrompt::value() {
  if (!value_ && pending_) {
    value_ = co_await pending_->get();
    if (*value_ > 0) job_.prompt_tokens.remember(encoding_, *value_);
    job_.prompt_tokens.pending(encoding_).reset();
    pending_.reset();
  }
  if (!value_ || *value_ <= 0) value_ = count_here();
  // 0: the tokenizer is missing (a prompt has at least the reply's priming).
  if (*value_ <= 0) co_return std::nullopt;
  co_return value_;
}

// A plain OpenAI chat or Responses body (the usual small passthrough
// request) is counted from its bytes; anything else through the job's
// decoded request.
std::int64_t SentPrompt::count_here() {
  if (!job_.canonical && job_.io.client != nullptr) {
    if (auto n = count_plain_prompt(encoding_, ctx_.format, job_.io.client->body())) {
      job_.prompt_tokens.remember(encoding_, *n);
      return *n;
    }
  }
  return job_prompt_tokens(job_, ctx_, upstream_model_);
}

boost::asio::awaitable<void> SentPrompt::note() {
  if (!counts_for_usage(ctx_.usage)) co_return;
  const std::optional<std::int64_t> n = co_await value();
  ctx_.usage.effective_context = n.value_or(0);
}

}  // namespace aisbf
