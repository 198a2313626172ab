#include "pipeline/cache_follow.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "pipeline/request_deadline.hpp"
#include "pipeline/translate.hpp"
#include "providers/registry.hpp"

namespace aisbf {

namespace {

std::unique_ptr<StreamDecoder> decoder_for(IngressFormat format) {
  const ProviderAdapter* adapter =
      find_provider_adapter(format == IngressFormat::anthropic_messages ? "anthropic" : "openai");
  return adapter != nullptr ? adapter->make_stream_decoder() : nullptr;
}

GatewayError unreadable(std::string_view why) {
  auto e = make_error(ErrorKind::internal, fmt::format("a recorded answer could not be read back: {}", why));
  e.code = "cache_unreadable";
  return e;
}

// The leader's stream ended short of its end and said nothing of why.
GatewayError shared_stream_cut(const ResponseFlights::View& view) {
  const std::string why =
      view.overflow
          ? fmt::format("it passed {} bytes, more than a shared answer may hold", ResponseFlights::kMaxRecordedBytes)
          : std::string("the request that made it ended first (its client left, or it failed)");
  auto e = make_error(ErrorKind::upstream_protocol,
                      "the answer this request shared with an identical one in flight ended early: " + why);
  e.code = "coalesced_stream_cut";
  return e;
}

// The follower's own id and time in the stream's start; its last usage noted.
void make_own(std::vector<StreamEvent>& events, const std::string& id, std::int64_t created,
              std::optional<Usage>& usage) {
  for (auto& ev : events) {
    if (auto* start = std::get_if<StreamStart>(&ev)) {
      start->id = id;
      start->created = created;
    } else if (const auto* u = std::get_if<UsageEvent>(&ev)) {
      usage = u->usage;
    }
  }
}

}  // namespace

RecordedStream::RecordedStream(IngressFormat format, std::size_t max_event_bytes)
    : decoder_(decoder_for(format)), parser_(max_event_bytes) {}

std::optional<GatewayError> RecordedStream::feed(std::string_view bytes, std::vector<StreamEvent>& events) {
  if (decoder_ == nullptr) return unreadable("this build lacks the client format's codec");
  parser_.feed(bytes);
  sse::Event ev;
  sse::Status status;
  while ((status = parser_.next(ev)) == sse::Status::event) {
    if (!ev.has_data) continue;
    auto decoded = decoder_->on_event(ev.event, ev.data);
    if (!decoded) return decoded.take_error();
    for (auto& e : *decoded) {
      finished_ = finished_ || std::holds_alternative<FinishEvent>(e);
      events.push_back(std::move(e));
    }
  }
  if (status == sse::Status::too_large) return unreadable("an event passed the size cap");
  return std::nullopt;
}

std::optional<GatewayError> RecordedStream::finish(std::vector<StreamEvent>& events) {
  if (decoder_ == nullptr) return unreadable("this build lacks the client format's codec");
  if (parser_.has_partial()) return unreadable("it ends inside an event");
  auto tail = decoder_->on_end();
  if (!tail) return tail.take_error();
  for (auto& e : *tail) {
    finished_ = finished_ || std::holds_alternative<FinishEvent>(e);
    events.push_back(std::move(e));
  }
  if (!finished_) return unreadable("it has no finish");
  return std::nullopt;
}

std::string own_answer_id(const ChatJob& job, const RequestContext& ctx) {
  return (job.anthropic ? "msg_aisbf_" : "chatcmpl-aisbf-") + ctx.request_id;
}

std::int64_t seconds_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

boost::asio::awaitable<LiveFollow> follow_live(ChatJob& job, RequestContext& ctx,
                                               std::shared_ptr<ResponseFlights::Flight> flight,
                                               const std::function<bool(std::string_view)>& may_share) {
  LiveFollow result;
  // The whole recording is capped: so is any one event of it.
  RecordedStream reader(ctx.format, ResponseFlights::kMaxRecordedBytes + 1);
  ClientFormatOutput out(*job.io.sink, ctx, {std::string(job.client_model), job.include_usage});
  const std::string id = own_answer_id(job, ctx);
  const std::int64_t created = seconds_now();
  const std::size_t headers_before = ctx.choice_headers.size();
  std::size_t offset = 0;
  std::vector<StreamEvent> events;
  for (;;) {
    std::optional<ResponseFlights::View> view =
        co_await ResponseFlights::next(flight, offset, true, ctx.deadline, ctx.cancel);
    if (!view) break;  // the client left, or the deadline came
    if (!out.started()) {
      // A whole answer, an error, a notifyerrors text, or a stream without
      // the usage this client asked for: the verdict decides.
      const bool takes = view->live && (view->usage || !job.include_usage) && may_share(view->served_by);
      if ((view->head && !takes) || (!view->head && view->closed)) break;
    }
    offset += view->bytes.size();
    std::optional<GatewayError> failed = reader.feed(view->bytes, events);
    if (!failed && (view->overflow || (view->closed && reader.finish(events).has_value()))) {
      failed = shared_stream_cut(*view);
    }
    if (failed && view->error) failed = view->error;  // the leader's own error says more
    if (failed && !out.started()) break;              // it failed first: the caller tries on its own
    if (ctx.choice_headers.size() == headers_before) {
      ctx.choice_headers.emplace_back("x-aisbf-cache", "hit");
      result.served_by = view->served_by;
    }
    make_own(events, id, created, result.usage);
    if (!events.empty()) {
      const bool delivered = co_await out.events(events);
      events.clear();
      if (!delivered) {
        result.done = result.started = true;  // its client left
        co_return result;
      }
    }
    if (failed || view->closed) {
      result.done = result.started = true;
      result.complete = !failed;
      co_await out.finish(failed);
      co_return result;
    }
  }
  result.started = out.started();
  if (!result.started) {
    ctx.choice_headers.resize(headers_before);  // nothing went out: the caller says what it is
    result.done = ctx.cancel.cancelled();
    co_return result;
  }
  result.done = true;
  if (!ctx.cancel.cancelled()) co_await out.finish(request_timed_out(ctx));
  co_return result;
}

}  // namespace aisbf
