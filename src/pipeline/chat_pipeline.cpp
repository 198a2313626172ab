#include "pipeline/chat_pipeline.hpp"

#include <memory>
#include <optional>
#include <random>
#include <vector>

#include <boost/beast/http/field.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/anthropic/count_tokens.hpp"
#include "core/provider_adapter.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/attempt_report.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/prepared_candidate.hpp"
#include "pipeline/relay.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/target_gate.hpp"
#include "pipeline/translate.hpp"
#include "providers/openai/openai_wire.hpp"
#include "routing/resolve.hpp"
#include "routing/rotation.hpp"
#include "routing/selector.hpp"

namespace aisbf {

namespace {

using limits::Clock;

// One chat request as the attempt loop sees it, whatever the client's format.
struct ChatJob {
  std::string_view client_model;          // as the client named it (echoed, logged), in `envelope` or `canonical`
  bool stream = false;
  bool include_usage = false;
  const openai::ChatEnvelope* envelope = nullptr;  // set: the body may be forwarded as bytes
  bool anthropic = false;                 // the client speaks Anthropic's format
  std::optional<ChatRequest> canonical;   // decoded once, when a candidate needs translation
  std::int64_t estimated_tokens = 0;      // for token windows, until the real usage is known
};

// Only what the upstream needs: its credentials, the protocol headers and,
// for an Anthropic client talking to an Anthropic upstream, the client's
// protocol version and beta flags. Nothing else of the caller's (token,
// cookies, encodings) is forwarded.
http::OutgoingRequest passthrough_request(const PreparedCandidate& p, const http::Request& client, bool stream,
                                          std::string_view body, bool anthropic) {
  http::OutgoingRequest out;
  out.target = p.passthrough_path[stream];
  out.headers.reserve(p.auth_headers.size() + 6);
  out.headers.insert(out.headers.end(), p.auth_headers.begin(), p.auth_headers.end());
  if (anthropic) {
    for (auto field : {"anthropic-version", "anthropic-beta"}) {
      auto value = client[field];
      if (value.empty()) continue;
      std::erase_if(out.headers, [&](const auto& h) { return boost::beast::iequals(h.first, field); });
      out.headers.emplace_back(field, std::string(value));
    }
  }
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  out.headers.emplace_back("Accept-Encoding", "identity");  // the usage scanner reads plain bytes
  out.headers.emplace_back("User-Agent", "aisbf/" AISBF_VERSION);
  out.body = body;
  return out;
}

boost::asio::awaitable<RelayOutcome> attempt_passthrough(http::Exchange& ex, RequestContext& ctx, const PreparedCandidate& p,
                                                         const routing::Candidate& c, const ChatJob& job) {
  // Azure names a deployment, not a model; elsewhere deployment is empty.
  const std::string& body_model = p.target.deployment.empty() ? p.target.upstream_model : p.target.deployment;
  const std::string upstream_body = openai::rewrite_model(ex.request().body(), *job.envelope, body_model);
  auto request = passthrough_request(p, ex.request(), job.stream, upstream_body, job.anthropic);
  http::UpstreamCall call(ex.upstream_pool(), *p.endpoint, c.timeouts, p.target.provider_id);
  ctx.cancel.connect([&call] { call.cancel(); });
  RelayOutcome outcome;
  if (auto failed = co_await call.start(request)) {
    outcome.error = std::move(*failed);
  } else {
    outcome = co_await relay_passthrough(ex, call, *p.adapter, p.target, ctx, job.stream);
  }
  ctx.cancel.disconnect();
  co_return outcome;
}

boost::asio::awaitable<RelayOutcome> attempt_translated(http::Exchange& ex, RequestContext& ctx, const PreparedCandidate& p,
                                                        const routing::Candidate& c, ChatJob& job) {
  const IngressCodec& codec = ingress_codec(ctx.format);
  if (!job.canonical) {
    auto decoded = codec.decode_request(ex.request().body());
    if (!decoded) {
      RelayOutcome outcome;
      outcome.error = decoded.take_error();
      co_return outcome;
    }
    job.canonical = std::move(*decoded);
  }
  TranslateJob translate{codec, *p.adapter, p.target, *p.endpoint,
                         c.timeouts, {std::string(job.client_model), job.include_usage}};
  co_return co_await serve_translated(ex, ctx, *job.canonical, translate);
}

// Not a coroutine: it hands over the coroutine of the path taken, so that
// an attempt costs no frame of its own. `p` outlives the attempt.
boost::asio::awaitable<RelayOutcome> attempt_prepared(http::Exchange& ex, RequestContext& ctx, const PreparedCandidate& p,
                                                      const routing::Candidate& c, ChatJob& job) {
  if (job.envelope != nullptr &&
      (job.anthropic ? p.adapter->accepts_anthropic_passthrough() : p.adapter->accepts_openai_passthrough())) {
    return attempt_passthrough(ex, ctx, p, c, job);
  }
  return attempt_translated(ex, ctx, p, c, job);
}

// A candidate prepared for this attempt only: outside the routing table, or
// one that cannot be prepared (the outcome then carries why).
boost::asio::awaitable<RelayOutcome> attempt_uncached(http::Exchange& ex, RequestContext& ctx,
                                                      const routing::Candidate& c, ChatJob& job) {
  auto prepared = prepare_candidate(c);
  if (!prepared) {
    RelayOutcome outcome;
    outcome.error = prepared.take_error();
    co_return outcome;
  }
  co_return co_await attempt_prepared(ex, ctx, *prepared, c, job);
}

// `in_table`: `c` belongs to ctx.routes (a rotation's, or a listed model's
// precomputed candidate), so its preparation is cached with the table.
boost::asio::awaitable<RelayOutcome> attempt(http::Exchange& ex, RequestContext& ctx, const routing::Candidate& c,
                                             ChatJob& job, bool in_table) {
  if (in_table) {
    if (const PreparedCandidate* p = cached_preparation(ctx.routes, c)) return attempt_prepared(ex, ctx, *p, c, job);
  }
  return attempt_uncached(ex, ctx, c, job);
}

// Failures another attempt of the same model may get past.
bool transient(const GatewayError& e) {
  return (e.kind == ErrorKind::upstream_status && (e.status >= 500 || e.status == 408)) ||
         e.kind == ErrorKind::upstream_timeout || e.kind == ErrorKind::upstream_protocol;
}

// A candidate the configuration makes unusable (a provider type this build
// lacks, an endpoint that is no URL): nothing was sent, and another
// candidate of the rotation may well serve.
bool candidate_unusable(const GatewayError& e) {
  return e.kind == ErrorKind::unsupported || e.code == "invalid_provider_endpoint";
}

void settle(TargetGate& gate, const RelayOutcome& outcome, const RequestContext& ctx) {
  if (!outcome.error) {
    gate.succeeded(outcome.usage);
  } else if (ctx.cancel.cancelled() || candidate_unusable(*outcome.error)) {
    gate.abandoned();  // the client left, or nothing was sent: no verdict on the target
  } else {
    gate.failed(*outcome.error, outcome.rate_hints);
  }
}

void log_outcome(const RequestContext& ctx, std::string_view model, std::string_view target,
                 const RelayOutcome& outcome) {
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - ctx.started);
  if (outcome.error) {
    spdlog::info("{} {} → {} failed after {} µs: {}", ctx.request_id, model, target, elapsed.count(),
                 outcome.error->message);
  } else if (spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug("{} {} → {} {} in {} µs, tokens {}+{}", ctx.request_id, model, target, outcome.status,
                  elapsed.count(), outcome.usage.prompt_tokens, outcome.usage.completion_tokens);
  }
}

// A rate limit the gateway itself enforces, as a 429 with Retry-After.
GatewayError skipped_error(const AttemptRecord& record) {
  auto e = make_error(record.rate_limited ? ErrorKind::rate_limited : ErrorKind::unavailable,
                      fmt::format("{} is not available: {}", record.target, record.error));
  e.code = record.rate_limited ? "rate_limited" : "target_unavailable";
  if (record.retry_after) e.retry_after = retry_after_seconds(*record.retry_after);
  return e;
}

boost::asio::awaitable<void> serve_direct(http::Exchange& ex, RequestContext& ctx, ChatJob& job,
                                          const routing::Candidate& c, bool in_table) {
  TargetGate gate(*ctx.state, *ctx.config, c, false);
  auto skip = gate.claim_now(job.estimated_tokens);
  // Watched from before a wait for a rate_limit slot: a client that leaves
  // meanwhile gives its slot's request up.
  ex.watch_disconnect([&ctx] { ctx.cancel.emit(); });
  if (!skip && gate.must_wait()) skip = co_await gate.wait(ctx);
  if (skip) {
    ex.stop_watch();
    co_return co_await send_error(ex, skipped_error(*skip), ctx);
  }
  auto outcome = co_await attempt(ex, ctx, c, job, in_table);
  ex.stop_watch();
  settle(gate, outcome, ctx);
  if (outcome.error && !outcome.reached_client) co_await send_error(ex, *outcome.error, ctx);
  log_outcome(ctx, job.client_model, c.key, outcome);
}

// A model the provider does not list: its candidate is built for this request.
boost::asio::awaitable<void> serve_unlisted(http::Exchange& ex, RequestContext& ctx, ChatJob& job,
                                            routing::Candidate c) {
  co_await serve_direct(ex, ctx, job, c, false);
}

boost::asio::awaitable<void> fail(http::Exchange& ex, RequestContext& ctx, GatewayError error) {
  co_await send_error(ex, error, ctx);
}

// What a request needs from models that declare capabilities: tools from
// the request as scanned or decoded; images from a scan of the raw body for
// image parts of either format (inside a JSON string the quotes would be
// escaped, so text mentioning them does not count).
routing::RequestNeeds request_needs(const ChatJob& job, std::string_view body) {
  routing::RequestNeeds needs;
  needs.tools = job.envelope != nullptr ? job.envelope->has_tools : job.canonical && !job.canonical->tools.empty();
  needs.images = body.find("\"image_url\"") != std::string_view::npos ||
                 body.find("\"type\":\"image\"") != std::string_view::npos ||
                 body.find("\"type\": \"image\"") != std::string_view::npos;
  return needs;
}

std::uint64_t selection_seed(RequestContext& ctx) {
  auto n = ctx.state->selections.fetch_add(1, std::memory_order_relaxed);
  if (ctx.config->routing.seed) return *ctx.config->routing.seed + n * 0x9e3779b97f4a7c15ull;
  thread_local routing::SplitMix64 seeds{std::random_device{}()};
  return seeds.next();
}

boost::asio::awaitable<void> send_notify(http::Exchange& ex, RequestContext& ctx, const ChatJob& job,
                                         const GatewayError& error) {
  const IngressCodec& codec = ingress_codec(ctx.format);
  ChatResponse response = notify_response(error);
  response.id = "aisbf-" + ctx.request_id;
  response.model = job.client_model;
  const EgressContext egress{std::string(job.client_model), job.include_usage};
  HeaderList extra{{"x-request-id", ctx.request_id}};
  if (!job.stream) {
    co_await ex.send(200, "application/json", codec.encode_response(response, egress), extra);
    co_return;
  }
  auto encoder = codec.make_stream_encoder(egress);
  std::string out = encoder->on_event(StreamStart{response.id, response.model, response.created});
  out += encoder->on_event(TextDelta{error.message});
  out += encoder->on_event(FinishEvent{FinishReason::stop});
  if (job.include_usage) out += encoder->on_event(UsageEvent{});
  out += encoder->on_end(std::nullopt);
  extra.emplace_back("Cache-Control", "no-cache");
  if (co_await ex.begin_stream(200, "text/event-stream", extra) && co_await ex.stream_write(out)) {
    co_await ex.end_stream();
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

GatewayError no_capable_candidate(const routing::RotationPlan& plan, const routing::RequestNeeds& needs) {
  auto e = make_error(ErrorKind::invalid_request,
                      fmt::format("no model of rotation '{}' declares {} this request uses", plan.rotation->id,
                                  needs.tools && needs.images ? "the tools and image capabilities"
                                  : needs.tools              ? "the tools capability (function_calling)"
                                                             : "the image capability (vision)"));
  e.code = "unsupported_capability";
  return e;
}

boost::asio::awaitable<void> serve_rotation(http::Exchange& ex, RequestContext& ctx, ChatJob& job,
                                            const routing::RotationPlan& plan) {
  const auto& candidates = plan.candidates;
  bool declared = false;
  for (const auto& c : candidates) declared = declared || !c.capabilities.empty();
  const routing::RequestNeeds needs = declared ? request_needs(job, ex.request().body()) : routing::RequestNeeds{};
  routing::AttemptPlanner planner(candidates, needs, plan.max_attempts, plan.max_attempts_per_model,
                                  selection_seed(ctx));
  if (!planner.any_capable() && !candidates.empty()) {
    co_return co_await send_error(ex, no_capable_candidate(plan, needs), ctx);
  }
  std::vector<AttemptRecord> records;
  ex.watch_disconnect([&ctx] { ctx.cancel.emit(); });
  std::optional<GatewayError> final_error;
  bool answered = false;
  while (!answered && !ctx.cancel.cancelled()) {
    const auto now = Clock::now();
    auto index = planner.next([&](std::size_t i) {
      return available_now(*ctx.state, *ctx.config, candidates[i], true, now);
    });
    if (!index) break;
    const routing::Candidate& c = candidates[*index];
    TargetGate gate(*ctx.state, *ctx.config, c, true);
    auto skip = gate.claim_now(job.estimated_tokens);
    if (!skip && gate.must_wait()) skip = co_await gate.wait(ctx);
    if (skip) {
      records.push_back(std::move(*skip));
      planner.skipped(*index);
      continue;
    }
    ctx.response_headers.clear();
    ctx.response_headers.reserve(2);
    ctx.response_headers.emplace_back("x-aisbf-target", c.key);
    ctx.response_headers.emplace_back("x-aisbf-attempts", std::to_string(planner.attempts()));
    auto outcome = co_await attempt(ex, ctx, c, job, true);
    settle(gate, outcome, ctx);
    log_outcome(ctx, job.client_model, c.key, outcome);
    if (!outcome.error || outcome.reached_client || ctx.cancel.cancelled()) {
      answered = true;
      break;
    }
    const GatewayError& error = *outcome.error;
    records.push_back({c.key, false, error.kind == ErrorKind::rate_limited, error.status, error.message,
                       gate.blocked_for()});
    if (!error.retryable && !candidate_unusable(error)) {
      final_error = error;  // the request itself is wrong: another candidate would say the same
      break;
    }
    planner.failed(*index, transient(error));
  }
  ex.stop_watch();
  if (answered || ctx.cancel.cancelled()) co_return;
  if (final_error) co_return co_await send_error(ex, *final_error, ctx);
  note_untried(planner, plan, ctx, records);
  auto error = all_candidates_failed(plan.rotation->id, records);
  spdlog::warn("{} {}: {}", ctx.request_id, job.client_model, error.message);
  if (plan.notifyerrors) co_return co_await send_notify(ex, ctx, job, error);
  co_await send_error(ex, error, ctx);
}

// Not a coroutine: it hands over the coroutine that serves the request.
boost::asio::awaitable<void> serve_job(http::Exchange& ex, RequestContext& ctx, std::string_view scope,
                                       ChatJob& job) {
  auto resolved = routing::resolve_chat(*ctx.config, {ctx.principal.config_namespace()}, scope, job.client_model);
  if (!resolved) return fail(ex, ctx, resolved.take_error());
  job.estimated_tokens = static_cast<std::int64_t>(ex.request().body().size() / 4);
  if (resolved->rotation != nullptr) {
    const auto* plan = ctx.routes->rotation(resolved->rotation->id);
    if (plan == nullptr) {  // a snapshot mismatch would be a bug: say so rather than crash
      return fail(ex, ctx, make_error(ErrorKind::internal, "rotation table out of date"));
    }
    return serve_rotation(ex, ctx, job, *plan);
  }
  std::optional<routing::Candidate> scratch;
  const routing::Candidate& c = ctx.routes->direct(resolved->target, scratch);
  if (!scratch) return serve_direct(ex, ctx, job, c, true);  // the table's: lives as long as ctx.routes
  return serve_unlisted(ex, ctx, job, std::move(*scratch));
}

// A client format whose bodies may be forwarded as bytes to an adapter that
// accepts them; otherwise decoded to canonical and translated.
boost::asio::awaitable<void> serve_chat_like(http::Exchange& ex, RequestContext& ctx, std::string_view scope,
                                             bool anthropic) {
  auto envelope = openai::scan_chat_request(ex.request().body());
  if (!envelope) co_return co_await send_error(ex, envelope.error(), ctx);
  ChatJob job;
  job.client_model = envelope->model;
  job.stream = envelope->stream;
  job.include_usage = envelope->include_usage;
  job.envelope = &*envelope;
  job.anthropic = anthropic;
  co_await serve_job(ex, ctx, scope, job);
}

}  // namespace

// Not coroutines: each hands over serve_chat_like's.
boost::asio::awaitable<void> serve_chat(http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  return serve_chat_like(ex, ctx, scope, false);
}

boost::asio::awaitable<void> serve_messages(http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  return serve_chat_like(ex, ctx, scope, true);
}

// Legacy completions always go through canonical types: no provider takes
// the prompt form any more.
boost::asio::awaitable<void> serve_completions(http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  auto request = ingress_codec(ctx.format).decode_request(ex.request().body());
  if (!request) co_return co_await send_error(ex, request.error(), ctx);
  ChatJob job;
  job.stream = request->stream;
  job.include_usage = request->include_usage;
  job.canonical = std::move(*request);
  job.client_model = job.canonical->model;  // after the move: a short name lives inside the string
  co_await serve_job(ex, ctx, scope, job);
}

boost::asio::awaitable<void> serve_count_tokens(http::Exchange& ex, RequestContext& ctx) {
  auto answer = api::anthropic_count_tokens_response(ex.request().body());
  if (!answer) co_return co_await send_error(ex, answer.error(), ctx);
  co_await send_json(ex, 200, *answer, ctx.request_id);
}

}  // namespace aisbf
