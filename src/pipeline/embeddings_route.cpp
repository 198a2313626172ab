#include "pipeline/embeddings_route.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/openai/embeddings_ingress.hpp"
#include "context/token_count.hpp"
#include "core/log_text.hpp"
#include "pipeline/attempt_report.hpp"
#include "pipeline/capability_error.hpp"
#include "pipeline/chat_job.hpp"
#include "pipeline/embeddings_call.hpp"
#include "pipeline/prepared_candidate.hpp"
#include "pipeline/prompt_tokens.hpp"
#include "pipeline/request_deadline.hpp"
#include "pipeline/request_metrics.hpp"
#include "pipeline/resolved_targets.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/sent_prompt.hpp"
#include "pipeline/target_gate.hpp"
#include "pipeline/usage_capture.hpp"
#include "pipeline/user_views.hpp"
#include "providers/openai/openai_adapter.hpp"
#include "providers/registry.hpp"
#include "routing/resolve.hpp"
#include "routing/selector.hpp"
#include "routing/user_config.hpp"
#include "store/usage_recorder.hpp"

namespace aisbf {

namespace {

constexpr std::string_view kOperation = "create embeddings";

struct EmbeddingsJob {
  const api::EmbeddingsIngress& in;
  ResponseSink& sink;
  http::Exchange& ex;
  bool estimated = false;  // the served attempt's prompt tokens are the gateway's count
  // The inputs' token counts by encoding, counted once: a rotation's
  // candidates of one encoding share the count its gates and quota ask for.
  std::vector<std::pair<context::Encoding, std::int64_t>> counted;
};

// What one attempt came to: its outcome (error, usage) and, when it
// succeeded, the answer to send.
struct Attempted {
  RelayOutcome outcome;
  std::string answer;
  bool estimated = false;
};

bool passes_through(const ProviderAdapter& adapter) { return adapter.passthrough_format() == BodyFormat::openai_chat; }

// Why `c` can never serve this request; nullopt when it may (a type this
// build lacks is left to prepare_candidate, which says so).
std::optional<std::string> cannot_embed(const routing::Candidate& c, const api::EmbeddingsIngress& in) {
  const ProviderAdapter* adapter = find_provider_adapter(c.provider->type, c.provider->api);
  if (adapter == nullptr) return std::nullopt;
  if (!adapter->embeds()) {
    // `"api": "responses"` speaks the Responses API alone (the ChatGPT backend has no embeddings).
    if (c.provider->api != "chat")
      return fmt::format("provider type '{}' with api '{}' has no embeddings API", c.provider->type, c.provider->api);
    return fmt::format("provider type '{}' has no embeddings API", c.provider->type);
  }
  if (in.tokens && !passes_through(*adapter))
    return fmt::format("provider type '{}' embeds texts, not token arrays", c.provider->type);
  return std::nullopt;
}

// The prompt's tokens as the gateway counts them in `upstream_model`'s
// encoding: for a quota's estimate (here, on the loop) and for an answer
// that reported none (off the loop when large).
std::string joined_texts(const api::EmbeddingsIngress& in) {
  std::string all;
  for (const auto& t : in.request.inputs) (all += t) += '\n';
  return all;
}

std::int64_t estimate_tokens(EmbeddingsJob& job, std::string_view upstream_model) {
  const api::EmbeddingsIngress& in = job.in;
  if (in.tokens) return in.token_count;
  const auto encoding = context::encoding_for_model(upstream_model).encoding;
  for (const auto& [known, n] : job.counted) {
    if (known == encoding) return n;
  }
  auto tokenizer = chat_tokenizer(encoding);
  if (!tokenizer) return 0;
  std::int64_t n = 0;
  for (const auto& t : in.request.inputs) n += static_cast<std::int64_t>((*tokenizer)->count(t));
  job.counted.emplace_back(encoding, n);
  return n;
}

boost::asio::awaitable<std::int64_t> counted_tokens(RequestContext& ctx, EmbeddingsJob& job,
                                                    std::string_view upstream_model) {
  if (job.in.tokens) co_return job.in.token_count;
  // Named: a temporary in a co_await's full-expression is destroyed twice (GCC 12).
  const auto encoding = context::encoding_for_model(upstream_model).encoding;
  for (const auto& [known, n] : job.counted) {
    if (known == encoding) co_return n;
  }
  std::string all = joined_texts(job.in);
  const std::int64_t n = co_await count_text_off_loop(ctx, std::move(all), encoding);
  job.counted.emplace_back(encoding, n);
  co_return n;
}

ScannedUsage prompt_usage(std::int64_t prompt_tokens) {
  ScannedUsage u;
  u.prompt_tokens = prompt_tokens;
  u.total_tokens = prompt_tokens;
  u.reported = true;  // no answer tokens to estimate: an embedding's answer is not text
  return u;
}

GatewayError upstream_error(const PreparedCandidate& p, const UpstreamAnswer& answer) {
  auto error = p.adapter->classify_error(answer.status, answer.body, p.target);
  if (!answer.retry_after.empty()) error.retry_after = answer.retry_after;
  return error;
}

// An OpenAI-compatible upstream: the client's body, `model` replaced, to
// the adapter's embeddings path; the answer relayed (base64 made when the
// client asked for it and got floats).
boost::asio::awaitable<Attempted> attempt_passthrough(RequestContext& ctx, EmbeddingsJob& job,
                                                      const PreparedCandidate& p, const routing::Candidate& c) {
  Attempted a;
  // The adapter's path and headers (openai_embeddings.cpp's), made here:
  // its encode_embeddings would also serialize a body this path replaces.
  UpstreamRequest encoded;
  encoded.path_suffix = openai::operation_path(p.target, "embeddings");
  encoded.headers = p.auth_headers;
  encoded.headers.emplace_back("Content-Type", "application/json");
  // Azure names a deployment, not a model; elsewhere deployment is empty.
  const std::string& model = p.target.deployment.empty() ? p.target.upstream_model : p.target.deployment;
  encoded.body = api::passthrough_embeddings_body(job.ex.request().body(), job.in, model);
  const EmbeddingsUpstream up{p, within_deadline(c.timeouts, ctx), nullptr};
  auto answer = co_await embeddings_upstream_call(ctx, job.ex.upstream_pool(), up, encoded,
                                                  ctx.config->server.max_upstream_body_bytes);
  if (!answer) {
    a.outcome.error = answer.take_error();
    co_return a;
  }
  if (answer->status < 200 || answer->status >= 300) {
    a.outcome.error = upstream_error(p, *answer);
    co_return a;
  }
  // Some OpenAI-compatible servers answer 200 with `{"error": …}`: no
  // `data`, no embeddings, a failure to fail over from, not an answer.
  const auto start = answer->body.find_first_not_of(" \t\r\n");
  if (start == std::string::npos || answer->body[start] != '{' || answer->body.find("\"data\"") == std::string::npos) {
    a.outcome.error = make_error(
        ErrorKind::upstream_protocol,
        fmt::format("{} answered embeddings with no `data`: {}", p.target.provider_id, log_text(answer->body, 120)));
    co_return a;
  }
  UsageScanner scanner(UsageScanner::Wire::openai);
  ScannedUsage reported;
  if (scanner.read(answer->body, reported) && reported.prompt_tokens > 0) {
    a.outcome.usage = prompt_usage(reported.prompt_tokens);
  } else {
    a.outcome.usage = prompt_usage(co_await counted_tokens(ctx, job, c.upstream_model));
    a.estimated = true;
  }
  if (job.in.base64) {
    if (auto converted = api::embeddings_as_base64(answer->body)) answer->body = std::move(*converted);
  }
  a.answer = std::move(answer->body);
  co_return a;
}

// Gemini, Ollama: the texts through the adapter's codec, the answer in OpenAI's shape.
boost::asio::awaitable<Attempted> attempt_translated(RequestContext& ctx, EmbeddingsJob& job,
                                                     const PreparedCandidate& p, const routing::Candidate& c) {
  Attempted a;
  EmbeddingsUpstream up{p, within_deadline(c.timeouts, ctx), nullptr};
  up.max_bytes = ctx.config->server.max_upstream_body_bytes;  // the batches' answers together, as one passthrough
  auto got = co_await embed_in_batches(ctx, job.ex.upstream_pool(), up, job.in.request);
  if (!got) {
    a.outcome.error = got.take_error();
    co_return a;
  }
  std::int64_t tokens = got->prompt_tokens.value_or(0);
  if (!got->prompt_tokens) {
    tokens = co_await counted_tokens(ctx, job, c.upstream_model);
    a.estimated = true;
  }
  a.outcome.usage = prompt_usage(tokens);
  a.answer = api::encode_embeddings_response(*got, job.in.model, job.in.base64, tokens);
  co_return a;
}

boost::asio::awaitable<Attempted> attempt(RequestContext& ctx, EmbeddingsJob& job, const routing::Candidate& c,
                                          bool in_table) {
  std::optional<PreparedCandidate> own;
  auto p = prepare_for_attempt(ctx.routes, c, in_table, own);
  if (!p) {
    Attempted a;
    a.outcome.error = p.take_error();
    a.outcome.unusable = true;
    co_return a;
  }
  if (passes_through(*(*p)->adapter)) co_return co_await attempt_passthrough(ctx, job, **p, c);
  co_return co_await attempt_translated(ctx, job, **p, c);
}

// One attempt with its bookkeeping: the usage tap, metrics, the verdict.
boost::asio::awaitable<Attempted> run_attempt(RequestContext& ctx, EmbeddingsJob& job, const routing::Candidate& c,
                                              TargetGate& gate, bool listed) {
  note_attempt_start(ctx.usage, c);
  metrics_attempt_start(ctx, c, listed);
  Attempted a = co_await attempt(ctx, job, c, listed);
  if (!a.outcome.error) a.outcome.status = 200;
  note_attempt_end(ctx.usage, a.outcome);
  metrics_attempt_end(ctx, a.outcome);
  settle_attempt(gate, a.outcome, ctx, listed);
  if (a.outcome.error) {
    spdlog::info("{} embeddings {} → {} failed: {}", ctx.request_id, log_text(job.in.model), log_text(c.key),
                 log_text(a.outcome.error->message, 2 * kLogFieldBytes));
  }
  co_return a;
}

boost::asio::awaitable<void> fail(RequestContext& ctx, EmbeddingsJob& job, const GatewayError& error) {
  note_error(ctx.usage, error);
  ctx.quota.settle();  // before the client hears: its next request finds the reservation given back
  co_await send_error(job.sink, error, ctx);
}

boost::asio::awaitable<void> deliver(RequestContext& ctx, EmbeddingsJob& job, Attempted& a) {
  job.estimated = a.estimated;
  ctx.quota.settle_answered(a.outcome.usage);
  const HeaderList extra = answer_headers(ctx, false);
  co_await job.sink.send(200, "application/json", a.answer, extra);
}

boost::asio::awaitable<void> serve_direct(RequestContext& ctx, EmbeddingsJob& job, const routing::Candidate& c,
                                          bool listed) {
  if (auto why = cannot_embed(c, job.in)) {
    const GatewayError error = unsupported_operation(job.in.model, kOperation, *why);  // named: GCC 12
    co_return co_await fail(ctx, job, error);
  }
  TargetGate gate(*ctx.state, *ctx.config, c, false);
  auto skip = co_await claim_slot(gate, ctx, c.tokens.any() ? estimate_tokens(job, c.upstream_model) : 0);
  if (skip || past_deadline(ctx)) {
    const GatewayError error = skip ? skipped_error(*skip) : request_timed_out(ctx);  // named: GCC 12
    co_return co_await fail(ctx, job, error);
  }
  Attempted a = co_await run_attempt(ctx, job, c, gate, listed);
  if (ctx.cancel.cancelled()) co_return;
  if (!a.outcome.error) co_return co_await deliver(ctx, job, a);
  const GatewayError error = cut_by_deadline(a.outcome, ctx) ? request_timed_out(ctx) : *a.outcome.error;
  co_await fail(ctx, job, error);
}

// How the loop over a rotation's candidates ended, short of an answer.
struct LoopEnd {
  bool answered = false;
  bool timed_out = false;
  std::optional<GatewayError> final_error;  // the request itself is wrong
};

boost::asio::awaitable<LoopEnd> try_candidates(RequestContext& ctx, EmbeddingsJob& job,
                                               const routing::RotationPlan& plan, const std::vector<char>& able,
                                               routing::AttemptPlanner& planner, std::vector<AttemptRecord>& records) {
  LoopEnd end;
  while (!ctx.cancel.cancelled() && !(end.timed_out = past_deadline(ctx))) {
    auto index = next_available(ctx, plan, planner, &able);
    if (!index) break;
    const routing::Candidate& c = plan.candidates[*index];
    TargetGate gate(*ctx.state, *ctx.config, c, true);
    auto skip = co_await claim_slot(gate, ctx, c.tokens.any() ? estimate_tokens(job, c.upstream_model) : 0);
    if (skip) {
      records.push_back(std::move(*skip));
      planner.skipped(*index);
      continue;
    }
    name_rotation_attempt(ctx, c, planner.attempts());
    Attempted a = co_await run_attempt(ctx, job, c, gate, true);
    if (ctx.cancel.cancelled()) break;
    if (!a.outcome.error) {
      end.answered = true;
      co_await deliver(ctx, job, a);
      break;
    }
    if (cut_by_deadline(a.outcome, ctx)) {
      end.timed_out = true;
      break;
    }
    const GatewayError& error = *a.outcome.error;
    records.push_back(failed_attempt(c, error, gate));
    if (!error.retryable && !a.outcome.unusable && error.kind != ErrorKind::unsupported) {
      end.final_error = error;  // another candidate would say the same
      break;
    }
    planner.failed(*index, transient_failure(error));
    metrics_failover(ctx);
  }
  co_return end;
}

boost::asio::awaitable<void> serve_rotation(RequestContext& ctx, EmbeddingsJob& job,
                                            const routing::RotationPlan& plan) {
  const CapableCandidates capable =
      capable_candidates(plan, [&](const routing::Candidate& c) { return cannot_embed(c, job.in); });
  if (const std::string* why = capable.none_can()) {
    const auto error = unsupported_operation(job.in.model, kOperation, "no model of the rotation can: " + *why);
    co_return co_await fail(ctx, job, error);
  }
  routing::AttemptPlanner planner(plan.candidates, {}, plan.max_attempts, plan.max_attempts_per_model,
                                  selection_seed(ctx));
  std::vector<AttemptRecord> records;
  const LoopEnd end = co_await try_candidates(ctx, job, plan, capable.able, planner, records);
  if (end.answered || ctx.cancel.cancelled()) co_return;
  if (end.final_error) co_return co_await fail(ctx, job, *end.final_error);
  if (end.timed_out) {
    const GatewayError error = request_timed_out(ctx);
    co_return co_await fail(ctx, job, error);
  }
  note_untried(ctx, plan, planner, capable, records);
  auto error = all_candidates_failed(plan.rotation->id, records);
  spdlog::warn("{} embeddings {}: {}", ctx.request_id, log_text(job.in.model),
               log_text(error.message, 3 * kLogFieldBytes));
  co_await fail(ctx, job, error);
}

// A quota's reservation, priced at the dearest candidate's prices.
std::optional<GatewayError> reserve_quota(RequestContext& ctx, EmbeddingsJob& job,
                                          std::span<const routing::Candidate> candidates) {
  std::optional<routing::ModelPrices> prices;
  for (const auto& c : candidates) routing::raise_prices(prices, c.prices);
  const std::string_view first = candidates.empty() ? std::string_view{} : candidates.front().upstream_model;
  return ctx.quota.reserve(
      ctx.principal, job.ex.request().body(), [&] { return estimate_tokens(job, first); }, prices, ctx.usage);
}

boost::asio::awaitable<void> serve_resolved(RequestContext& ctx, EmbeddingsJob& job,
                                            const routing::Resolution& resolved) {
  if (resolved.autoselect != nullptr) {
    const GatewayError error = unsupported_operation(job.in.model, kOperation,
                                                     "an autoselect chooses a chat model for a conversation; name "
                                                     "an embeddings model or a rotation of them");
    co_return co_await fail(ctx, job, error);
  }
  ResolvedTargets targets;
  if (auto error = resolve_targets(ctx, resolved, targets)) co_return co_await fail(ctx, job, *error);
  if (auto refused = reserve_quota(ctx, job, targets.candidates())) co_return co_await fail(ctx, job, *refused);
  if (targets.plan != nullptr) co_return co_await serve_rotation(ctx, job, *targets.plan);
  co_await serve_direct(ctx, job, *targets.direct, targets.listed);
}

// The request is over: its usage row and metrics.
void finish(RequestContext& ctx, const EmbeddingsJob& job, std::string_view model) {
  metrics_operation_end(ctx, model);
  if (!ctx.usage.on()) return;
  auto none = [](std::string_view) { return std::int64_t{0}; };  // never asked: usage is always "reported"
  auto row =
      make_usage_record(ctx, model, {job.ex.request().body().size(), none}, ctx.cancel.cancelled() || job.sink.gone());
  row.tokens_estimated = job.estimated && row.status == 200;
  ctx.usage.recorder->record(std::move(row));
}

}  // namespace

boost::asio::awaitable<void> serve_embeddings(http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  ctx.format = IngressFormat::openai_chat;  // errors in OpenAI's shape
  ExchangeSink own(ex);
  std::optional<UsageSink> tap;
  ResponseSink* sink = &own;
  if (ctx.usage.on() || ctx.usage.metrics) sink = &tap.emplace(own, ctx.usage);
  auto in = api::decode_embeddings_request(ex.request().body());
  if (!in) {
    const api::EmbeddingsIngress none;
    EmbeddingsJob job{none, *sink, ex};
    co_await fail(ctx, job, in.error());
    finish(ctx, job, {});
    co_return;
  }
  EmbeddingsJob job{*in, *sink, ex};
  if (names_user_target(ctx, scope, in->model)) co_await ensure_user_view(ctx);
  arm_deadline(ctx);
  auto resolved = routing::resolve_chat(*ctx.config, {ctx.namespace_user, ctx.user_view.get()}, scope, in->model);
  if (!resolved) {
    co_await fail(ctx, job, resolved.error());
  } else {
    ex.watch_disconnect([&ctx] { ctx.cancel.emit(); });
    co_await serve_resolved(ctx, job, *resolved);
    ex.stop_watch();
  }
  finish(ctx, job, in->model);
}

}  // namespace aisbf
