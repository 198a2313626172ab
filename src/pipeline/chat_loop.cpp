// The attempt loop: resolve → plan → attempt, for a direct target or a
// rotation, with the shared state's verdicts and the request's deadline.
#include <optional>
#include <random>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fmt/ranges.h>

#include "api/openai/responses_ingress.hpp"
#include "core/log_text.hpp"
#include "pipeline/attempt_report.hpp"
#include "pipeline/autoselect_step.hpp"
#include "pipeline/cache_step.hpp"
#include "pipeline/capability_error.hpp"
#include "pipeline/chat_job.hpp"
#include "pipeline/condense_step.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/request_deadline.hpp"
#include "pipeline/request_metrics.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/target_gate.hpp"
#include "pipeline/usage_capture.hpp"
#include "pipeline/user_views.hpp"
#include "providers/registry.hpp"
#include "routing/resolve.hpp"
#include "routing/selector.hpp"
#include "routing/user_config.hpp"

namespace aisbf {

namespace {

using limits::Clock;

// The final error: answered to the HTTP client, or kept for the in-process caller.
boost::asio::awaitable<void> answer_error(ChatJob& job, RequestContext& ctx, const GatewayError& error) {
  note_error(ctx.usage, error);
  ctx.quota.settle();  // before the client hears: its next request finds the reservation given back
  if (job.io.sink == nullptr) {
    job.io.failure = error;
    co_return;
  }
  co_await send_error(*job.io.sink, error, ctx);
}

// The HTTP client's disconnect cancels the request (an in-process caller
// emits ctx.cancel itself).
void watch_client(ChatJob& job, RequestContext& ctx) {
  if (job.io.exchange != nullptr) job.io.exchange->watch_disconnect([&ctx] { ctx.cancel.emit(); });
}

void unwatch_client(ChatJob& job) {
  if (job.io.exchange != nullptr) job.io.exchange->stop_watch();
}

// A candidate this build or configuration cannot use (a provider type this
// build lacks, an endpoint that is no URL, a request its codec cannot
// express): nothing was sent, and another candidate may well serve.
bool candidate_unusable(const RelayOutcome& outcome) {
  return outcome.unusable || (outcome.error && outcome.error->kind == ErrorKind::unsupported);
}

}  // namespace

// Failures another attempt of the same model may get past.
bool transient_failure(const GatewayError& e) {
  return (e.kind == ErrorKind::upstream_status && (e.status >= 500 || e.status == 408)) ||
         e.kind == ErrorKind::upstream_timeout || e.kind == ErrorKind::upstream_protocol;
}

// The attempt ran out of the request's time (its timeouts were clipped to
// the deadline): it says nothing about its target.
bool cut_by_deadline(const RelayOutcome& outcome, const RequestContext& ctx) {
  return outcome.error && outcome.error->kind == ErrorKind::upstream_timeout && past_deadline(ctx);
}

void name_rotation_attempt(RequestContext& ctx, const routing::Candidate& c, int attempts) {
  ctx.response_headers.clear();
  ctx.response_headers.reserve(2);
  ctx.response_headers.emplace_back("x-aisbf-target", c.key);
  ctx.response_headers.emplace_back("x-aisbf-attempts", std::to_string(attempts));
}

AttemptRecord failed_attempt(const routing::Candidate& c, const GatewayError& error, const TargetGate& gate) {
  return {c.key, false, error.kind == ErrorKind::rate_limited, error.status, error.message, gate.blocked_for()};
}

// `listed`: the provider lists the model (or a rotation names it). A failure
// of a model it does not list leaves no health entry: any name a client
// makes up would otherwise stay in the state for good.
void settle_attempt(TargetGate& gate, const RelayOutcome& outcome, const RequestContext& ctx, bool listed) {
  if (!outcome.error) {
    gate.succeeded(outcome.usage);
  } else if (ctx.cancel.cancelled() || candidate_unusable(outcome) || outcome.undecodable ||
             cut_by_deadline(outcome, ctx) || !listed) {
    gate.abandoned();  // no verdict on the target
  } else {
    gate.failed(*outcome.error, outcome.rate_hints);
  }
}

namespace {

void log_outcome(const RequestContext& ctx, std::string_view model, std::string_view target,
                 const RelayOutcome& outcome) {
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - ctx.started);
  if (outcome.error) {
    spdlog::info("{} {} → {} failed after {} µs: {}", ctx.request_id, log_text(model), log_text(target),
                 elapsed.count(), log_text(outcome.error->message, 2 * kLogFieldBytes));
  } else if (spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug("{} {} → {} {} in {} µs, tokens {}+{}", ctx.request_id, log_text(model), log_text(target),
                  outcome.status, elapsed.count(), outcome.usage.prompt_tokens, outcome.usage.completion_tokens);
  }
}

}  // namespace

// A rate limit the gateway itself enforces, as a 429 with Retry-After.
GatewayError skipped_error(const AttemptRecord& record) {
  auto e = make_error(record.rate_limited ? ErrorKind::rate_limited : ErrorKind::unavailable,
                      fmt::format("{} is not available: {}", record.target, record.error));
  e.code = record.rate_limited ? "rate_limited" : "target_unavailable";
  if (record.retry_after) e.retry_after = retry_after_seconds(*record.retry_after);
  return e;
}

namespace {

// What a claim on `c`'s token windows counts: nothing to count without them.
std::int64_t window_tokens(ChatJob& job, const RequestContext& ctx, const routing::Candidate& c) {
  return c.tokens.any() ? job_prompt_tokens(job, ctx, c.upstream_model) : 0;
}

// `listed`: `c` is the routing table's (a model the provider lists); it
// lives as long as ctx.routes. Otherwise a candidate built for this request.
boost::asio::awaitable<void> serve_direct(ChatJob& job, RequestContext& ctx, const routing::Candidate& c,
                                          bool listed) {
  TargetGate gate(*ctx.state, *ctx.config, c, false);
  auto skip = gate.claim_now(window_tokens(job, ctx, c));
  // Watched from before a wait for a rate_limit slot: a client that leaves
  // meanwhile gives its slot's request up.
  watch_client(job, ctx);
  if (!skip && gate.must_wait()) skip = co_await wait_for_slot(gate, ctx);
  if (skip || past_deadline(ctx)) {
    unwatch_client(job);
    const GatewayError error = skip ? skipped_error(*skip) : request_timed_out(ctx);  // named: see relay.cpp
    co_return co_await answer_error(job, ctx, error);
  }
  note_attempt_start(ctx.usage, c);
  metrics_attempt_start(ctx, c, listed);
  auto outcome = co_await attempt(ctx, c, job, listed);
  note_attempt_end(ctx.usage, outcome);
  metrics_attempt_end(ctx, outcome);
  unwatch_client(job);
  settle_attempt(gate, outcome, ctx, listed);
  log_outcome(ctx, job.client_model, c.key, outcome);
  if (outcome.error && !outcome.reached_client) {
    const GatewayError error = cut_by_deadline(outcome, ctx) ? request_timed_out(ctx) : *outcome.error;
    co_await answer_error(job, ctx, error);
  }
}

// A model the provider does not list: its candidate is built for this request.
boost::asio::awaitable<void> serve_unlisted(ChatJob& job, RequestContext& ctx, routing::Candidate c) {
  co_await serve_direct(job, ctx, c, false);
}

boost::asio::awaitable<void> fail(ChatJob& job, RequestContext& ctx, GatewayError error) {
  co_await answer_error(job, ctx, error);
}

// What a request needs from models that declare capabilities: tools from
// the envelope scan or the decoded request; images from the decoded
// request's content blocks (decoded here when not yet, and kept: a
// translating candidate reuses it). A body the codec cannot decode needs
// nothing: the upstream will judge it.
routing::RequestNeeds request_needs(ChatJob& job, const RequestContext& ctx) {
  routing::RequestNeeds needs;
  needs.tools = job.envelope != nullptr ? job.envelope->has_tools : job.canonical && !job.canonical->tools.empty();
  if (decoded_request(job, ctx) == nullptr) return needs;
  for (const auto& message : job.canonical->messages) {
    for (const auto& block : message.content) needs.images = needs.images || std::holds_alternative<ImageBlock>(block);
  }
  return needs;
}

}  // namespace

std::uint64_t selection_seed(RequestContext& ctx) {
  auto n = ctx.state->selections.fetch_add(1, std::memory_order_relaxed);
  if (ctx.config->routing.seed) return *ctx.config->routing.seed + n * 0x9e3779b97f4a7c15ull;
  thread_local routing::SplitMix64 seeds{std::random_device{}()};
  return seeds.next();
}

namespace {

// `notifyerrors`: the error text as an ordinary answer in the client's format.
boost::asio::awaitable<void> send_notify(ResponseSink& sink, RequestContext& ctx, const ChatJob& job,
                                         const GatewayError& error) {
  const IngressCodec& codec = ingress_codec(ctx.format);
  ChatResponse response = notify_response(error);
  response.id = "aisbf-" + ctx.request_id;
  response.model = job.client_model;
  const EgressContext egress{std::string(job.client_model), job.include_usage};
  HeaderList extra{{"x-request-id", ctx.request_id}};
  ctx.quota.settle();
  if (!job.stream) {
    co_await sink.send(200, "application/json", codec.encode_response(response, egress), extra);
    co_return;
  }
  auto encoder = codec.make_stream_encoder(egress);
  std::string out = encoder->on_event(StreamStart{response.id, response.model, response.created});
  out += encoder->on_event(TextDelta{error.message});
  out += encoder->on_event(FinishEvent{FinishReason::stop});
  if (job.include_usage) out += encoder->on_event(UsageEvent{});
  out += encoder->on_end(std::nullopt);
  extra.emplace_back("Cache-Control", "no-cache");
  if (co_await sink.begin_stream(200, "text/event-stream", extra) && co_await sink.write(out)) {
    co_await sink.end();
  }
}

// Records for the candidates never tried, so that the final error says why.
void note_untried(const routing::AttemptPlanner& planner, const routing::RotationPlan& plan, RequestContext& ctx,
                  std::vector<AttemptRecord>& records) {
  const auto now = Clock::now();
  for (std::size_t i = 0; i < plan.candidates.size(); ++i) {
    if (planner.tries(i) > 0) continue;
    const auto& c = plan.candidates[i];
    if (!planner.capable(i)) {
      records.push_back({c.key, true, false, 0, "it does not declare the capabilities this request needs", {}});
    } else if (auto why = unavailable_reason(*ctx.state, *ctx.config, c, true, now)) {
      records.push_back(std::move(*why));
    }
  }
}

// A candidate not tried yet would take the client's body as it is: a body
// only passthrough can carry (fields translation has no form for) is then
// still served, whatever the rotation's order.
bool passthrough_untried(const ChatJob& job, const RequestContext& ctx, const routing::RotationPlan& plan,
                         const routing::AttemptPlanner& planner) {
  const BodyFormat client = body_format(ctx.format);
  for (std::size_t i = 0; i < plan.candidates.size(); ++i) {
    if (planner.tries(i) > 0 || !planner.capable(i)) continue;
    const ProviderConfig& provider = *plan.candidates[i].provider;
    const ProviderAdapter* adapter = find_provider_adapter(provider.type, provider.api);
    UpstreamTarget target;
    target.provider_type = provider.type;
    if (adapter != nullptr && may_pass_through(job, *adapter, target, client)) return true;
  }
  return false;
}

// How the loop over a rotation's candidates ended, short of an answer.
struct LoopEnd {
  bool answered = false;                     // an attempt's answer (or part of it) went out
  bool timed_out = false;                    // the request's deadline passed
  std::optional<GatewayError> final_error;   // the request itself is wrong
  std::optional<GatewayError> undecodable;   // a translating candidate could not decode the body (its 400)
};

// One pass of the failover loop; `records` collect what each attempt came to.
boost::asio::awaitable<LoopEnd> try_candidates(ChatJob& job, RequestContext& ctx, const routing::RotationPlan& plan,
                                               routing::AttemptPlanner& planner, std::vector<AttemptRecord>& records) {
  const auto& candidates = plan.candidates;
  LoopEnd end;
  bool body_taken = false;  // a candidate was sent the body (passed through, or decoded)
  while (!ctx.cancel.cancelled()) {
    if (past_deadline(ctx)) {
      end.timed_out = true;
      break;
    }
    auto index = next_available(ctx, plan, planner);
    if (!index) break;
    const routing::Candidate& c = candidates[*index];
    TargetGate gate(*ctx.state, *ctx.config, c, true);
    auto skip = co_await claim_slot(gate, ctx, window_tokens(job, ctx, c));
    if (skip) {
      records.push_back(std::move(*skip));
      planner.skipped(*index);
      continue;
    }
    if (past_deadline(ctx)) {
      end.timed_out = true;  // the gate, dropped unsettled, releases its claims
      break;
    }
    name_rotation_attempt(ctx, c, planner.attempts());
    note_attempt_start(ctx.usage, c);
    metrics_attempt_start(ctx, c, true);
    auto outcome = co_await attempt(ctx, c, job, true);
    if (!outcome.undecodable) {
      // A candidate took the body: from now on its failures, not the body's, are the answer.
      body_taken = true;
      end.undecodable.reset();
    }
    note_attempt_end(ctx.usage, outcome);
    metrics_attempt_end(ctx, outcome);
    settle_attempt(gate, outcome, ctx, true);
    log_outcome(ctx, job.client_model, c.key, outcome);
    if (!outcome.error || outcome.reached_client || ctx.cancel.cancelled()) {
      end.answered = true;
      break;
    }
    if (cut_by_deadline(outcome, ctx)) {
      end.timed_out = true;
      break;
    }
    const GatewayError& error = *outcome.error;
    records.push_back(failed_attempt(c, error, gate));
    if (!error.retryable && !candidate_unusable(outcome)) {
      if (outcome.undecodable && (body_taken || passthrough_untried(job, ctx, plan, planner))) {
        // Nothing was sent: the attempt is given back (max_attempts counts
        // requests), and a candidate that takes the body as it is goes on.
        if (!body_taken) end.undecodable = error;
        planner.skipped(*index);
        continue;
      }
      end.final_error = error;  // the request itself is wrong: another candidate would say the same
      break;
    }
    planner.failed(*index, transient_failure(error));
    metrics_failover(ctx);  // counted when the loop goes on to another candidate
  }
  co_return end;
}

boost::asio::awaitable<void> serve_rotation(ChatJob& job, RequestContext& ctx, const routing::RotationPlan& plan) {
  const auto& candidates = plan.candidates;
  bool declared = false;
  for (const auto& c : candidates) declared = declared || !c.capabilities.empty();
  const routing::RequestNeeds needs = declared ? request_needs(job, ctx) : routing::RequestNeeds{};
  routing::AttemptPlanner planner(candidates, needs, plan.max_attempts, plan.max_attempts_per_model,
                                  selection_seed(ctx));
  if (!planner.any_capable() && !candidates.empty()) {
    const auto error = unsupported_capability(fmt::format("model of rotation '{}'", plan.rotation->id), needs);
    co_return co_await answer_error(job, ctx, error);
  }
  std::vector<AttemptRecord> records;
  watch_client(job, ctx);
  const LoopEnd end = co_await try_candidates(job, ctx, plan, planner, records);
  unwatch_client(job);
  if (end.answered || ctx.cancel.cancelled()) co_return;
  if (end.final_error) co_return co_await answer_error(job, ctx, *end.final_error);
  // No candidate that takes the body as it is served: the body's own fault is the answer.
  if (end.undecodable) co_return co_await answer_error(job, ctx, *end.undecodable);
  if (job.size_refusal && job.size_refusals == planner.attempts()) {  // every candidate: too large (a 400)
    co_return co_await answer_error(job, ctx, *job.size_refusal);
  }
  if (end.timed_out) {
    auto error = request_timed_out(ctx);
    error.message += fmt::format(" ({} attempts)", planner.attempts());
    co_return co_await answer_error(job, ctx, error);
  }
  note_untried(planner, plan, ctx, records);
  auto error = all_candidates_failed(plan.rotation->id, records);
  spdlog::warn("{} {}: {}", ctx.request_id, log_text(job.client_model), log_text(error.message, 3 * kLogFieldBytes));
  if (plan.notifyerrors && job.io.sink != nullptr) {
    note_error(ctx.usage, error);
    co_return co_await send_notify(*job.io.sink, ctx, job, error);
  }
  co_await answer_error(job, ctx, error);
}

}  // namespace

// Not a coroutine: it hands over the coroutine that serves the request.
// A rotation's estimate is priced at its dearest candidate's prompt and
// completion prices: whichever serves, the reservation covers it.
static std::optional<routing::ModelPrices> highest_prices(const std::vector<routing::Candidate>& candidates) {
  std::optional<routing::ModelPrices> out;
  for (const auto& c : candidates) routing::raise_prices(out, c.prices);
  return out;
}

// `upstream_model`: the first candidate's, whose encoding the estimate counts in.
static std::optional<GatewayError> reserve_quota(ChatJob& job, RequestContext& ctx,
                                                 const std::optional<routing::ModelPrices>& prices,
                                                 std::string_view upstream_model) {
  if (ctx.usage.quota_held) return std::nullopt;  // reserved before an autoselect's choice
  const std::string_view body = job.io.client != nullptr ? std::string_view(job.io.client->body()) : std::string_view{};
  return ctx.quota.reserve(
      ctx.principal, body, [&] { return job_prompt_tokens(job, ctx, upstream_model); }, prices, ctx.usage);
}

std::optional<GatewayError> decode_client_body(ChatJob& job, IngressFormat format) {
  if (job.canonical || job.io.client == nullptr) return std::nullopt;
  if (job.decode_refusal) return job.decode_refusal;  // decoded once: the body has not changed
  const std::string_view body = job.io.client->body();
  if (format == IngressFormat::openai_responses) {
    auto decoded = api::decode_responses_request(body);
    if (!decoded) return job.decode_refusal = decoded.take_error();
    job.canonical = std::move(decoded->request);
    job.dropped_tools = std::move(decoded->dropped_tools);
    return std::nullopt;
  }
  auto decoded = ingress_codec(format).decode_request(body);
  if (!decoded) return job.decode_refusal = decoded.take_error();
  job.canonical = std::move(*decoded);
  return std::nullopt;
}

const ChatRequest* decoded_request(ChatJob& job, const RequestContext& ctx) {
  (void)decode_client_body(job, ctx.format);
  return job.canonical ? &*job.canonical : nullptr;
}

void name_dropped_tools(const ChatJob& job, RequestContext& ctx) {
  if (job.dropped_tools.empty()) return;
  // Per attempt (the loop clears response_headers): a passthrough candidate
  // after this one drops nothing.
  ctx.response_headers.emplace_back("x-aisbf-dropped-tools", fmt::format("{}", fmt::join(job.dropped_tools, ",")));
}

std::int64_t job_prompt_tokens(ChatJob& job, const RequestContext& ctx, std::string_view upstream_model) {
  const std::string_view body = job.io.client != nullptr ? std::string_view(job.io.client->body()) : std::string_view{};
  return job.prompt_tokens.count(decoded_request(job, ctx), body, upstream_model);
}

// Not a coroutine: a resolved rotation or provider model, served.
static boost::asio::awaitable<void> serve_uncached(ChatJob& job, RequestContext& ctx,
                                                   const routing::Resolution& resolved) {
  if (resolved.in_user_view) serve_from_user_view(ctx);  // a user's own target: their view's table
  if (resolved.rotation != nullptr) {
    const auto* plan = ctx.routes->rotation(resolved.rotation->id);
    if (plan == nullptr) {  // a snapshot mismatch would be a bug: say so rather than crash
      return fail(job, ctx, make_error(ErrorKind::internal, "rotation table out of date"));
    }
    ctx.usage.rotation = plan->rotation->id;
    const std::string_view first =
        plan->candidates.empty() ? std::string_view{} : plan->candidates.front().upstream_model;
    if (auto refused = reserve_quota(job, ctx, highest_prices(plan->candidates), first))
      return fail(job, ctx, *refused);
    return serve_rotation(job, ctx, *plan);
  }
  std::optional<routing::Candidate> scratch;
  const routing::Candidate& c = ctx.routes->direct(resolved.target, scratch);
  if (auto refused = reserve_quota(job, ctx, c.prices, c.upstream_model)) return fail(job, ctx, *refused);
  if (!scratch) return serve_direct(job, ctx, c, true);  // the table's: lives as long as ctx.routes
  return serve_unlisted(job, ctx, std::move(*scratch));
}

// Through the response cache when one may apply (cache_step.hpp): a test
// of one flag when the snapshot uses none. Not a coroutine.
static boost::asio::awaitable<void> serve_resolved(ChatJob& job, RequestContext& ctx,
                                                   const routing::Resolution& resolved,
                                                   const AutoselectConfig* autoselect) {
  if (cache_may_apply(job, ctx)) return serve_cached(job, ctx, resolved, autoselect, &serve_uncached);
  return serve_uncached(job, ctx, resolved);
}

// An autoselect's choice made: logged, named in its header and usage row,
// then served like any model id. Not a coroutine.
boost::asio::awaitable<void> serve_choice(ChatJob& job, RequestContext& ctx, const AutoselectConfig& autoselect,
                                          Expected<AutoselectChoice>& choice) {
  if (!choice) return fail(job, ctx, choice.take_error());
  // A fresh decision is news; a cached one repeats the conversation's
  // first (it was logged then), so it waits for debug: formatting it on
  // every turn was a fifth of the cached path's added instructions.
  const bool fresh = choice->by != "cache" && choice->by != "only";
  const auto level = fresh ? spdlog::level::info : spdlog::level::debug;
  if (spdlog::should_log(level)) {
    spdlog::log(level, "{} autoselect {} chose {} (by {})", ctx.request_id, log_text(autoselect.id),
                log_text(choice->candidate), choice->by);
  }
  std::string chosen_value;  // "<candidate>; by=<how>", without a format call on every turn
  chosen_value.reserve(choice->candidate.size() + 5 + choice->by.size());
  ((chosen_value += choice->candidate) += "; by=") += choice->by;
  ctx.choice_headers.emplace_back("x-aisbf-autoselected", std::move(chosen_value));
  ctx.usage.autoselected = choice->candidate;
  ctx.usage.autoselected_by = choice->by;
  if (choice->resolved != nullptr) return serve_resolved(job, ctx, *choice->resolved, &autoselect);
  auto resolved = routing::resolve_chat(*ctx.config, {ctx.namespace_user, ctx.user_view.get()}, {}, choice->target);
  if (resolved && resolved->autoselect != nullptr) {
    return fail(job, ctx, make_error(ErrorKind::internal, "an autoselect chose an autoselect"));
  }
  if (!resolved) return fail(job, ctx, resolved.take_error());
  return serve_resolved(job, ctx, *resolved, &autoselect);
}

// A choice that may ask the classifiers or the selection model.
boost::asio::awaitable<void> serve_asked(ChatJob& job, RequestContext& ctx, const AutoselectConfig& autoselect) {
  watch_client(job, ctx);  // a client that leaves stops the selection calls
  auto choice = co_await choose_autoselect_target(job, ctx, autoselect);
  unwatch_client(job);
  co_await serve_choice(job, ctx, autoselect, choice);
}

// An autoselect (autoselect_step.hpp). Not a coroutine: a choice that asks
// nobody (a cached decision above all) is made here and its target served
// without a coroutine frame, or a watch of the client, of its own.
boost::asio::awaitable<void> serve_autoselect(ChatJob& job, RequestContext& ctx, const AutoselectConfig& autoselect) {
  // Reserved before the selection and classification calls, so that they
  // are charged to the request (and refused with it when over quota),
  // priced at the dearest target it may choose (the settlement uses the
  // served one's).
  if (auto refused = reserve_quota(job, ctx, autoselect_highest_prices(ctx, autoselect), {})) {
    return fail(job, ctx, *refused);
  }
  if (auto made = autoselect_choice_without_calls(job, ctx, autoselect)) return serve_choice(job, ctx, autoselect, *made);
  return serve_asked(job, ctx, autoselect);
}

boost::asio::awaitable<void> run_chat_job(ChatJob& job, RequestContext& ctx, std::string_view scope) {
  arm_deadline(ctx);
  auto resolved =
      routing::resolve_chat(*ctx.config, {ctx.namespace_user, ctx.user_view.get()}, scope, job.client_model);
  if (!resolved) return fail(job, ctx, resolved.take_error());
  if (resolved->autoselect != nullptr) return serve_autoselect(job, ctx, *resolved->autoselect);
  return serve_resolved(job, ctx, *resolved, nullptr);
}

}  // namespace aisbf
