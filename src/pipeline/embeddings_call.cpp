#include "pipeline/embeddings_call.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "context/tokenizer.hpp"
#include "pipeline/prepared_candidate.hpp"
#include "pipeline/request_deadline.hpp"
#include "pipeline/sent_prompt.hpp"
#include "pipeline/target_gate.hpp"
#include "pipeline/usage_capture.hpp"
#include "routing/resolve.hpp"
#include "routing/rotation.hpp"
#include "routing/user_config.hpp"
#include "store/usage_recorder.hpp"

namespace aisbf {

namespace {

// Why the target was not called (target_gate.hpp's record).
GatewayError not_called(const AttemptRecord& why) {
  auto e = make_error(why.rate_limited ? ErrorKind::rate_limited : ErrorKind::unavailable,
                      fmt::format("embeddings by {} not called: {}", why.target, why.error));
  e.code = why.rate_limited ? "rate_limited" : "target_unavailable";
  return e;
}

// The target's verdict from the answer: no verdict for a client gone, a
// timeout (the selection's own, shorter than the provider's) or a model
// the provider does not list (its name need not leave a health entry).
void settle(TargetGate& gate, const Expected<EmbeddingResponse>& answer, const ScannedUsage& usage,
            const RequestContext& ctx, bool listed) {
  if (answer) {
    gate.succeeded(usage);
  } else if (ctx.cancel.cancelled() || answer.error().kind == ErrorKind::upstream_timeout || !listed) {
    gate.abandoned();
  } else {
    gate.failed(answer.error(), std::nullopt);
  }
}

GatewayError not_a_provider_model(std::string_view model) {
  auto e = make_error(ErrorKind::not_found,
                      fmt::format("embeddings model '{}' names no provider model (expected provider/model)", model));
  e.code = "model_not_found";
  return e;
}


// The call's own context for its usage row: the caller's identity and
// recorder, its own start; its usage counts for the caller's quota.
void prepare_usage_context(RequestContext& call, const RequestContext& ctx, const EmbeddingsCall& how) {
  call.config = ctx.config;
  call.state = ctx.state;
  call.request_id = ctx.request_id + "-embeddings";
  call.started = std::chrono::steady_clock::now();
  call.principal = ctx.principal;
  call.usage.recorder = ctx.usage.recorder;
  call.usage.route = how.route;
  call.usage.quota_held = ctx.usage.quota_held;
}

// The request's id and the client's valid W3C traceparent go along, as on the chat path.
http::OutgoingRequest outgoing(const PreparedCandidate& p, const UpstreamRequest& encoded, const RequestContext& ctx) {
  http::OutgoingRequest out;
  out.method = encoded.method;
  out.target = p.endpoint->base_path + encoded.path_suffix;
  out.headers = encoded.headers;
  out.headers.emplace_back("Accept", "application/json");
  out.headers.emplace_back("Accept-Encoding", "identity");
  out.headers.emplace_back("User-Agent", "aisbf/" AISBF_VERSION);
  if (!ctx.request_id.empty()) out.headers.emplace_back("x-request-id", ctx.request_id);
  if (!ctx.traceparent.empty()) out.headers.emplace_back("traceparent", std::string(ctx.traceparent));
  out.body = encoded.body;
  return out;
}

// One batch: encoded, sent, its answer (at most `*budget` bytes, taken
// from it) decoded, or its error classified.
boost::asio::awaitable<Expected<EmbeddingResponse>> exchange(RequestContext& ctx, http::UpstreamPool& pool,
                                                             const EmbeddingsUpstream& up,
                                                             const EmbeddingRequest& request, std::size_t* budget) {
  const PreparedCandidate& p = up.prepared;
  auto encoded = p.adapter->encode_embeddings(request, p.target);
  if (!encoded) co_return encoded.take_error();
  auto answer = co_await embeddings_upstream_call(ctx, pool, up, *encoded, std::min(*budget, kMaxEmbeddingsBytes));
  if (!answer) co_return answer.take_error();
  *budget -= std::min(*budget, answer->body.size());
  if (answer->status != 200) {
    auto error = p.adapter->classify_error(answer->status, answer->body, p.target);
    if (!answer->retry_after.empty()) error.retry_after = answer->retry_after;
    co_return error;
  }
  co_return p.adapter->decode_embeddings(answer->body, request.inputs.size());
}

}  // namespace

boost::asio::awaitable<Expected<UpstreamAnswer>> embeddings_upstream_call(RequestContext& ctx, http::UpstreamPool& pool,
                                                                          const EmbeddingsUpstream& up,
                                                                          const UpstreamRequest& encoded,
                                                                          std::size_t cap) {
  const PreparedCandidate& p = up.prepared;
  const http::OutgoingRequest out = outgoing(p, encoded, ctx);
  http::UpstreamCall call(pool, *p.endpoint, up.timeouts, p.target.provider_id);
  ctx.cancel.connect([&call] { call.cancel(); });
  Expected<std::string> body = std::string();
  if (auto failed = co_await call.start(out)) {
    body = std::move(*failed);
  } else {
    if (up.head_at != nullptr && *up.head_at == std::chrono::steady_clock::time_point{})
      *up.head_at = std::chrono::steady_clock::now();
    body = co_await call.read_all(cap);
  }
  ctx.cancel.disconnect();
  if (!body) co_return body.take_error();
  UpstreamAnswer answer{call.status(), std::move(*body), {}};
  if (answer.status == 429) answer.retry_after = std::string(call.header("retry-after"));
  co_return answer;
}

// Gemini refuses a batch of more than 100, and a batch of 64 vectors of
// 3072 dimensions stays within kMaxEmbeddingsBytes.
boost::asio::awaitable<Expected<EmbeddingResponse>> embed_in_batches(RequestContext& ctx, http::UpstreamPool& pool,
                                                                     const EmbeddingsUpstream& up,
                                                                     const EmbeddingRequest& request) {
  std::size_t budget = up.max_bytes;
  if (request.inputs.size() <= kMaxInputsPerCall) co_return co_await exchange(ctx, pool, up, request, &budget);
  EmbeddingResponse all;
  all.prompt_tokens = 0;
  const auto& texts = request.inputs;
  for (std::size_t from = 0; from < texts.size(); from += kMaxInputsPerCall) {
    const std::size_t to = std::min(texts.size(), from + kMaxInputsPerCall);
    EmbeddingRequest batch{
        {texts.begin() + static_cast<std::ptrdiff_t>(from), texts.begin() + static_cast<std::ptrdiff_t>(to)},
        request.dimensions,
        request.task_type,
        false};
    auto got = co_await exchange(ctx, pool, up, batch, &budget);
    if (!got) co_return got.take_error();
    for (auto& v : got->vectors) all.vectors.push_back(std::move(v));
    all.prompt_tokens = all.prompt_tokens && got->prompt_tokens
                            ? std::optional<std::int64_t>(*all.prompt_tokens + *got->prompt_tokens)
                            : std::nullopt;
  }
  co_return all;
}

Expected<EmbeddingsModel> resolve_embeddings_model(const RequestContext& ctx, const EmbeddingsCall& how) {
  auto table = how.operator_model && ctx.global_routes ? ctx.global_routes : ctx.routes;
  if (!table) return make_error(ErrorKind::internal, "no routing table");
  const routing::Namespace ns{ctx.namespace_user, ctx.user_view.get()};
  auto r = routing::resolve_chat(table->config(), ns, {}, how.model);
  if (!r) return r.take_error();
  if (r->autoselect != nullptr || r->rotation != nullptr) return not_a_provider_model(how.model);
  const bool users_own = r->in_user_view && ctx.user_view;
  if (users_own) table = ctx.user_view->routes;
  // A copy: the scratch candidate of a provider's unlisted model dies here.
  std::optional<routing::Candidate> scratch;
  routing::Candidate candidate = table->direct(r->target, scratch);
  auto prepared = prepare_candidate(candidate);
  if (!prepared) return prepared.take_error();
  const UpstreamTarget& t = prepared->target;
  // Unit separators: no URL, model name or user name holds one.
  const bool listed = !scratch.has_value();
  std::string key = fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", users_own ? ctx.namespace_user : "",
                                t.provider_type, t.preset, t.endpoint, t.upstream_model, t.deployment, t.api_version);
  return EmbeddingsModel{std::move(candidate), std::move(*prepared), std::move(key), table->config_ptr(), listed};
}

boost::asio::awaitable<Expected<EmbeddingResponse>> embed_texts(RequestContext& ctx, http::UpstreamPool& pool,
                                                                const EmbeddingsCall& how,
                                                                const EmbeddingsModel& model,
                                                                std::vector<std::string> texts) {
  if (texts.empty()) co_return EmbeddingResponse{};
  if (ctx.cancel.cancelled()) co_return make_error(ErrorKind::internal, "the client left");
  const routing::Candidate& c = model.candidate;
  TargetGate gate(*ctx.state, *model.config, c, true);
  // A slot only when it is due now: waiting for one would spend the
  // selection's short timeout, and a reserved slot left unused would delay
  // the provider's chat requests behind it.
  auto skip = gate.claim_now(0, limits::Duration::zero());
  if (skip) co_return not_called(*skip);  // the gate releases what it claimed

  RequestContext call;
  prepare_usage_context(call, ctx, how);
  note_attempt_start(call.usage, c);
  const Timeouts bounded = within_deadline(clipped_to(c.timeouts, how.timeout), ctx);
  const EmbeddingsUpstream up{model.prepared, bounded, &call.usage.first_byte};
  const EmbeddingRequest request{texts, {}, {}, false};  // named: a temporary in a co_await dies twice (GCC 12)
  auto answer = co_await embed_in_batches(ctx, pool, up, request);

  // Without a reported count the inputs are counted here, in the model's
  // encoding (off the event loop when large): the row says it estimated.
  std::int64_t estimated = 0;
  const bool estimate = !answer || !answer->prompt_tokens;
  if (answer && estimate) {
    std::string all;
    for (const auto& t : texts) (all += t) += '\n';
    // Named, not built in the suspending full-expression (GCC 12).
    const auto encoding = context::encoding_for_model(c.upstream_model).encoding;
    estimated = co_await count_text_off_loop(ctx, std::move(all), encoding);
  }
  ScannedUsage& usage = call.usage.usage;
  usage.prompt_tokens = answer ? answer->prompt_tokens.value_or(estimated) : 0;
  usage.total_tokens = usage.prompt_tokens;
  usage.reported = answer && !estimate;
  const bool left = ctx.cancel.cancelled();  // no status of its own then, as side_call.cpp
  call.usage.status = answer ? 200 : left ? 0 : answer.error().status;
  if (!answer) note_error(call.usage, answer.error());
  if (call.usage.on()) {
    auto counted = [&](std::string_view) { return usage.prompt_tokens; };  // never asked: nothing was "answered"
    auto row = make_usage_record(call, how.model, {0, counted}, left);
    row.tokens_estimated = answer && estimate;
    if (call.usage.first_byte == std::chrono::steady_clock::time_point{}) row.ttfb_ms = -1;  // no head came
    call.usage.recorder->record(std::move(row));
  }
  ctx.quota.add_side_call(usage, call.usage.prices);
  settle(gate, answer, usage, ctx, model.listed);
  co_return answer;
}

}  // namespace aisbf
