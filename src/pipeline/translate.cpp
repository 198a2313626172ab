#include "pipeline/translate.hpp"

#include <variant>

#include "http/ndjson_splitter.hpp"
#include "http/sse_parser.hpp"
#include "http/upstream_client.hpp"
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

boost::asio::awaitable<RelayOutcome> translate_whole(http::Exchange& ex, http::UpstreamCall& call,
                                                     RequestContext& ctx, const TranslateJob& job) {
  RelayOutcome outcome;
  auto body = co_await call.read_all(ctx.config->server.max_upstream_body_bytes);
  if (!body) {
    outcome.error = body.take_error();
  } else if (auto response = job.adapter.decode_chat(*body); !response) {
    outcome.error = response.take_error();
  } else {
    if (response->usage) {
      outcome.usage = {response->usage->prompt_tokens, response->usage->completion_tokens,
                       response->usage->total_tokens, response->usage->cached_tokens};
    }
    const std::string encoded = job.codec.encode_response(*response, job.egress);
    HeaderList extra{{"x-request-id", ctx.request_id}};
  extra.insert(extra.end(), ctx.response_headers.begin(), ctx.response_headers.end());
    outcome.status = 200;
    outcome.reached_client = co_await ex.send(200, "application/json", encoded, extra);
  }
  co_return outcome;
}

// Encodes decoded events for the client; remembers usage on the way.
std::string encode_events(StreamEncoder& encoder, std::vector<StreamEvent>& events, RelayOutcome& outcome) {
  std::string out;
  for (const auto& ev : events) {
    if (const auto* u = std::get_if<UsageEvent>(&ev)) {
      outcome.usage = {u->usage.prompt_tokens, u->usage.completion_tokens, u->usage.total_tokens,
                       u->usage.cached_tokens};
    }
    out += encoder.on_event(ev);
  }
  events.clear();
  return out;
}

boost::asio::awaitable<RelayOutcome> translate_stream(http::Exchange& ex, http::UpstreamCall& call,
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
  auto encoder = job.codec.make_stream_encoder(job.egress);
  std::vector<StreamEvent> events;
  bool writable = true;
  HeaderList extra{{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}, {"x-request-id", ctx.request_id}};
  extra.insert(extra.end(), ctx.response_headers.begin(), ctx.response_headers.end());

  while (writable && !call.done()) {
    auto piece = co_await call.read_some();
    if (!piece) {
      outcome.error = piece.take_error();
      if (outcome.error->code == "upstream_connection_error")
        outcome.error = stream_broken(job.target.provider_id, outcome.error->message);
      break;
    }
    framer.feed(*piece);
    if ((outcome.error = framer.drain(*decoder, events, job.target.provider_id, cap))) break;
    std::string out = encode_events(*encoder, events, outcome);
    if (out.empty()) continue;
    if (!outcome.reached_client) {
      outcome.status = 200;
      outcome.reached_client = true;
      writable = co_await ex.begin_stream(200, "text/event-stream", extra);
    }
    writable = writable && co_await ex.stream_write(out);
  }
  if (!writable) {
    call.cancel();  // the client is gone: stop the upstream work now
    co_return outcome;
  }
  if (!outcome.error) outcome.error = framer.finish(*decoder, events);
  std::string tail = encode_events(*encoder, events, outcome);
  if (!outcome.reached_client) {
    if (outcome.error) co_return outcome;  // nothing was sent yet: the caller answers
    outcome.status = 200;
    outcome.reached_client = true;
    if (!co_await ex.begin_stream(200, "text/event-stream", extra)) co_return outcome;
  }
  tail += encoder->on_end(outcome.error);
  if (co_await ex.stream_write(tail)) co_await ex.end_stream();
  co_return outcome;
}

}  // namespace

boost::asio::awaitable<RelayOutcome> serve_translated(http::Exchange& ex, RequestContext& ctx,
                                                      const ChatRequest& request, const TranslateJob& job) {
  RelayOutcome outcome;
  auto encoded = job.adapter.encode_chat(request, job.target);
  if (!encoded) {
    outcome.error = encoded.take_error();
    co_return outcome;
  }
  const auto out = outgoing(*encoded, job.endpoint, request.stream);
  http::UpstreamCall call(ex.upstream_pool(), job.endpoint, job.timeouts, job.target.provider_id);
  ctx.cancel.connect([&call] { call.cancel(); });

  if (auto failed = co_await call.start(out)) {
    outcome.error = std::move(*failed);
  } else if (call.status() < 200 || call.status() >= 300) {
    outcome = co_await read_upstream_error(call, job.adapter, job.target);
  } else if (!request.stream) {
    outcome = co_await translate_whole(ex, call, ctx, job);
  } else {
    outcome = co_await translate_stream(ex, call, ctx, job);
  }
  ctx.cancel.disconnect();
  co_return outcome;
}

}  // namespace aisbf
