#include "pipeline/condense_step.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/condensation.hpp"
#include "context/tokenizer.hpp"
#include "core/log_text.hpp"
#include "pipeline/condense_llm.hpp"

namespace aisbf {

namespace {

std::optional<std::int64_t> threshold_of(const routing::Candidate& c) {
  if (c.condense_methods.empty()) return std::nullopt;
  return condense_threshold(c.condense_context, c.context_size);
}

// "hierarchical,semantic"
std::string method_list(const std::vector<context::CondenseMethod>& methods) {
  std::string out;
  for (auto m : methods) {
    if (!out.empty()) out += ',';
    out += context::condense_method_name(m);
  }
  return out;
}

std::string condensed_header(const CondenseOutcome& outcome) {
  return fmt::format("methods={}; before={}; after={}", method_list(outcome.ran), outcome.before, outcome.after);
}

const CondenseOutcome* find_outcome(const CondenseMemo& memo, const routing::Candidate& c, const CondenseLimits& limits,
                                    context::Encoding encoding, std::string_view asked) {
  for (const auto& o : memo.outcomes) {
    if (o.methods == c.condense_methods && o.limits.goal == limits.goal && o.limits.hard_limit == limits.hard_limit &&
        o.encoding == encoding && o.asked == asked) {
      return &o;
    }
  }
  return nullptr;
}

}  // namespace

bool condense_near(const routing::Candidate& c, const ChatJob& job) {
  if (!job.condensable) return false;
  const auto threshold = threshold_of(c);
  if (!threshold) return false;
  // max_tokens from what is at hand without decoding: the envelope's scan,
  // else the request already decoded (legacy completions, in-process calls).
  std::optional<std::int64_t> max_tokens;
  if (job.envelope != nullptr) {
    max_tokens = job.envelope->max_tokens;
  } else if (job.canonical) {
    max_tokens = job.canonical->max_tokens;
  }
  std::int64_t bound = 0;
  if (job.io.client != nullptr) {
    bound = body_token_bound(job.io.client->body());
  } else if (job.canonical) {
    bound = request_token_bound(*job.canonical);
  } else {
    return false;
  }
  return may_need_condensing(bound, *threshold, *c.context_size, max_tokens);
}

// A client's max_tokens may be any int64.
std::int64_t saturating_sum(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? std::numeric_limits<std::int64_t>::max() : sum;
}

GatewayError context_length_error(const CondenseOutcome& outcome, std::optional<std::int64_t> max_tokens,
                                  std::int64_t context_size) {
  std::string message = max_tokens
                            ? fmt::format(
                                  "This model's maximum context length is {} tokens. However, you requested {} tokens "
                                  "({} in the messages, {} in the completion). Please reduce the length of the "
                                  "messages or completion.",
                                  context_size, saturating_sum(outcome.before, *max_tokens), outcome.before,
                                  *max_tokens)
                            : fmt::format(
                                  "This model's maximum context length is {} tokens. However, your messages resulted "
                                  "in {} tokens. Please reduce the length of the messages.",
                                  context_size, outcome.before);
  if (!outcome.methods.empty()) {
    message += fmt::format(" (Condensation with {} brought the messages to {} tokens at best.)",
                           method_list(outcome.methods), outcome.after);
  }
  auto e = make_error(ErrorKind::invalid_request, std::move(message));
  e.code = "context_length_exceeded";
  e.param = "messages";
  return e;
}

boost::asio::awaitable<CondenseOutcome> run_condense_methods(const ChatRequest& request, std::int64_t tokens,
                                                             std::vector<context::CondenseMethod> methods,
                                                             CondenseLimits limits, const context::TokenCounter& count,
                                                             ModelMethod ask_model) {
  CondenseOutcome out;
  out.methods = methods;
  out.limits = limits;
  out.before = out.after = tokens;
  std::optional<ChatRequest> current;  // the latest condensed form; unset: the request itself
  const context::CondenseGoal goal{limits.goal};
  for (auto method : methods) {
    if (out.after <= limits.goal || limits.hard_limit <= 0) break;  // done, or max_tokens alone fills the context
    const ChatRequest& input = current ? *current : request;
    std::optional<ChatRequest> next;
    if (context::needs_model(method)) {
      next = co_await ask_model(method, input, goal);
    } else {
      next = context::condense_locally(method, input, goal, count);
    }
    if (!next) continue;
    const std::int64_t n = count.request(*next);
    if (n >= out.after) continue;  // removed nothing: the request it had stays
    current = std::move(next);
    out.after = n;
    out.ran.push_back(method);
  }
  if (out.after > limits.hard_limit) {
    out.refusal = context_length_error(out, request.max_tokens, limits.context_size);
  } else if (current) {
    out.request = std::move(current);
    out.header = condensed_header(out);
  }
  co_return out;
}

boost::asio::awaitable<const CondenseOutcome*> condense_for_attempt(RequestContext& ctx, const routing::Candidate& c,
                                                                    ChatJob& job) {
  const ChatRequest* request = decoded_request(job, ctx);
  if (request == nullptr) co_return nullptr;  // the attempt reports the body's error
  const auto encoding = context::encoding_for_model(c.upstream_model).encoding;
  auto tokenizer = context::tokenizer_for(encoding);
  if (!tokenizer) {
    spdlog::warn("{} condensation skipped: {}", ctx.request_id, log_text(tokenizer.error().message));
    co_return nullptr;
  }
  const context::ChatTokenCounter counter(**tokenizer);
  if (!job.condense) job.condense = std::make_unique<CondenseMemo>();
  CondenseMemo& memo = *job.condense;
  // One count per encoding per job, shared with token windows and quotas.
  const std::int64_t tokens = job_prompt_tokens(job, ctx, c.upstream_model);
  const auto limits = condense_limits(*threshold_of(c), *c.context_size, request->max_tokens);
  // Below the threshold and fitting beside max_tokens: nothing to do.
  if (tokens < limits.threshold && tokens <= limits.hard_limit) co_return nullptr;
  const bool asks_own_model =
      !has_condensation_target(ctx.config->condensation) &&
      std::any_of(c.condense_methods.begin(), c.condense_methods.end(), context::needs_model);
  const std::string_view asked = asks_own_model ? std::string_view(c.key) : std::string_view{};
  const CondenseOutcome* found = find_outcome(memo, c, limits, encoding, asked);
  if (found == nullptr) {
    ModelMethod ask = [&](context::CondenseMethod method, const ChatRequest& input, const context::CondenseGoal& goal) {
      return condense_with_model({method, goal, counter, c.key}, input, ctx, job.io.pool);
    };
    auto outcome = co_await run_condense_methods(*request, tokens, c.condense_methods, limits, counter, ask);
    outcome.encoding = encoding;
    outcome.asked = asked;
    found = &memo.outcomes.emplace_back(std::move(outcome));
    spdlog::info("{} condensed for {}: {} → {} tokens by [{}]{}", ctx.request_id, log_text(c.key), found->before,
                 found->after, found->header, found->refusal ? ", still too long" : "");
  }
  co_return found;
}

}  // namespace aisbf
