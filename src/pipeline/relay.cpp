#include "pipeline/relay.hpp"

#include <fmt/format.h>

#include "api/openai/responses_ingress.hpp"
#include "core/usage_splice.hpp"
#include "http/sse_parser.hpp"
#include "pipeline/request_deadline.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/sent_prompt.hpp"
#include "pipeline/stream_errors.hpp"

namespace aisbf {

namespace {

constexpr std::size_t kMaxErrorBody = 1024 * 1024;

bool is_event_stream(std::string_view content_type) {
  return content_type.substr(0, 17) == "text/event-stream";
}

// Client and upstream speak the same format here: its usage reader, chosen once.
UsageScanner usage_scanner(const RequestContext& ctx) {
  switch (ctx.format) {
    case IngressFormat::anthropic_messages: return UsageScanner(UsageScanner::Wire::anthropic);
    case IngressFormat::openai_responses: return UsageScanner(UsageScanner::Wire::openai_responses);
    default: return UsageScanner(UsageScanner::Wire::openai);
  }
}

// The format's last event: chat's [DONE], Anthropic's message_stop, a
// Responses stream's terminal response event (it has no [DONE]).
bool is_last_event(const sse::Event& ev) {
  if (ev.data == "[DONE]" || ev.event == "message_stop") return true;
  return ev.event.starts_with("response.") &&
         (ev.event == "response.completed" || ev.event == "response.incomplete" || ev.event == "response.failed");
}

// An upstream's own error event ends its stream as surely as [DONE] does.
bool is_error_event(const sse::Event& ev) {
  if (ev.event == "error") return true;
  auto data = ev.data;
  while (!data.empty() && (data.front() == ' ' || data.front() == '\t')) data.remove_prefix(1);
  return data.substr(0, 8) == "{\"error\"";
}

struct StreamProgress {
  bool saw_data = false;
  bool ended = false;  // the format's last event (is_last_event) or an error event arrived
  UsageScanner usage{UsageScanner::Wire::openai};
  // A Responses stream: what its failure tail needs (events counted, the upstream's response id).
  std::optional<api::RelayedResponsesStream> responses;
};

enum class Drained : std::uint8_t { need_more, too_large, usage };

// Moves complete events from the parser into `out` (raw bytes, as the
// upstream framed them), up to an event whose top-level usage object gets
// the figure: that one is left in `ev` (valid until the parser's next
// call) for append_with_figure.
Drained next_events(sse::Parser& parser, sse::Event& ev, std::string& out, RelayOutcome& outcome,
                    StreamProgress& progress) {
  for (;;) {
    auto status = parser.next(ev);
    if (status == sse::Status::need_more) return Drained::need_more;
    if (status == sse::Status::too_large) return Drained::too_large;
    if (ev.has_data) {
      progress.saw_data = true;
      if (progress.responses) progress.responses->saw(ev.event, ev.data);
      // A Responses stream's usage comes in its last event (response.completed).
      if (is_last_event(ev) || is_error_event(ev)) progress.ended = true;
      // A Responses stream names its events and only the terminal ones carry
      // usage: the rest (deltas; created/in_progress with "usage":null, the
      // size of a whole response) are not scanned. An unnamed event is.
      const bool may_hold_usage = !progress.responses || ev.event.empty() || progress.ended;
      if (may_hold_usage && progress.usage.read(ev.data, outcome.usage) && !progress.usage.usage_object().empty()) {
        return Drained::usage;  // not Anthropic's message_start nor response.completed: theirs is nested
      }
    }
    out.append(ev.raw);
  }
}

// `ev`, its usage object with "effective_context" (unchanged when nothing
// was counted or its usage is not valid JSON).
boost::asio::awaitable<void> append_with_figure(std::string& out, const sse::Event& ev, std::string_view usage,
                                                SentPrompt& sent) {
  const std::optional<std::int64_t> n = co_await sent.value();
  std::optional<std::string> data;
  if (n) data = with_effective_context(ev.data, usage, *n);
  if (data) {
    out += sse_block_with_data(ev.raw, ev.event, ev.id, ev.data, *data);
  } else {
    out.append(ev.raw);
  }
}

// Every complete event into `out`; false when one exceeded the cap. (Asio
// recycles a coroutine's frame: one per upstream read costs little.)
boost::asio::awaitable<bool> drain_events(sse::Parser& parser, std::string& out, RelayOutcome& outcome,
                                          StreamProgress& progress, SentPrompt& sent) {
  sse::Event ev;
  Drained drained = Drained::usage;
  while ((drained = next_events(parser, ev, out, outcome, progress)) == Drained::usage) {
    co_await append_with_figure(out, ev, progress.usage.usage_object(), sent);
  }
  co_return drained == Drained::need_more;
}

boost::asio::awaitable<RelayOutcome> relay_whole(ResponseSink& sink, http::UpstreamCall& call, RequestContext& ctx,
                                                 SentPrompt& sent) {
  RelayOutcome outcome;
  auto body = co_await call.read_all(ctx.config->server.max_upstream_body_bytes);
  if (!body) {
    outcome.error = body.take_error();
    co_return outcome;
  }
  UsageScanner scanner = usage_scanner(ctx);
  if (scanner.read(*body, outcome.usage)) {
    const std::optional<std::int64_t> n = co_await sent.value();
    std::optional<std::string> spliced;
    if (n) spliced = with_effective_context(*body, scanner.usage_object(), *n);
    if (spliced) *body = std::move(*spliced);
  }
  co_await sent.note();
  // g++ 12 destroys a temporary made by ?: inside a co_await twice: name it.
  std::string content_type = call.header("content-type");
  if (content_type.empty()) content_type = "application/json";
  const HeaderList extra = answer_headers(ctx, false);
  outcome.status = call.status();
  ctx.quota.settle_answered(outcome.usage);
  outcome.reached_client = co_await sink.send(call.status(), content_type, *body, extra);
  co_return outcome;
}

boost::asio::awaitable<RelayOutcome> relay_stream(ResponseSink& sink, http::UpstreamCall& call,
                                                  const UpstreamTarget& target, RequestContext& ctx,
                                                  SentPrompt& sent) {
  RelayOutcome outcome;
  const auto cap = ctx.config->server.max_sse_event_bytes;
  sse::Parser parser(cap);
  std::string out;
  StreamProgress progress;
  progress.usage = usage_scanner(ctx);
  if (ctx.format == IngressFormat::openai_responses) progress.responses.emplace();

  // Until the first event: a failure is still an ordinary JSON error.
  while (!progress.saw_data) {
    if (call.done()) {
      outcome.error = stream_broken(target.provider_id, "it closed before sending any event");
      break;
    }
    auto piece = co_await call.read_some();
    if (!piece) {
      outcome.error = piece.take_error();
      break;
    }
    parser.feed(*piece);
    const bool drained = co_await drain_events(parser, out, outcome, progress, sent);
    if (!drained) {
      outcome.error = event_too_large(target.provider_id, cap);
      break;
    }
    if (!progress.saw_data && out.size() > ctx.config->server.max_sse_preamble_bytes) {  // keep-alives only
      outcome.error = preamble_too_large(target.provider_id, ctx.config->server.max_sse_preamble_bytes);
      break;
    }
  }
  if (outcome.error) co_return outcome;

  outcome.status = 200;
  const HeaderList extra = answer_headers(ctx, true);
  bool writable = co_await sink.begin_stream(200, "text/event-stream", extra) && co_await sink.write(out);
  outcome.reached_client = true;

  // Then every read is forwarded as soon as it holds complete events.
  while (writable && !call.done()) {
    auto piece = co_await call.read_some();
    if (!piece) {
      outcome.error = failed_stream_read(target.provider_id, piece.take_error());
      break;
    }
    parser.feed(*piece);
    out.clear();
    const bool drained = co_await drain_events(parser, out, outcome, progress, sent);
    if (!drained) {
      outcome.error = event_too_large(target.provider_id, cap);
      break;
    }
    writable = co_await sink.write(out);
  }
  if (!writable) {
    call.cancel();  // the client is gone: stop the upstream work now
    co_await sent.note();  // its row still says what was sent
    co_return outcome;
  }
  if (!outcome.error && !progress.ended) {
    outcome.error = stream_broken(target.provider_id, parser.has_partial() ? "it stopped in the middle of an event"
                                                                           : "it closed without its final event");
  }
  if (outcome.error) {
    // A read cut by the request's deadline (its timeouts were clipped to it) says so.
    if (outcome.error->kind == ErrorKind::upstream_timeout && past_deadline(ctx)) {
      outcome.error = request_timed_out(ctx);
    }
    // The error event in the client's format (a fresh encoder has no state to
    // close; a Responses stream's tail continues the upstream's numbering).
    const std::string error_event = progress.responses ? progress.responses->failure(*outcome.error)
                                                       : ingress_codec(ctx.format).make_stream_encoder({})->on_end(outcome.error);
    co_await sent.note();
    ctx.quota.settle_answered(outcome.usage);
    co_await sink.end_with_error(error_event, *outcome.error);
    co_return outcome;
  }
  co_await sent.note();
  ctx.quota.settle_answered(outcome.usage);
  co_await sink.end();
  co_return outcome;
}

}  // namespace

boost::asio::awaitable<RelayOutcome> read_upstream_error(http::UpstreamCall& call, const ProviderAdapter& adapter,
                                                         const UpstreamTarget& target) {
  RelayOutcome outcome;
  auto body = co_await call.read_all(kMaxErrorBody);
  const std::string_view text = body ? std::string_view(*body) : std::string_view{};
  auto error = adapter.classify_error(call.status(), text, target);
  if (call.status() == 429) {
    if (auto retry = call.header("retry-after"); !retry.empty()) error.retry_after = retry;
    outcome.rate_hints = limits::parse_rate_hints([&call](std::string_view name) { return call.header(name); },
                                                  text, std::chrono::system_clock::now());
  }
  outcome.status = error.status;
  outcome.error = std::move(error);
  co_return outcome;
}

boost::asio::awaitable<RelayOutcome> relay_passthrough(ResponseSink& sink, http::UpstreamCall& call,
                                                       const PassthroughJob& job, RequestContext& ctx, bool stream) {
  const UpstreamTarget& target = job.target;
  const int status = call.status();
  if (status < 200 || status >= 300) co_return co_await read_upstream_error(call, job.adapter, target);
  if (!stream) co_return co_await relay_whole(sink, call, ctx, job.sent);
  if (!is_event_stream(call.header("content-type"))) {
    // The client asked for a stream and would read this body as an empty
    // one: say what happened instead.
    RelayOutcome outcome;
    outcome.error = not_streaming(target.provider_id, call.header("content-type"));
    outcome.status = outcome.error->status;
    co_return outcome;
  }
  co_return co_await relay_stream(sink, call, target, ctx, job.sent);
}

}  // namespace aisbf
