#include "pipeline/audio_routes.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/openai/multipart_form.hpp"
#include "core/log_text.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/attempt_report.hpp"
#include "pipeline/capability_error.hpp"
#include "pipeline/chat_job.hpp"
#include "pipeline/image_urls.hpp"
#include "pipeline/media_usage.hpp"
#include "pipeline/multipart_upload.hpp"
#include "pipeline/prepared_candidate.hpp"
#include "pipeline/request_deadline.hpp"
#include "pipeline/request_metrics.hpp"
#include "pipeline/resolved_targets.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/target_gate.hpp"
#include "pipeline/usage_capture.hpp"
#include "pipeline/user_views.hpp"
#include "providers/openai/openai_adapter.hpp"
#include "providers/registry.hpp"
#include "routing/resolve.hpp"
#include "routing/rotation.hpp"
#include "routing/selector.hpp"
#include "routing/user_config.hpp"

namespace aisbf::audio_routes {

namespace {

using boost::asio::awaitable;

constexpr std::size_t kMaxErrorBytes = 1024 * 1024;  // an upstream's error body, read whole

// One request: where its answer goes and what its attempts send.
struct AudioJob {
  http::Exchange& ex;
  ResponseSink& sink;
  std::string_view operation;             // "audio/transcriptions", "images/edits", …
  std::string model;                      // as the client named it
  MultipartUpload* upload = nullptr;      // a multipart form, streamed
  boost::json::object* speech = nullptr;  // speech's JSON body
  std::uint64_t request_bytes = 0;
};

// What one attempt came to. `final`: no other candidate may follow (a
// piece of the upload was sent, which cannot be sent twice, or the answer
// reached the client).
struct Tried {
  RelayOutcome outcome;
  bool final = false;
};

// The OpenAI-compatible adapter serves audio and image uploads; the others
// have no such API (nullopt: it may serve; a type this build lacks is left
// to prepare_candidate, which says so).
std::optional<std::string> cannot_serve(const routing::Candidate& c, std::string_view operation) {
  const ProviderAdapter* adapter = find_provider_adapter(c.provider->type, c.provider->api);
  if (adapter == nullptr || adapter->type() == "openai") return std::nullopt;
  return fmt::format(
      "provider '{}' is of type '{}', and only OpenAI-compatible providers serve /{} (Anthropic, Gemini and Ollama "
      "have no such API)",
      c.provider->id, c.provider->type, operation);
}

std::string doing(std::string_view operation) { return fmt::format("do {}", operation); }

http::OutgoingRequest outgoing(const PreparedCandidate& p, std::string_view operation, std::string_view content_type) {
  http::OutgoingRequest out;
  out.target = p.endpoint->base_path + openai::operation_path(p.target, operation);
  out.headers = p.auth_headers;
  out.headers.emplace_back("Content-Type", std::string(content_type));
  out.headers.emplace_back("Accept", "*/*");
  out.headers.emplace_back("Accept-Encoding", "identity");
  out.headers.emplace_back("User-Agent", "aisbf/" AISBF_VERSION);
  return out;
}

// An image answer (edits, variations): read whole, its URLs through the
// content proxy when media.proxy_urls is on (image_urls.hpp), then sent.
awaitable<RelayOutcome> relay_images(RequestContext& ctx, AudioJob& job, http::UpstreamCall& call,
                                     const routing::Candidate& c) {
  RelayOutcome o;
  auto body = co_await call.read_all(ctx.config->server.max_upstream_body_bytes);
  if (body) body = rewrite_image_urls(std::move(*body), ctx, *c.provider);
  if (!body) {
    o.error = body.take_error();
    co_return o;
  }
  o.usage = media_usage(*body);
  o.usage.reported = true;  // never estimated from image bytes
  o.status = call.status();
  ctx.quota.settle_answered(o.usage);
  o.reached_client = true;
  const HeaderList headers = answer_headers(ctx, false);  // named: a temporary in a co_await (GCC 12)
  co_await job.sink.send(o.status, "application/json", *body, headers);
  co_return o;
}

// An audio answer: piece by piece with the upstream's content type (json,
// text, srt, vtt, audio bytes, SSE), its usage read from its end.
awaitable<RelayOutcome> relay_audio(RequestContext& ctx, AudioJob& job, http::UpstreamCall& call) {
  RelayOutcome o;
  o.status = call.status();
  std::string type = call.header("Content-Type");
  if (type.empty()) type = "application/octet-stream";
  const bool sse = type.starts_with("text/event-stream");
  MediaUsageTail tail;
  o.reached_client = true;
  const HeaderList headers = answer_headers(ctx, sse);  // named: a temporary in a co_await (GCC 12)
  bool ok = co_await job.sink.begin_stream(o.status, type, headers);
  while (ok && !call.done()) {
    auto piece = co_await call.read_some();
    if (!piece) {  // cut: the client sees the body end without its last chunk
      o.error = piece.take_error();
      job.ex.close_after_response();
      co_return o;
    }
    tail.add(*piece);
    ok = co_await job.sink.write(*piece);
  }
  if (!ok) {  // the client left
    call.cancel();
    co_return o;
  }
  o.usage = tail.usage(sse);
  o.usage.reported = true;  // an audio answer's bytes say nothing of tokens
  ctx.quota.settle_answered(o.usage);
  co_await job.sink.end();
  co_return o;
}

GatewayError upstream_error(const PreparedCandidate& p, http::UpstreamCall& call, Expected<std::string>& body) {
  if (!body) return body.take_error();
  auto e = p.adapter->classify_error(call.status(), *body, p.target);
  if (auto after = call.header("Retry-After"); !after.empty()) e.retry_after = std::move(after);
  return e;
}

// One call to `p`: the request sent (the upload streamed), the answer
// relayed when it is a success.
awaitable<Tried> call_upstream(RequestContext& ctx, AudioJob& job, const PreparedCandidate& p,
                               const routing::Candidate& c) {
  Tried t;
  std::string sent;
  const bool upload = job.upload != nullptr;
  auto out = outgoing(p, job.operation,
                      upload ? std::string_view(job.ex.request()[boost::beast::http::field::content_type])
                             : std::string_view("application/json"));
  if (upload) {
    job.upload->set_upstream_model(openai::body_model(p.target));
    out.source = job.upload;
  } else {
    (*job.speech)["model"] = openai::body_model(p.target);
    sent = boost::json::serialize(*job.speech);
    out.body = sent;
  }
  http::UpstreamCall call(job.ex.upstream_pool(), *p.endpoint, within_deadline(c.timeouts, ctx), c.provider->id);
  ctx.cancel.connect([&call] { call.cancel(); });  // the client gone, or the deadline
  auto failed = co_await call.start(out);
  t.final = call.body_started();
  if (failed) {
    t.outcome.error = std::move(*failed);
    t.outcome.undecodable = upload && job.upload->failed();  // the client's fault: no verdict on the target
  } else if (call.status() / 100 != 2) {
    auto body = co_await call.read_all(kMaxErrorBytes);
    t.outcome.error = upstream_error(p, call, body);
  } else {
    t.final = true;
    // An if, not ?: with a co_await in each arm (GCC 12).
    if (job.operation.starts_with("images/")) {
      t.outcome = co_await relay_images(ctx, job, call, c);
    } else {
      t.outcome = co_await relay_audio(ctx, job, call);
    }
  }
  ctx.cancel.disconnect();
  co_return t;
}

awaitable<Tried> attempt(RequestContext& ctx, AudioJob& job, const routing::Candidate& c, bool in_table) {
  std::optional<PreparedCandidate> own;
  auto p = prepare_for_attempt(ctx.routes, c, in_table, own);
  if (!p) {
    Tried t;
    t.outcome.error = p.take_error();
    t.outcome.unusable = true;
    co_return t;
  }
  co_return co_await call_upstream(ctx, job, **p, c);
}

// One attempt with its bookkeeping: the usage tap, metrics, the target's verdict.
awaitable<Tried> run_attempt(RequestContext& ctx, AudioJob& job, const routing::Candidate& c, TargetGate& gate,
                             bool listed) {
  note_attempt_start(ctx.usage, c);
  metrics_attempt_start(ctx, c, listed);
  Tried t = co_await attempt(ctx, job, c, listed);
  if (!t.outcome.error && t.outcome.status == 0) t.outcome.status = 200;
  note_attempt_end(ctx.usage, t.outcome);
  metrics_attempt_end(ctx, t.outcome);
  settle_attempt(gate, t.outcome, ctx, listed);
  if (t.outcome.error) {
    spdlog::info("{} {} {} → {} failed: {}", ctx.request_id, job.operation, log_text(job.model), log_text(c.key),
                 log_text(t.outcome.error->message, 2 * kLogFieldBytes));
  }
  co_return t;
}

awaitable<void> fail(RequestContext& ctx, AudioJob& job, const GatewayError& error) {
  note_error(ctx.usage, error);
  ctx.quota.settle();  // before the client hears: its next request finds the reservation given back
  if (!ctx.cancel.cancelled()) co_await send_error(job.sink, error, ctx);
}

// The end of an attempt that did not answer: the error the client gets.
GatewayError failure_of(const Tried& t, const RequestContext& ctx) {
  return cut_by_deadline(t.outcome, ctx) ? request_timed_out(ctx) : *t.outcome.error;
}

awaitable<void> serve_direct(RequestContext& ctx, AudioJob& job, const routing::Candidate& c, bool listed) {
  if (auto why = cannot_serve(c, job.operation)) {
    const GatewayError error = unsupported_operation(job.model, doing(job.operation), *why);  // named: GCC 12
    co_return co_await fail(ctx, job, error);
  }
  TargetGate gate(*ctx.state, *ctx.config, c, false);
  auto skip = co_await claim_slot(gate, ctx, 0);
  if (skip || past_deadline(ctx)) {
    const GatewayError error = skip ? skipped_error(*skip) : request_timed_out(ctx);  // named: GCC 12
    co_return co_await fail(ctx, job, error);
  }
  Tried t = co_await run_attempt(ctx, job, c, gate, listed);
  if (!t.outcome.error || t.outcome.reached_client) co_return;
  const GatewayError error = failure_of(t, ctx);
  co_await fail(ctx, job, error);
}

// A rotation: its candidates that can serve, in the planner's order, while
// nothing of the upload has gone upstream.
awaitable<void> serve_rotation(RequestContext& ctx, AudioJob& job, const routing::RotationPlan& plan) {
  const CapableCandidates capable =
      capable_candidates(plan, [&](const routing::Candidate& c) { return cannot_serve(c, job.operation); });
  if (const std::string* why = capable.none_can()) {
    const auto error = unsupported_operation(job.model, doing(job.operation), "no model of the rotation can: " + *why);
    co_return co_await fail(ctx, job, error);
  }
  routing::AttemptPlanner planner(plan.candidates, {}, plan.max_attempts, plan.max_attempts_per_model,
                                  selection_seed(ctx));
  std::vector<AttemptRecord> records;
  while (!ctx.cancel.cancelled() && !past_deadline(ctx)) {
    auto index = next_available(ctx, plan, planner, &capable.able);
    if (!index) break;
    const routing::Candidate& c = plan.candidates[*index];
    TargetGate gate(*ctx.state, *ctx.config, c, true);
    auto skip = co_await claim_slot(gate, ctx, 0);
    if (skip) {
      records.push_back(std::move(*skip));
      planner.skipped(*index);
      continue;
    }
    name_rotation_attempt(ctx, c, planner.attempts());
    Tried t = co_await run_attempt(ctx, job, c, gate, true);
    if (!t.outcome.error || t.outcome.reached_client || ctx.cancel.cancelled()) co_return;
    const GatewayError& error = *t.outcome.error;
    // The upload went (partly) upstream, or the request itself is wrong: no other candidate.
    if (t.final || cut_by_deadline(t.outcome, ctx) ||
        (!error.retryable && !t.outcome.unusable && error.kind != ErrorKind::unsupported)) {
      const GatewayError last = failure_of(t, ctx);
      co_return co_await fail(ctx, job, last);
    }
    records.push_back(failed_attempt(c, error, gate));
    planner.failed(*index, transient_failure(error));
    metrics_failover(ctx);
  }
  if (ctx.cancel.cancelled()) co_return;
  if (past_deadline(ctx)) {
    const GatewayError error = request_timed_out(ctx);
    co_return co_await fail(ctx, job, error);
  }
  note_untried(ctx, plan, planner, capable, records);
  const GatewayError error = all_candidates_failed(plan.rotation->id, records);
  co_await fail(ctx, job, error);
}

// A quota's reservation, priced at the dearest candidate's prices: the
// answer's default tokens (an upload's prompt is audio or an image, not
// text the gateway counts), speech's input at about 4 characters a token.
std::optional<GatewayError> reserve_quota(RequestContext& ctx, AudioJob& job,
                                          std::span<const routing::Candidate> candidates) {
  std::optional<routing::ModelPrices> prices;
  for (const auto& c : candidates) routing::raise_prices(prices, c.prices);
  std::int64_t prompt = 0;
  if (job.speech != nullptr) {
    if (const auto* input = job.speech->if_contains("input"); input != nullptr && input->is_string())
      prompt = static_cast<std::int64_t>(input->get_string().size() / 4 + 1);
  }
  return ctx.quota.reserve(
      ctx.principal, {}, [&] { return prompt; }, prices, ctx.usage);
}

// The model resolved in the caller's namespace, the quota reserved, then
// one attempt (a provider model) or a rotation's failover.
awaitable<void> serve_model(RequestContext& ctx, AudioJob& job, std::string_view scope) {
  if (names_user_target(ctx, scope, job.model)) co_await ensure_user_view(ctx);
  auto resolved = routing::resolve_chat(*ctx.config, {ctx.namespace_user, ctx.user_view.get()}, scope, job.model);
  if (!resolved) co_return co_await fail(ctx, job, resolved.error());
  if (resolved->autoselect != nullptr) {
    const GatewayError error =
        unsupported_operation(job.model, doing(job.operation),
                              "an autoselect chooses a chat model by the conversation; name a provider model or a "
                              "rotation");
    co_return co_await fail(ctx, job, error);
  }
  ResolvedTargets targets;
  if (auto error = resolve_targets(ctx, *resolved, targets)) co_return co_await fail(ctx, job, *error);
  if (auto refused = reserve_quota(ctx, job, targets.candidates())) co_return co_await fail(ctx, job, *refused);
  if (targets.plan != nullptr) co_return co_await serve_rotation(ctx, job, *targets.plan);
  co_await serve_direct(ctx, job, *targets.direct, targets.listed);
}

// The request is over: its usage row (route, provider, model, status, the
// tokens the answer reported, cost at the model's prices) and metrics.
void finish(RequestContext& ctx, const AudioJob& job) {
  metrics_operation_end(ctx, job.model);
  auto none = [](std::string_view) { return std::int64_t{0}; };
  record_usage(ctx, job.model, {job.request_bytes, none}, ctx.cancel.cancelled() || job.sink.gone());
}

// The sink every answer goes through: the client's, tapped for the usage row.
struct Sinks {
  explicit Sinks(http::Exchange& ex, RequestContext& ctx) : own(ex) {
    if (ctx.usage.on() || ctx.usage.metrics) sink = &tap.emplace(own, ctx.usage);
  }
  ExchangeSink own;
  std::optional<UsageSink> tap;
  ResponseSink* sink = &own;
};

awaitable<void> serve_upload(http::Exchange& ex, RequestContext& ctx, std::string_view scope,
                             std::string_view operation) {
  ctx.format = IngressFormat::openai_chat;  // errors in OpenAI's shape
  arm_deadline(ctx);                        // the upload's time counts
  Sinks sinks(ex, ctx);
  AudioJob job{ex, *sinks.sink, operation, {}};
  http::BodyStream* body = ex.body_stream();
  const std::string boundary =
      api::multipart_boundary(std::string_view(ex.request()[boost::beast::http::field::content_type]));
  if (body == nullptr || boundary.empty()) {
    const GatewayError error =
        body == nullptr
            ? make_error(ErrorKind::internal, "upload route without a body stream")
            : make_error(ErrorKind::invalid_request,
                         "multipart/form-data needs a boundary parameter (1 to 70 characters)", "malformed_multipart");
    co_await fail(ctx, job, error);
    co_return finish(ctx, job);
  }
  MultipartUpload upload(*body, boundary, ctx);
  job.upload = &upload;
  // Once the client has sent it all, its disconnect cancels the upstream
  // call (the transcript awaited, the answer relayed). Not before: no
  // watch may run while the body is being read.
  upload.on_complete([&ex, &ctx] { ex.watch_disconnect([&ctx] { ctx.cancel.emit(); }); });
  auto model = co_await upload.read_model();
  if (model) {
    job.model = std::move(*model);
    co_await serve_model(ctx, job, scope);
  } else {
    co_await fail(ctx, job, model.error());
  }
  ex.stop_watch();
  job.request_bytes = upload.received();
  finish(ctx, job);
}

}  // namespace

awaitable<void> transcriptions(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  return serve_upload(ex, ctx, m.param("scope"), "audio/transcriptions");
}

awaitable<void> translations(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  return serve_upload(ex, ctx, m.param("scope"), "audio/translations");
}

awaitable<void> image_edits(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  return serve_upload(ex, ctx, m.param("scope"), "images/edits");
}

awaitable<void> image_variations(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  return serve_upload(ex, ctx, m.param("scope"), "images/variations");
}

awaitable<void> speech(App&, http::Exchange& ex, RequestContext& ctx, const api::RouteMatch& m) {
  ctx.format = IngressFormat::openai_chat;
  arm_deadline(ctx);
  Sinks sinks(ex, ctx);
  AudioJob job{ex, *sinks.sink, "audio/speech", {}};
  job.request_bytes = ex.request().body().size();
  boost::system::error_code ec;
  auto doc = boost::json::parse(ex.request().body(), ec);
  boost::json::object* body = !ec && doc.is_object() ? &doc.as_object() : nullptr;
  const boost::json::value* model_field = body != nullptr ? body->if_contains("model") : nullptr;
  if (model_field == nullptr || !model_field->is_string()) {
    const GatewayError error =
        make_error(ErrorKind::invalid_request,
                   body == nullptr ? "request body must be a JSON object" : "`model` (a string) is required",
                   "invalid_request_error", "model");
    co_await fail(ctx, job, error);
    co_return finish(ctx, job);
  }
  job.model = std::string(model_field->as_string());
  job.speech = body;
  ex.watch_disconnect([&ctx] { ctx.cancel.emit(); });  // the body is read: a client gone cancels the call
  co_await serve_model(ctx, job, m.param("scope"));
  ex.stop_watch();
  finish(ctx, job);
}

}  // namespace aisbf::audio_routes
