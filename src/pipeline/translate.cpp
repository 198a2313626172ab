#include "pipeline/translate.hpp"

#include <variant>

#include <fmt/format.h>

#include "core/response_fold.hpp"
#include "http/ndjson_splitter.hpp"
#include "http/sse_parser.hpp"
#include "http/upstream_client.hpp"
#include "pipeline/context_cache.hpp"
#include "pipeline/request_deadline.hpp"
#include "pipeline/respond.hpp"
#include "pipeline/sent_prompt.hpp"
#include "pipeline/stream_errors.hpp"

namespace aisbf {

namespace {

// Splits upstream bytes into the frames the adapter's decoder reads.
class Framer {
 public:
  Framer(StreamFraming framing, std::size_t cap) {
    if (framing == StreamFraming::ndjson) {
      impl_.emplace<ndjson::Splitter>(cap);
    } else {
      impl_.emplace<sse::Parser>(cap);
    }
  }

  void feed(std::string_view bytes) {
    std::visit([&](auto& f) { f.feed(bytes); }, impl_);
  }

  // Feeds every complete frame to `decoder`, appending the events to
  // `events`. An error when a frame is too large or the decoder fails.
  std::optional<GatewayError> drain(StreamDecoder& decoder, std::vector<StreamEvent>& events,
                                    std::string_view provider_id, std::size_t cap) {
    if (auto* sse = std::get_if<sse::Parser>(&impl_)) {
      sse::Event ev;
      for (auto status = sse->next(ev); status != sse::Status::need_more; status = sse->next(ev)) {
        if (status == sse::Status::too_large) return event_too_large(provider_id, cap);
        if (!ev.has_data) continue;
        if (auto err = take(decoder.on_event(ev.event, ev.data), events)) return err;
      }
      return std::nullopt;
    }
    auto& lines = std::get<ndjson::Splitter>(impl_);
    std::string_view line;
    for (auto status = lines.next(line); status != ndjson::Status::need_more; status = lines.next(line)) {
      if (status == ndjson::Status::too_large) return event_too_large(provider_id, cap);
      if (auto err = take(decoder.on_event({}, line), events)) return err;
    }
    return std::nullopt;
  }

  // At end of stream: a last NDJSON line without its newline still counts.
  std::optional<GatewayError> finish(StreamDecoder& decoder, std::vector<StreamEvent>& events) {
    if (auto* lines = std::get_if<ndjson::Splitter>(&impl_)) {
      if (auto rest = lines->finish(); !rest.empty()) return take(decoder.on_event({}, rest), events);
    }
    return take(decoder.on_end(), events);
  }

 private:
  static std::optional<GatewayError> take(Expected<std::vector<StreamEvent>> decoded,
                                          std::vector<StreamEvent>& events) {
    if (!decoded) return decoded.take_error();
    for (auto& e : *decoded) events.push_back(std::move(e));
    return std::nullopt;
  }

  std::variant<sse::Parser, ndjson::Splitter> impl_{std::in_place_type<sse::Parser>, 1};
};


ScannedUsage scanned_usage(const Usage& u) {
  return {u.prompt_tokens, u.completion_tokens, u.total_tokens, u.cached_tokens, u.cache_write_tokens,
          u.reasoning_tokens, true};
}

void note_usage(const std::vector<StreamEvent>& events, RelayOutcome& outcome) {
  for (const auto& ev : events) {
    if (const auto* u = std::get_if<UsageEvent>(&ev)) {
      outcome.usage = scanned_usage(u->usage);
    }
  }
}

bool has_usage_event(const std::vector<StreamEvent>& events) {
  for (const auto& ev : events) {
    if (std::holds_alternative<UsageEvent>(ev)) return true;
  }
  return false;
}

// The figure into every usage event (a coroutine only for a batch that has one).
boost::asio::awaitable<void> add_figure(std::vector<StreamEvent>& events, SentPrompt& sent) {
  const std::optional<std::int64_t> n = co_await sent.value();
  for (auto& ev : events) {
    if (auto* u = std::get_if<UsageEvent>(&ev)) u->usage.effective_context = n;
  }
}

// The answer's usage gets the figure, and the usage row has it.
boost::asio::awaitable<void> note_figure(SentPrompt* sent, std::optional<Usage>& usage) {
  if (sent == nullptr) co_return;
  if (usage && sent->wanted()) {
    const std::optional<std::int64_t> n = co_await sent->value();
    usage->effective_context = n;
  }
  co_await sent->note();
}

boost::asio::awaitable<RelayOutcome> translate_whole(TranslatedOutput& out, http::UpstreamCall& call,
                                                     const TranslateJob& job, RequestContext& ctx) {
  const std::uint64_t max_body = ctx.config->server.max_upstream_body_bytes;
  RelayOutcome outcome;
  auto body = co_await call.read_all(max_body);
  if (!body) {
    outcome.error = body.take_error();
    co_return outcome;
  }
  auto response = job.adapter.decode_chat(*body);
  if (!response) {
    outcome.error = response.take_error();
  } else {
    if (response->usage) {
      outcome.usage = scanned_usage(*response->usage);
    }
    co_await note_figure(job.sent, response->usage);
    outcome.status = 200;
    ctx.quota.settle_answered(outcome.usage);
    outcome.reached_client = co_await out.whole(*response);
  }
  co_return outcome;
}

// Reads, decodes and hands over events until the upstream's stream ends or
// the receiver leaves; an error before any output is returned unsent.
boost::asio::awaitable<RelayOutcome> translate_stream(TranslatedOutput& out, http::UpstreamCall& call,
                                                      RequestContext& ctx, const TranslateJob& job) {
  RelayOutcome outcome;
  const auto cap = ctx.config->server.max_sse_event_bytes;
  const auto framing = job.adapter.stream_framing();
  auto content_type = call.header("content-type");
  if (framing == StreamFraming::sse && content_type.substr(0, 17) != "text/event-stream") {
    outcome.error = not_streaming(job.target.provider_id, content_type);
    co_return outcome;
  }
  Framer framer(framing, cap);
  auto decoder = job.adapter.make_stream_decoder();
  std::vector<StreamEvent> events;
  bool writable = true;

  while (writable && !call.done()) {
    auto piece = co_await call.read_some();
    if (!piece) {
      outcome.error = failed_stream_read(job.target.provider_id, piece.take_error());
      break;
    }
    framer.feed(*piece);
    if ((outcome.error = framer.drain(*decoder, events, job.target.provider_id, cap))) break;
    if (events.empty()) continue;
    note_usage(events, outcome);
    if (job.sent != nullptr && job.sent->wanted() && has_usage_event(events)) co_await add_figure(events, *job.sent);
    writable = co_await out.events(events);
    events.clear();
  }
  if (out.started()) {
    outcome.status = 200;
    outcome.reached_client = true;
  }
  if (!writable) {
    call.cancel();  // the receiver is gone, or refused more: stop the upstream work now
    if (job.sent != nullptr) co_await job.sent->note();  // its row still says what was sent
    if (auto refused = out.refusal()) outcome.error = std::move(*refused);
    co_return outcome;
  }
  if (!outcome.error) outcome.error = framer.finish(*decoder, events);
  if (outcome.error && !out.started()) co_return outcome;  // nothing was sent yet: the caller answers
  if (!events.empty()) {
    note_usage(events, outcome);
    if (job.sent != nullptr && job.sent->wanted() && has_usage_event(events)) co_await add_figure(events, *job.sent);
    const bool delivered = co_await out.events(events);
    if (!delivered) {
      if (auto refused = out.refusal()) outcome.error = std::move(*refused);
      co_return outcome;
    }
  }
  // A read cut by the request's deadline (its timeouts were clipped to it) says so.
  if (outcome.error && outcome.error->kind == ErrorKind::upstream_timeout && past_deadline(ctx)) {
    outcome.error = request_timed_out(ctx);
  }
  if (job.sent != nullptr) co_await job.sent->note();
  ctx.quota.settle_answered(outcome.usage);
  co_await out.finish(outcome.error);
  outcome.status = 200;
  outcome.reached_client = true;
  co_return outcome;
}

// A whole answer for the receiver, made of a stream the upstream was asked
// for because it streams only (ProviderAdapter::stream_only). Nothing
// reaches the receiver before the stream ended well: a failure before that
// is the attempt loop's, as for a whole answer.
//
// Held whole until then, so bounded as a whole answer is
// (server.max_upstream_body_bytes, counted as the content folded plus a
// block's worth per event, as an event may open a block of its own): past
// it, the upstream is cut and the attempt fails as a too-large answer would.
class FoldedOutput final : public TranslatedOutput {
 public:
  FoldedOutput(TranslatedOutput& receiver, std::size_t max_bytes, std::string_view provider_id)
      : receiver_(receiver), max_bytes_(max_bytes), provider_id_(provider_id) {}

  boost::asio::awaitable<bool> whole(const ChatResponse& response) override {
    co_return co_await receiver_.whole(response);
  }

  boost::asio::awaitable<bool> events(const std::vector<StreamEvent>& events) override {
    for (const auto& ev : events) {
      folded_bytes_ += content_bytes(ev);
      if (folded_bytes_ > max_bytes_) {
        overflowed_ = true;
        co_return false;
      }
      folder_.fold(ev);
    }
    co_return true;
  }

  std::optional<GatewayError> refusal() const override {
    if (!overflowed_) return std::nullopt;
    auto e = make_error(ErrorKind::upstream_protocol,
                        fmt::format("provider '{}' answered more than {} bytes", provider_id_, max_bytes_));
    e.code = "upstream_response_too_large";
    return e;
  }

  // translate_stream finishes an unstarted output only without an error; one
  // it passes on anyway goes as it is.
  boost::asio::awaitable<void> finish(const std::optional<GatewayError>& error) override {
    if (error) {
      co_await receiver_.finish(error);
      co_return;
    }
    (void)co_await receiver_.whole(folder_.response());
  }

  bool started() const override { return receiver_.started(); }

 private:
  static std::size_t content_bytes(const StreamEvent& event) {
    std::size_t bytes = sizeof(ContentBlock);
    if (const auto* t = std::get_if<TextDelta>(&event)) bytes += t->text.size();
    if (const auto* r = std::get_if<ReasoningDelta>(&event))
      bytes += r->text.size() + r->signature.size() + r->encrypted_content.size();
    if (const auto* c = std::get_if<ToolCallDelta>(&event))
      bytes += c->id.size() + c->name.size() + c->arguments.size();
    return bytes;
  }

  TranslatedOutput& receiver_;
  ResponseFolder folder_;
  std::size_t max_bytes_;
  std::string_view provider_id_;
  std::size_t folded_bytes_ = 0;
  bool overflowed_ = false;
};

boost::asio::awaitable<RelayOutcome> serve_as_asked(TranslatedOutput& out, RequestContext& ctx,
                                                    const ChatRequest& request, const TranslateJob& job);

}  // namespace

http::OutgoingRequest outgoing(const UpstreamRequest& up, const http::Endpoint& endpoint, bool stream) {
  http::OutgoingRequest out;
  out.method = up.method;
  out.target = endpoint.base_path + up.path_suffix;
  out.headers = up.headers;
  out.headers.emplace_back("Accept", stream ? "text/event-stream, application/x-ndjson" : "application/json");
  out.headers.emplace_back("Accept-Encoding", "identity");
  out.headers.emplace_back("User-Agent", "aisbf/" AISBF_VERSION);
  out.body = up.body;
  return out;
}

ClientFormatOutput::ClientFormatOutput(ResponseSink& sink, const RequestContext& ctx, EgressContext egress)
    : sink_(sink), ctx_(ctx), codec_(ingress_codec(ctx.format)), egress_(std::move(egress)) {}

boost::asio::awaitable<bool> ClientFormatOutput::whole(const ChatResponse& response) {
  const std::string encoded = codec_.encode_response(response, egress_);
  const HeaderList extra = answer_headers(ctx_, false);
  started_ = true;
  co_return co_await sink_.send(200, "application/json", encoded, extra);
}

boost::asio::awaitable<bool> ClientFormatOutput::events(const std::vector<StreamEvent>& events) {
  if (!encoder_) encoder_ = codec_.make_stream_encoder(egress_);
  std::string out;
  for (const auto& ev : events) out += encoder_->on_event(ev);
  if (out.empty()) co_return true;
  if (!started_) {
    started_ = true;
    const HeaderList extra = answer_headers(ctx_, true);
    const bool began = co_await sink_.begin_stream(200, "text/event-stream", extra);
    if (!began) co_return false;
  }
  co_return co_await sink_.write(out);
}

boost::asio::awaitable<void> ClientFormatOutput::finish(const std::optional<GatewayError>& error) {
  if (!encoder_) encoder_ = codec_.make_stream_encoder(egress_);
  const std::string tail = encoder_->on_end(error);
  if (!started_) {
    started_ = true;
    const HeaderList extra = answer_headers(ctx_, true);
    const bool began = co_await sink_.begin_stream(200, "text/event-stream", extra);
    if (!began) co_return;
  }
  if (error) {
    co_await sink_.end_with_error(tail, *error);
  } else if (co_await sink_.write(tail)) {
    co_await sink_.end();
  }
}

boost::asio::awaitable<RelayOutcome> serve_translated(TranslatedOutput& out, RequestContext& ctx,
                                                      const ChatRequest& request, const TranslateJob& job) {
  if (request.stream || !job.adapter.stream_only(job.target)) co_return co_await serve_as_asked(out, ctx, request, job);
  ChatRequest streamed = request;
  streamed.stream = true;
  FoldedOutput folded(out, ctx.config->server.max_upstream_body_bytes, job.target.provider_id);
  co_return co_await serve_as_asked(folded, ctx, streamed, job);
}

namespace {

boost::asio::awaitable<RelayOutcome> serve_as_asked(TranslatedOutput& out, RequestContext& ctx,
                                                    const ChatRequest& request, const TranslateJob& job) {
  RelayOutcome outcome;
  auto encoded = job.adapter.encode_chat(request, job.target);
  if (!encoded) {
    outcome.error = encoded.take_error();
    co_return outcome;
  }
  ContextCacheUse cache;
  if (context_cache_may_apply(ctx, job)) cache = co_await use_context_cache(ctx, job, *encoded);
  for (;;) {
    auto upstream_request = outgoing(*encoded, job.endpoint, request.stream);
    if (!ctx.request_id.empty()) upstream_request.headers.emplace_back("x-request-id", ctx.request_id);
    if (!ctx.traceparent.empty()) upstream_request.headers.emplace_back("traceparent", std::string(ctx.traceparent));
    http::UpstreamCall call(job.pool, job.endpoint, job.timeouts, job.target.provider_id);
    ctx.cancel.connect([&call] { call.cancel(); });
    if (auto failed = co_await call.start(upstream_request)) {
      outcome.error = std::move(*failed);
    } else if (call.status() < 200 || call.status() >= 300) {
      const int status = call.status();
      outcome = co_await read_upstream_error(call, job.adapter, job.target);
      if (context_cache_refused(cache, status) && !ctx.cancel.cancelled()) {
        ctx.cancel.disconnect();
        co_await recover_context_cache(ctx, job, cache, *encoded, status);
        outcome = RelayOutcome{};
        continue;  // the same request with a new cache, or the plain one
      }
    } else if (!request.stream) {
      outcome = co_await translate_whole(out, call, job, ctx);
    } else {
      outcome = co_await translate_stream(out, call, ctx, job);
    }
    ctx.cancel.disconnect();
    co_return outcome;
  }
}

}  // namespace

}  // namespace aisbf
