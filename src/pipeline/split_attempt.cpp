#include "pipeline/split_attempt.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include <boost/asio/this_coro.hpp>

#include "context/request_split.hpp"
#include "context/token_count.hpp"
#include "core/log_text.hpp"
#include "pipeline/condense_check.hpp"
#include "pipeline/count_pool.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/request_deadline.hpp"
#include "pipeline/sent_prompt.hpp"
#include "pipeline/split_output.hpp"

namespace aisbf {

namespace {

void add_scanned(ScannedUsage& to, const ScannedUsage& u) {
  to.prompt_tokens += u.prompt_tokens;
  to.completion_tokens += u.completion_tokens;
  to.total_tokens += u.total_tokens;
  to.cached_tokens += u.cached_tokens;
  to.cache_write_tokens += u.cache_write_tokens;
  to.reasoning_tokens += u.reasoning_tokens;
  to.reported = to.reported || u.reported;
}

}  // namespace

bool split_near(const routing::Candidate& c, const ChatJob& job, const ChatRequest* condensed) {
  if (!c.max_request_tokens || job.io.canonical != nullptr || job.io.sink == nullptr) return false;
  if (condensed != nullptr) return request_token_bound(*condensed) > *c.max_request_tokens;
  if (job.io.client != nullptr) return body_token_bound(job.io.client->body()) > *c.max_request_tokens;
  return job.canonical && request_token_bound(*job.canonical) > *c.max_request_tokens;
}

namespace {

// What split_for_attempt decides, on the pool or here: `known` is the
// request's count when the job has it already (nullopt: count it).
SplitDecision decide_split(const ChatRequest& request, const context::Tokenizer& tokenizer, std::int64_t limit,
                           const RequestSplittingConfig& settings, std::optional<std::int64_t> known) {
  SplitDecision out;
  const context::ChatTokenCounter counter(tokenizer);
  out.prompt_tokens = known ? *known : counter.request(request);
  if (out.prompt_tokens <= limit) return out;
  auto split = context::split_request(request, {limit, settings.overlap_tokens, settings.max_chunks}, counter);
  if (!split) {
    out.refusal = split.take_error();
    return out;
  }
  out.chunks.reserve(split->size());
  for (auto& chunk : *split) {
    out.chunk_tokens.push_back(counter.request(chunk.request));  // its texts are in the count memo by now
    out.chunks.push_back(std::move(chunk.request));
  }
  return out;
}

}  // namespace

boost::asio::awaitable<std::shared_ptr<const SplitDecision>> split_for_attempt(RequestContext& ctx,
                                                                              const routing::Candidate& c,
                                                                              ChatJob& job,
                                                                              const ChatRequest* condensed) {
  static const auto as_it_is = std::make_shared<const SplitDecision>();
  const ChatRequest* request = condensed != nullptr ? condensed : decoded_request(job, ctx);
  if (request == nullptr) co_return as_it_is;  // the attempt reports the body's error
  const context::Encoding encoding = context::encoding_for_model(c.upstream_model).encoding;
  const std::int64_t limit = *c.max_request_tokens;
  for (const JobSplit& made : job.splits) {
    if (made.source == request && made.limit == limit && made.encoding == encoding) co_return made.decision;
  }
  auto tokenizer = context::tokenizer_for(encoding);
  if (!tokenizer) {
    spdlog::warn("{} request splitting skipped: {}", ctx.request_id, log_text(tokenizer.error().message));
    co_return as_it_is;
  }
  const std::optional<std::int64_t> known = condensed != nullptr ? std::nullopt : job.prompt_tokens.counted(encoding);
  const RequestSplittingConfig settings = ctx.config->request_splitting;
  std::shared_ptr<const SplitDecision> decision;
  const auto bytes = static_cast<std::size_t>(std::max<std::int64_t>(0, request_token_bound(*request)));
  if (bytes >= kPoolCountBytes && ctx.state != nullptr && ctx.state->counts) {
    // The pool's work has its own copy: this attempt may end before it does.
    // (No co_await inside the call's full-expression: GCC 12 destroys its
    // temporaries twice across the suspension.)
    const auto executor = co_await boost::asio::this_coro::executor;
    auto work = [copy = std::make_shared<const ChatRequest>(*request), t = *tokenizer, limit, settings, known] {
      return std::make_shared<const SplitDecision>(decide_split(*copy, *t, limit, settings, known));
    };
    auto result =
        ctx.state->counts->submit(executor, bytes, std::shared_ptr<const SplitDecision>(), std::move(work));
    if (result) decision = co_await result->get();
  }
  // Small, over the pool's cap, or failed there: here.
  if (!decision) decision = std::make_shared<const SplitDecision>(decide_split(*request, **tokenizer, limit, settings, known));
  if (condensed == nullptr && decision->prompt_tokens > 0) job.prompt_tokens.remember(encoding, decision->prompt_tokens);
  job.splits.push_back({request, limit, encoding, decision});
  if (decision->refusal) {
    spdlog::info("{} not split for {}: {}", ctx.request_id, log_text(c.key), log_text(decision->refusal->message));
  } else if (!decision->chunks.empty()) {
    spdlog::info("{} split for {}: {} prompt tokens into {} chunks of at most {}", ctx.request_id, log_text(c.key),
                 decision->prompt_tokens, decision->chunks.size(), limit);
  }
  co_return decision;
}

boost::asio::awaitable<RelayOutcome> serve_split(RequestContext& ctx, const PreparedCandidate& p,
                                                 const routing::Candidate& c, ChatJob& job,
                                                 std::shared_ptr<const SplitDecision> split) {
  const std::vector<ChatRequest>& chunks = split->chunks;
  // Known before the first byte: the planned chunks (aisbf_chunks says how many were sent).
  ctx.response_headers.emplace_back("x-aisbf-chunked", std::to_string(chunks.size()));
  name_dropped_tools(job, ctx);
  ClientFormatOutput client(*job.io.sink, ctx, {std::string(job.client_model), job.include_usage});
  // Each chunk's figures add up; settled once, before the joined answer's last bytes.
  ctx.quota.defer_answered();
  SplitOutput out(client, [&quota = ctx.quota] { quota.settle_deferred(); });
  // Whatever ends this frame (a cancelled coroutine too), the final settle is not left deferred.
  struct Undefer {
    QuotaTap& quota;
    ~Undefer() { quota.drop_deferred(); }
  } undefer{ctx.quota};
  RelayOutcome total;
  const std::optional<UpstreamTarget> anthropic_target = with_client_protocol_headers(p, job);
  const UpstreamTarget& target = anthropic_target ? *anthropic_target : p.target;
  for (std::size_t i = 0; i < chunks.size() && !out.ended() && !ctx.cancel.cancelled(); ++i) {
    out.begin_chunk(i + 1 == chunks.size());
    SentPrompt sent(job, ctx, c.upstream_model);
    sent.set_counted(split->chunk_tokens[i]);
    const TranslateJob translate{*p.adapter, target, *p.endpoint, within_deadline(c.timeouts, ctx), job.io.pool,
                                 &sent};
    RelayOutcome one = co_await serve_translated(out, ctx, chunks[i], translate);
    // The client left during this chunk: what it reported, else its prompt as sent (the tap's figure now).
    if (out.client_left()) ctx.quota.settle_answered(one.usage);
    add_scanned(total.usage, one.usage);
    total.effective_context = total.effective_context.value_or(0) + split->chunk_tokens[i];
    ctx.usage.effective_context = *total.effective_context;  // each chunk's note wrote its own
    if (!one.error) continue;
    total.status = one.status;
    total.error = std::move(one.error);
    total.rate_hints = std::move(one.rate_hints);
    if (client.started()) co_await out.finish(total.error);  // no-op when the stream already ended with it
    break;
  }
  total.reached_client = client.started();
  if (total.reached_client) {
    total.status = 200;
    ctx.quota.settle_deferred();  // the client left: no last bytes went out (else a no-op)
  } else {
    ctx.quota.drop_deferred();
  }
  if (!total.reached_client && total.usage.prompt_tokens + total.usage.completion_tokens > 0) {
    // Chunks answered upstream before one failed: spent, though the client
    // saw nothing (another candidate may serve it all again, or the request
    // ends here with an error: charged once either way).
    ctx.quota.add_failed_attempt(total.usage, c.prices);
  }
  if (!total.error && !out.ended() && ctx.cancel.cancelled() && !total.reached_client) {
    total.error = make_error(ErrorKind::internal, "the client left before the split request was answered");
  }
  co_return total;
}

}  // namespace aisbf
