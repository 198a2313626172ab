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

// The copy is taken before the primary's call starts: the bytes are the
// caller's and stay valid until its co_await returns either way.
boost::asio::awaitable<bool> TeeSink::send(int status, std::string_view content_type, std::string_view body,
                                           const HeaderList& headers) {
  copy_.note_head(status, content_type, headers, false);
  copy_.note_bytes(body);
  const bool ok = co_await primary_.send(status, content_type, body, headers);
  if (ok) co_await copy_.end();  // a send is complete once delivered
  co_return ok;
}

boost::asio::awaitable<bool> TeeSink::begin_stream(int status, std::string_view content_type,
                                                   const HeaderList& headers) {
  copy_.note_head(status, content_type, headers, true);
  return primary_.begin_stream(status, content_type, headers);
}

boost::asio::awaitable<bool> TeeSink::write(std::string_view bytes) {
  copy_.note_bytes(bytes);
  return primary_.write(bytes);
}

boost::asio::awaitable<bool> TeeSink::end() {
  const bool ok = co_await primary_.end();
  if (ok) co_await copy_.end();
  co_return ok;
}

boost::asio::awaitable<bool> TeeSink::end_with_error(std::string_view error_event, const GatewayError& error) {
  co_await copy_.end_with_error(error_event, error);
  co_return co_await primary_.end_with_error(error_event, error);
}

boost::asio::awaitable<bool> replay(const RecordedResponse& recorded, ResponseSink& sink) {
  if (!recorded.streamed) {
    co_return co_await sink.send(recorded.status, recorded.content_type, recorded.body, recorded.headers);
  }
  // Results named: g++ 12 mis-resumes `if (!co_await …)` in some frames.
  const bool began = co_await sink.begin_stream(recorded.status, recorded.content_type, recorded.headers);
  if (!began) co_return false;
  if (recorded.error) co_return co_await sink.end_with_error(recorded.body, *recorded.error);
  const bool wrote = co_await sink.write(recorded.body);
  if (!wrote) co_return false;
  co_return co_await sink.end();
}

}  // namespace aisbf
