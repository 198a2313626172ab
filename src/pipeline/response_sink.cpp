#include "pipeline/response_sink.hpp"

namespace aisbf {

namespace {

boost::asio::awaitable<bool> write_and_end(http::Exchange& ex, std::string_view last) {
  // Results named: with `if (!co_await …)` here g++ 12 resumed a dead frame.
  const bool wrote = co_await ex.stream_write(last);
  if (!wrote) co_return false;
  const bool ended = co_await ex.end_stream();
  co_return ended;
}

}  // namespace

// Not a coroutine: the error itself is of no use to a connection.
boost::asio::awaitable<bool> ExchangeSink::end_with_error(std::string_view error_event, const GatewayError&) {
  return write_and_end(ex_, error_event);
}

void RecordingSink::note_head(int status, std::string_view content_type, const HeaderList& headers, bool streamed) {
  recorded_.status = status;
  recorded_.content_type = content_type;
  recorded_.headers = headers;
  recorded_.streamed = streamed;
}

void RecordingSink::note_bytes(std::string_view bytes) {
  if (recorded_.overflow) return;
  if (recorded_.body.size() + bytes.size() > cap_) {
    recorded_.overflow = true;
    recorded_.body = {};
    return;
  }
  recorded_.body.append(bytes);
}

boost::asio::awaitable<bool> RecordingSink::send(int status, std::string_view content_type, std::string_view body,
                                                 const HeaderList& headers) {
  note_head(status, content_type, headers, false);
  note_bytes(body);
  recorded_.complete = true;
  co_return true;
}

boost::asio::awaitable<bool> RecordingSink::begin_stream(int status, std::string_view content_type,
                                                         const HeaderList& headers) {
  note_head(status, content_type, headers, true);
  co_return true;
}

boost::asio::awaitable<bool> RecordingSink::write(std::string_view bytes) {
  note_bytes(bytes);
  co_return true;
}

boost::asio::awaitable<bool> RecordingSink::end() {
  recorded_.complete = true;
  co_return true;
}

boost::asio::awaitable<bool> RecordingSink::end_with_error(std::string_view error_event, const GatewayError& error) {
  note_bytes(error_event);
  recorded_.error = error;
  co_return true;
}

}  // namespace aisbf
