// One attempt at one candidate, by the path the job and the adapter allow.
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/string.hpp>

#include "ops/access_log.hpp"
#include "pipeline/chat_job.hpp"
#include "pipeline/condense_step.hpp"
#include "pipeline/native_cache.hpp"
#include "pipeline/prepared_candidate.hpp"
#include "pipeline/request_deadline.hpp"
#include "pipeline/sent_prompt.hpp"
#include "pipeline/split_attempt.hpp"

namespace aisbf {

namespace {

// The answer will carry a usage object: a whole body, an OpenAI stream that
// asked for it, an Anthropic stream (message_delta), a Responses stream
// (response.completed; its envelope says include_usage).
bool answer_has_usage(const ChatJob& job) { return !job.stream || job.include_usage || job.anthropic; }

// The client's Anthropic protocol version and beta flags, in place of any
// of the same name in `headers`.
void forward_anthropic_headers(const http::Request& client, HeaderList& headers) {
  for (auto field : {"anthropic-version", "anthropic-beta"}) {
    auto value = client[field];
    if (value.empty()) continue;
    std::erase_if(headers, [&](const auto& h) { return boost::beast::iequals(h.first, field); });
    headers.emplace_back(field, std::string(value));
  }
}

// Only what the upstream needs: its credentials, the protocol headers and,
// for an Anthropic client talking to an Anthropic upstream, the client's
// protocol version and beta flags, and the request's id and a valid W3C
// traceparent. Nothing else of the caller's (token, cookies, encodings) is
// forwarded.
http::OutgoingRequest passthrough_request(const PreparedCandidate& p, const http::Request& client, bool stream,
                                          std::string_view body, bool anthropic, std::string_view request_id) {
  http::OutgoingRequest out;
  out.target = p.passthrough_path[stream];
  out.headers.reserve(p.auth_headers.size() + 8);
  out.headers.insert(out.headers.end(), p.auth_headers.begin(), p.auth_headers.end());
  if (anthropic) forward_anthropic_headers(client, out.headers);
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  out.headers.emplace_back("Accept-Encoding", "identity");  // the usage scanner reads plain bytes
  out.headers.emplace_back("User-Agent", "aisbf/" AISBF_VERSION);
  if (!request_id.empty()) out.headers.emplace_back("x-request-id", std::string(request_id));
  if (auto trace = client["traceparent"]; ops::valid_traceparent(std::string_view(trace.data(), trace.size())))
    out.headers.emplace_back("traceparent", std::string(trace));
  out.body = body;
  return out;
}

boost::asio::awaitable<RelayOutcome> attempt_passthrough(RequestContext& ctx, const PreparedCandidate& p,
                                                         const routing::Candidate& c, ChatJob& job) {
  const http::Request& client = *job.io.client;
  // Azure names a deployment, not a model; elsewhere deployment is empty.
  const std::string& body_model = p.target.deployment.empty() ? p.target.upstream_model : p.target.deployment;
  std::string upstream_body = with_model(client.body(), *job.envelope, body_model);
  if (native_cache_edits_passthrough(p.target, job.anthropic)) {
    if (auto edited = native_cache_body(upstream_body, p.target, ctx.format, ctx.namespace_user)) {
      upstream_body = std::move(*edited);
    }
  }
  auto request = passthrough_request(p, client, job.stream, upstream_body, job.anthropic, ctx.request_id);
  http::UpstreamCall call(job.io.pool, *p.endpoint, within_deadline(c.timeouts, ctx), p.target.provider_id);
  ctx.cancel.connect([&call] { call.cancel(); });
  SentPrompt sent(job, ctx, c.upstream_model);
  const auto executor = co_await boost::asio::this_coro::executor;
  sent.start(answer_has_usage(job), executor);
  RelayOutcome outcome;
  if (auto failed = co_await call.start(request)) {
    outcome.error = std::move(*failed);
  } else {
    const PassthroughJob relay{*p.adapter, p.target, sent};
    outcome = co_await relay_passthrough(*job.io.sink, call, relay, ctx, job.stream);
  }
  ctx.cancel.disconnect();
  outcome.effective_context = sent.counted();
  co_return outcome;
}

// `request`: the job's canonical request, or a condensed form of it whose
// count condensation made (`counted`).
boost::asio::awaitable<RelayOutcome> send_translated(RequestContext& ctx, const PreparedCandidate& p,
                                                     const routing::Candidate& c, ChatJob& job,
                                                     const ChatRequest& request,
                                                     std::optional<std::int64_t> counted = std::nullopt) {
  std::optional<UpstreamTarget> own_target = with_client_protocol_headers(p, job);
  if (auto keyed = with_request_cache_key(own_target ? *own_target : p.target, ctx.namespace_user, request)) {
    own_target = std::move(keyed);
  }
  const UpstreamTarget& target = own_target ? *own_target : p.target;
  name_dropped_tools(job, ctx);
  SentPrompt sent(job, ctx, c.upstream_model);
  if (counted) sent.set_counted(*counted);
  const auto executor = co_await boost::asio::this_coro::executor;
  sent.start(answer_has_usage(job), executor);
  const TranslateJob translate{*p.adapter, target, *p.endpoint, within_deadline(c.timeouts, ctx), job.io.pool, &sent};
  RelayOutcome outcome;
  if (job.io.canonical != nullptr) {
    outcome = co_await serve_translated(*job.io.canonical, ctx, request, translate);
  } else {
    ClientFormatOutput out(*job.io.sink, ctx, {std::string(job.client_model), job.include_usage});
    outcome = co_await serve_translated(out, ctx, request, translate);
  }
  outcome.effective_context = sent.counted();
  co_return outcome;
}

boost::asio::awaitable<RelayOutcome> attempt_translated(RequestContext& ctx, const PreparedCandidate& p,
                                                        const routing::Candidate& c, ChatJob& job) {
  if (auto failed = decode_client_body(job, ctx.format)) {
    RelayOutcome outcome;
    outcome.error = std::move(*failed);
    outcome.undecodable = true;
    co_return outcome;
  }
  co_return co_await send_translated(ctx, p, c, job, *job.canonical);
}

// Not a coroutine: it hands over the coroutine of the path taken, so that
// an attempt costs no frame of its own. `p` outlives the attempt.
boost::asio::awaitable<RelayOutcome> attempt_prepared(RequestContext& ctx, const PreparedCandidate& p,
                                                      const routing::Candidate& c, ChatJob& job) {
  if (may_pass_through(job, *p.adapter, p.target, body_format(ctx.format))) return attempt_passthrough(ctx, p, c, job);
  return attempt_translated(ctx, p, c, job);
}

// A candidate prepared for this attempt only: outside the routing table, or
// one that cannot be prepared (the outcome then says why, and that nothing
// was sent: another candidate may well serve). `condensed`: the request to
// send instead of the job's.
boost::asio::awaitable<RelayOutcome> attempt_uncached(RequestContext& ctx, const routing::Candidate& c, ChatJob& job,
                                                      const CondenseOutcome* condensed = nullptr) {
  auto prepared = prepare_candidate(c);
  if (!prepared) {
    RelayOutcome outcome;
    outcome.error = prepared.take_error();
    outcome.unusable = true;
    co_return outcome;
  }
  if (condensed != nullptr) {
    co_return co_await send_translated(ctx, *prepared, c, job, *condensed->request, condensed->after);
  }
  co_return co_await attempt_prepared(ctx, *prepared, c, job);
}

boost::asio::awaitable<RelayOutcome> attempt_as_sent(RequestContext& ctx, const routing::Candidate& c, ChatJob& job,
                                                     bool in_table) {
  if (in_table) {
    if (const PreparedCandidate* p = cached_preparation(ctx.routes, c)) return attempt_prepared(ctx, *p, c, job);
  }
  return attempt_uncached(ctx, c, job);
}

// The condensed request, with the count condensation made of it.
boost::asio::awaitable<RelayOutcome> send_condensed(RequestContext& ctx, const routing::Candidate& c, ChatJob& job,
                                                    bool in_table, const CondenseOutcome& condensed) {
  const PreparedCandidate* p = in_table ? cached_preparation(ctx.routes, c) : nullptr;
  if (p == nullptr) co_return co_await attempt_uncached(ctx, c, job, &condensed);
  co_return co_await send_translated(ctx, *p, c, job, *condensed.request, condensed.after);
}

RelayOutcome refused(GatewayError error) {
  RelayOutcome outcome;
  outcome.error = std::move(error);
  outcome.unusable = true;  // nothing sent: another candidate, with a larger limit, may serve
  return outcome;
}

// Refused for the request's size (ChatJob::size_refusals).
RelayOutcome refused_for_size(ChatJob& job, const GatewayError& error) {
  ++job.size_refusals;
  job.size_refusal = error;
  return refused(error);
}

// A request whose bound is over the candidate's max_request_tokens
// (split_attempt.hpp): sent in chunks, refused before any upstream call
// when it cannot be split, or sent as it is when its count is within the
// limit. `condensed`: what condensation made of the job's request.
boost::asio::awaitable<RelayOutcome> attempt_splitting(RequestContext& ctx, const routing::Candidate& c, ChatJob& job,
                                                       bool in_table, const CondenseOutcome* condensed) {
  std::shared_ptr<const SplitDecision> split =
      co_await split_for_attempt(ctx, c, job, condensed != nullptr ? &*condensed->request : nullptr);
  if (split->refusal) co_return refused_for_size(job, *split->refusal);
  if (split->chunks.empty()) {
    if (condensed != nullptr) co_return co_await send_condensed(ctx, c, job, in_table, *condensed);
    co_return co_await attempt_as_sent(ctx, c, job, in_table);
  }
  if (const PreparedCandidate* p = in_table ? cached_preparation(ctx.routes, c) : nullptr) {
    co_return co_await serve_split(ctx, *p, c, job, std::move(split));
  }
  auto prepared = prepare_candidate(c);
  if (!prepared) {
    RelayOutcome outcome = refused(prepared.take_error());
    co_return outcome;
  }
  co_return co_await serve_split(ctx, *prepared, c, job, std::move(split));
}

// Not a coroutine: the path taken, split when over max_request_tokens.
boost::asio::awaitable<RelayOutcome> attempt_whole_or_split(RequestContext& ctx, const routing::Candidate& c,
                                                            ChatJob& job, bool in_table) {
  if (split_near(c, job, nullptr)) return attempt_splitting(ctx, c, job, in_table, nullptr);
  return attempt_as_sent(ctx, c, job, in_table);
}

// A request at the candidate's condensation threshold: condensed (and then
// translated), sent as it is, or refused before any upstream call (nothing
// sent: another candidate, with a larger context, may serve).
boost::asio::awaitable<RelayOutcome> attempt_condensing(RequestContext& ctx, const routing::Candidate& c, ChatJob& job,
                                                        bool in_table) {
  const CondenseOutcome* condensed = co_await condense_for_attempt(ctx, c, job);
  if (condensed != nullptr && condensed->refusal) {
    // Chunks of the request may fit where no condensed form of it does.
    if (split_near(c, job, nullptr)) co_return co_await attempt_splitting(ctx, c, job, in_table, nullptr);
    co_return refused_for_size(job, *condensed->refusal);
  }
  if (condensed == nullptr || !condensed->request) co_return co_await attempt_whole_or_split(ctx, c, job, in_table);
  ctx.response_headers.emplace_back("x-aisbf-condensed", condensed->header);
  if (split_near(c, job, &*condensed->request)) {
    co_return co_await attempt_splitting(ctx, c, job, in_table, condensed);
  }
  co_return co_await send_condensed(ctx, c, job, in_table, *condensed);
}

}  // namespace

bool may_pass_through(const ChatJob& job, const ProviderAdapter& adapter, const UpstreamTarget& target,
                      BodyFormat client) {
  if (job.envelope == nullptr || client == BodyFormat::none || adapter.passthrough_format() != client) return false;
  if (job.envelope->foreign_reasoning) return false;  // another provider's signature: OpenAI answers 400
  // A stream-only upstream (the ChatGPT backend) refuses a whole answer and
  // an output cap; translation asks for a stream and drops the cap.
  return !adapter.stream_only(target) || (job.stream && !job.envelope->has_room);
}

std::optional<UpstreamTarget> with_client_protocol_headers(const PreparedCandidate& p, const ChatJob& job) {
  if (!job.anthropic || job.io.client == nullptr || p.adapter->passthrough_format() != BodyFormat::anthropic_messages)
    return std::nullopt;
  UpstreamTarget target = p.target;
  forward_anthropic_headers(*job.io.client, target.extra_headers);
  return target;
}

boost::asio::awaitable<RelayOutcome> attempt(RequestContext& ctx, const routing::Candidate& c, ChatJob& job,
                                             bool in_table) {
  if (condense_near(c, job)) return attempt_condensing(ctx, c, job, in_table);
  return attempt_whole_or_split(ctx, c, job, in_table);
}

}  // namespace aisbf
