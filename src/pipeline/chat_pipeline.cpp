#include "pipeline/chat_pipeline.hpp"

#include <optional>

#include "api/anthropic/count_tokens.hpp"
#include "pipeline/chat_job.hpp"
#include "pipeline/request_metrics.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/usage_capture.hpp"
#include "pipeline/user_views.hpp"

namespace aisbf {

namespace {

// The sink a request writes to: the caller's, or the exchange itself
// (kept in the serving coroutine's frame, so it costs no frame of its own),
// behind a UsageSink when usage is recorded.
struct DoorSinks {
  std::optional<ExchangeSink> own;
  std::optional<UsageSink> tap;
};
ResponseSink& sink_for(const HttpChat* io, http::Exchange* ex, DoorSinks& sinks, RequestContext& ctx) {
  ResponseSink& sink = io != nullptr ? io->sink : sinks.own.emplace(*ex);
  if (!ctx.usage.on() && !ctx.usage.metrics) return sink;
  return sinks.tap.emplace(sink, ctx.usage);
}

// The request is over: its usage row (the client left if it cancelled, or
// if its sink knows it is gone). `job`: the request's, whose prompt is
// counted when the upstream reported no usage; null when none was made
// (a refusal, which has no tokens).
void finish_usage(RequestContext& ctx, std::string_view model, const http::Request& request, const ResponseSink& sink,
                  ChatJob* job) {
  metrics_chat_end(ctx, model);
  if (!ctx.usage.on()) return;
  auto count = [&](std::string_view upstream_model) {
    return job != nullptr ? job_prompt_tokens(*job, ctx, upstream_model) : std::int64_t{0};
  };
  record_usage(ctx, model, {request.body().size(), count}, ctx.cancel.cancelled() || sink.gone());
}

boost::asio::awaitable<void> refuse(ResponseSink& sink, const GatewayError& error, RequestContext& ctx,
                                    const http::Request& request) {
  note_error(ctx.usage, error);
  co_await send_error(sink, error, ctx);
  finish_usage(ctx, {}, request, sink, nullptr);
}

ChatIo http_io(const HttpChat* io, http::Exchange* ex, const http::Request& request, ResponseSink& sink) {
  ChatIo out(io != nullptr ? io->pool : ex->upstream_pool());
  out.client = &request;
  out.sink = &sink;
  out.exchange = io != nullptr ? io->exchange : ex;
  return out;
}

// A client format whose bodies may be forwarded as bytes to an adapter that
// speaks it (chat, messages, responses); otherwise decoded to canonical and
// translated. `io` null: the answer goes to `ex`.
boost::asio::awaitable<void> serve_enveloped(const HttpChat* io, http::Exchange* ex, RequestContext& ctx,
                                             std::string_view scope) {
  DoorSinks sinks;
  ResponseSink& sink = sink_for(io, ex, sinks, ctx);
  const http::Request& request = io != nullptr ? io->request : ex->request();
  std::optional<Expected<ChatEnvelope>> scanned;
  const ChatEnvelope* envelope = io != nullptr ? io->envelope : nullptr;
  if (envelope == nullptr) {
    scanned.emplace(scan_chat_envelope(request.body(), ctx.format));
    if (!*scanned) co_return co_await refuse(sink, scanned->error(), ctx, request);
    envelope = &**scanned;
  }
  if (names_user_target(ctx, scope, envelope->model)) co_await ensure_user_view(ctx);
  ChatJob job(http_io(io, ex, request, sink));
  job.client_model = envelope->model;
  job.stream = envelope->stream;
  job.include_usage = envelope->include_usage;
  job.envelope = envelope;
  job.anthropic = ctx.format == IngressFormat::anthropic_messages;
  co_await run_chat_job(job, ctx, scope);
  finish_usage(ctx, job.client_model, request, sink, &job);
}

// Legacy completions always go through canonical types: no provider takes
// the prompt form any more.
boost::asio::awaitable<void> serve_decoded(const HttpChat* io, http::Exchange* ex, RequestContext& ctx,
                                           std::string_view scope) {
  DoorSinks sinks;
  ResponseSink& sink = sink_for(io, ex, sinks, ctx);
  const http::Request& request = io != nullptr ? io->request : ex->request();
  auto decoded = ingress_codec(ctx.format).decode_request(request.body());
  if (!decoded) co_return co_await refuse(sink, decoded.error(), ctx, request);
  if (names_user_target(ctx, scope, decoded->model)) co_await ensure_user_view(ctx);
  ChatJob job(http_io(io, ex, request, sink));
  job.stream = decoded->stream;
  job.include_usage = decoded->include_usage;
  job.canonical = std::move(*decoded);
  job.client_model = job.canonical->model;  // after the move: a short name lives inside the string
  co_await run_chat_job(job, ctx, scope);
  finish_usage(ctx, job.client_model, request, sink, &job);
}

}  // namespace

// Not coroutines: each hands over the coroutine that serves the request.
boost::asio::awaitable<void> serve_chat(http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  ctx.format = IngressFormat::openai_chat;
  return serve_enveloped(nullptr, &ex, ctx, scope);
}

boost::asio::awaitable<void> serve_messages(http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  ctx.format = IngressFormat::anthropic_messages;
  return serve_enveloped(nullptr, &ex, ctx, scope);
}

boost::asio::awaitable<void> serve_completions(http::Exchange& ex, RequestContext& ctx, std::string_view scope) {
  ctx.format = IngressFormat::openai_completions;
  return serve_decoded(nullptr, &ex, ctx, scope);
}

// Not a coroutine either: the caller's `io` is the serving coroutine's.
boost::asio::awaitable<void> serve_chat_with(const HttpChat& io, RequestContext& ctx, std::string_view scope) {
  if (ctx.format == IngressFormat::openai_completions) return serve_decoded(&io, nullptr, ctx, scope);
  return serve_enveloped(&io, nullptr, ctx, scope);
}

boost::asio::awaitable<void> serve_chat_to(HttpChat io, RequestContext& ctx, std::string_view scope) {
  // `io` lives in this frame for the serving coroutine's whole run.
  if (ctx.format == IngressFormat::openai_completions) {
    co_await serve_decoded(&io, nullptr, ctx, scope);
  } else {
    co_await serve_enveloped(&io, nullptr, ctx, scope);
  }
}

boost::asio::awaitable<void> serve_count_tokens(http::Exchange& ex, RequestContext& ctx) {
  if (auto too_large = counted_body_too_large(ex.request().body().size()))
    co_return co_await send_error(ex, *too_large, ctx);
  // Claude's tokenizer is not published: cl100k_base stands in (count_tokens.hpp).
  auto tokenizer = chat_tokenizer(context::Encoding::cl100k_base);
  if (!tokenizer) co_return co_await send_error(ex, tokenizer.error(), ctx);
  auto answer = api::anthropic_count_tokens_response(ex.request().body(), **tokenizer);
  if (!answer) co_return co_await send_error(ex, answer.error(), ctx);
  co_await send_json(ex, 200, *answer, ctx.request_id);
}

}  // namespace aisbf
