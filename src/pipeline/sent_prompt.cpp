#include "pipeline/sent_prompt.hpp"

#include <algorithm>
#include <atomic>

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "pipeline/chat_job.hpp"
#include "pipeline/condense_check.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/ingress.hpp"

namespace aisbf {

CountPool::CountPool(std::size_t threads) : pool_(std::make_unique<boost::asio::thread_pool>(threads)) {}

CountPool::~CountPool() { drain(); }

void CountPool::drain() { pool_->join(); }

// The pool's result, handed back on the attempt's executor: `wake` is only
// ever touched there, so the awaiting side needs no lock.
struct SentPrompt::Pending {
  explicit Pending(const boost::asio::any_io_executor& executor)
      : wake(executor, boost::asio::steady_timer::time_point::max()) {}
  std::optional<std::int64_t> result;
  boost::asio::steady_timer wake;
};

namespace {

std::atomic<std::uint64_t> g_pooled{0};

// The bytes of the prompts queued on the pool or being counted there. Past
// the cap a large prompt is counted where its figure is wanted instead, so
// that what clients send cannot grow the queue however slow the pool is.
constexpr std::size_t kMaxPoolBytes = 64 * 1024 * 1024;
std::atomic<std::size_t> g_pool_bytes{0};

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
  if (prompt.format == IngressFormat::openai_chat) {
    if (auto n = count_plain_prompt(encoding, prompt.body)) return *n;
  }
  auto decoded = ingress_codec(prompt.format).decode_request(prompt.body);
  return count_prompt(encoding, decoded ? &*decoded : nullptr, prompt.body);
}

}  // namespace

std::uint64_t pooled_prompt_counts() { return g_pooled.load(std::memory_order_relaxed); }

SentPrompt::SentPrompt(ChatJob& job, RequestContext& ctx, std::string_view upstream_model)
    : job_(job),
      ctx_(ctx),
      upstream_model_(upstream_model),
      encoding_(context::encoding_for_model(upstream_model).encoding) {}

SentPrompt::~SentPrompt() = default;

void SentPrompt::start(bool answer_has_usage, const boost::asio::any_io_executor& executor) {
  if (value_ || pending_) return;
  if (auto counted = job_.prompt_tokens.counted(encoding_)) {
    value_ = *counted;
    return;
  }
  if ((!answer_has_usage && !ctx_.usage.noting()) || ctx_.state == nullptr || !ctx_.state->counts) return;
  std::size_t bytes = 0;
  if (job_.io.client != nullptr) {
    bytes = job_.io.client->body().size();
  } else if (job_.canonical) {
    bytes = static_cast<std::size_t>(std::max<std::int64_t>(0, request_token_bound(*job_.canonical)));
  }
  if (bytes < kPoolCountBytes) return;
  if (g_pool_bytes.fetch_add(bytes, std::memory_order_relaxed) + bytes > kMaxPoolBytes) {
    g_pool_bytes.fetch_sub(bytes, std::memory_order_relaxed);
    return;
  }
  PoolPrompt prompt;
  if (job_.io.client != nullptr) {
    prompt.body = job_.io.client->body();
    prompt.format = ctx_.format;
  } else {
    prompt.canonical = *job_.canonical;
  }
  pending_ = std::make_shared<Pending>(executor);
  boost::asio::post(ctx_.state->counts->pool(),
                    [pending = pending_, prompt = std::move(prompt), e = encoding_, bytes]() mutable {
    // An exception must not end the pool's thread (std::terminate) nor leave the waiter asleep: 0 is "not counted".
    std::int64_t n = 0;
    // Only this task holds `pending` once its attempt is over (a failed
    // one never awaits the figure): then the count is not worth making.
    if (pending.use_count() > 1) {
      try {
        n = count_on_pool(prompt, e);
      } catch (const std::exception& ex) {
        spdlog::error("prompt count failed on the count pool: {}", ex.what());
      }
    }
    prompt = {};
    g_pool_bytes.fetch_sub(bytes, std::memory_order_relaxed);
    // The last reference travels to the executor: the timer is destroyed there, never on this thread.
    auto& executor_of = pending->wake;
    boost::asio::post(executor_of.get_executor(), [pending = std::move(pending), n] {
      pending->result = n;
      pending->wake.cancel();
    });
  });
}

boost::asio::awaitable<std::optional<std::int64_t>> SentPrompt::value() {
  if (!value_ && pending_) {
    while (!pending_->result) {
      co_await pending_->wake.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    value_ = *pending_->result;
    job_.prompt_tokens.remember(encoding_, *value_);
    pending_.reset();
  }
  if (!value_) value_ = count_here();
  // 0: the tokenizer is missing (a prompt has at least the reply's priming).
  if (*value_ <= 0) co_return std::nullopt;
  co_return value_;
}

// A plain OpenAI body (the usual small passthrough request) is counted from
// its bytes; anything else through the job's decoded request.
std::int64_t SentPrompt::count_here() {
  if (!job_.canonical && job_.io.client != nullptr && ctx_.format == IngressFormat::openai_chat) {
    if (auto n = count_plain_prompt(encoding_, job_.io.client->body())) {
      job_.prompt_tokens.remember(encoding_, *n);
      return *n;
    }
  }
  return job_prompt_tokens(job_, ctx_, upstream_model_);
}

boost::asio::awaitable<void> SentPrompt::note() {
  if (!ctx_.usage.noting()) co_return;
  const std::optional<std::int64_t> n = co_await value();
  ctx_.usage.effective_context = n.value_or(0);
}

}  // namespace aisbf
