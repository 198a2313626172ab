#include "pipeline/response_capture.hpp"

#include "api/openai/responses_history.hpp"

namespace aisbf {

boost::asio::awaitable<bool> ResponseCaptureSink::send(int status, std::string_view content_type,
                                                       std::string_view body, const HeaderList& headers) {
  if (status == 200) {
    if (body.size() > max_) {
      overflow_ = true;
    } else if (auto final = api::final_response(body)) {
      found(CapturedResponse{std::move(final->id), std::string(final->json)});
    }
  }
  delivered_ = co_await inner_.send(status, content_type, body, headers);
  co_return delivered_;
}

boost::asio::awaitable<bool> ResponseCaptureSink::begin_stream(int status, std::string_view content_type,
                                                               const HeaderList& headers) {
  streaming_ = status == 200;
  return inner_.begin_stream(status, content_type, headers);
}

void ResponseCaptureSink::found(CapturedResponse response) {
  captured_ = std::move(response);
  if (on_final_) on_final_(*captured_);
}

void ResponseCaptureSink::scan(std::string_view bytes) {
  events_.feed(bytes);
  sse::Event event;
  for (;;) {
    const auto status = events_.next(event);
    if (status == sse::Status::need_more) return;
    if (status == sse::Status::too_large) {
      // Only a response this large is lost; the stream itself goes on.
      overflow_ = true;
      streaming_ = false;
      captured_.reset();
      return;
    }
    if (!event.has_data) continue;
    if (auto final = api::final_response_of_event(event.event, event.data))
      found(CapturedResponse{std::move(final->id), std::string(final->json)});
  }
}

boost::asio::awaitable<bool> ResponseCaptureSink::write(std::string_view bytes) {
  if (streaming_) scan(bytes);
  return inner_.write(bytes);
}

boost::asio::awaitable<bool> ResponseCaptureSink::end() {
  delivered_ = co_await inner_.end();
  co_return delivered_;
}

boost::asio::awaitable<bool> ResponseCaptureSink::end_with_error(std::string_view error_event,
                                                                 const GatewayError& error) {
  failed_ = true;
  return inner_.end_with_error(error_event, error);
}

std::optional<CapturedResponse> ResponseCaptureSink::take() {
  // A client that left mid-stream (a write that did not arrive) is gone by
  // the end: what it saw was cut.
  if (!delivered_ || failed_ || inner_.gone() || !captured_) return std::nullopt;
  if (streaming_ && events_.has_partial()) return std::nullopt;  // bytes after the last event: cut
  auto out = std::move(captured_);
  captured_.reset();
  return out;
}

}  // namespace aisbf
