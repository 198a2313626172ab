#include "http/exchange.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>
#include <fmt/format.h>

#include "http/client_stream.hpp"

namespace aisbf::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

struct Exchange::Watch {
  bool active = true;  // cleared when the request is over: a late wake-up then does nothing
  bool gone = false;
  bool armed = false;  // a wait (or a posted read) is queued for it
  std::function<void()> on_gone;
};

std::string format_head(const ResponseHead& head) {
  auto reason = beast::http::obsolete_reason(static_cast<beast::http::status>(head.status));
  std::string h;
  h.reserve(192);
  h.append("HTTP/1.1 ").append(std::to_string(head.status)).append(" ").append(reason.data(), reason.size());
  h.append("\r\n");
  // An empty body (202, 204) has no media type to name.
  if (!head.content_type.empty()) h.append("Content-Type: ").append(head.content_type).append("\r\n");
  bool id_written = false;
  for (const HeaderList* list : {head.common, head.extra}) {
    if (list == nullptr) continue;
    for (const auto& [name, value] : *list) {
      id_written = id_written || beast::iequals(name, "x-request-id");
      // A header made of what a client or an upstream sent must not end
      // the head early (response splitting): one with CR, LF or NUL is
      // left out. The routes validate what they echo; this is the floor.
      constexpr std::string_view kBreaks("\r\n\0", 3);
      if (name.find_first_of(kBreaks) != std::string::npos || value.find_first_of(kBreaks) != std::string::npos) {
        continue;
      }
      h.append(name).append(": ").append(value).append("\r\n");
    }
  }
  if (!id_written && !head.request_id.empty()) h.append("x-request-id: ").append(head.request_id).append("\r\n");
  if (head.status == 204 || head.status == 304) {
    // No body, and RFC 9110 forbids Content-Length on a 204.
  } else if (head.content_length) {
    h.append("Content-Length: ").append(std::to_string(*head.content_length)).append("\r\n");
  } else {
    h.append("Transfer-Encoding: chunked\r\n");
  }
  if (head.close) h.append("Connection: close\r\n");
  h.append("\r\n");
  return h;
}

Exchange::Exchange(const ClientLink& link, Request& request, std::any prelude, BodyStream* body)
    : stream_(link.stream),
      deadline_(link.deadline),
      buffer_(link.buffer),
      request_(request),
      pool_(link.pool),
      write_timeout_(link.write_timeout),
      peer_(link.peer),
      prelude_(std::move(prelude)),
      body_(body),
      keep_alive_(request.keep_alive()) {}

Exchange::~Exchange() { stop_watch(); }

bool Exchange::secure() const { return stream_.secure(); }

// Every write to the client has the write timeout; between writes (while
// the upstream is awaited) the client connection has no deadline.
asio::awaitable<bool> Exchange::write(const auto& buffers) {
  deadline_.expire_after(write_timeout_);
  auto [ec, n] = co_await asio::async_write(stream_, buffers, kUseTuple);
  deadline_.disarm();
  write_failed_ = write_failed_ || static_cast<bool>(ec);
  co_return !ec;
}

asio::awaitable<bool> Exchange::send(int status, std::string_view content_type, std::string_view body,
                                     const HeaderList& extra) {
  started_ = true;
  status_ = status;
  head_time_ = std::chrono::steady_clock::now();
  if (body_ != nullptr && !body_->done()) keep_alive_ = false;  // the rest of the body is not read
  auto h = format_head({status, content_type, &extra, body.size(), !keep_alive_, &common_, request_id_});
  if (request_.method() == beast::http::verb::head) body = {};
  std::array<asio::const_buffer, 2> buffers{asio::buffer(h), asio::buffer(body.data(), body.size())};
  co_return co_await write(buffers);
}

asio::awaitable<bool> Exchange::begin_stream(int status, std::string_view content_type, const HeaderList& extra,
                                             std::optional<std::size_t> length) {
  started_ = true;
  streamed_ = true;
  sized_ = length.has_value();
  head_only_ = request_.method() == beast::http::verb::head;  // as send(): the head alone
  status_ = status;
  head_time_ = std::chrono::steady_clock::now();
  if (body_ != nullptr && !body_->done()) keep_alive_ = false;  // the rest of the body is not read
  auto h = format_head({status, content_type, &extra, length, !keep_alive_, &common_, request_id_});
  co_return co_await write(asio::buffer(h));
}

asio::awaitable<bool> Exchange::stream_write(std::string_view data) {
  if (data.empty()) co_return !write_failed_;
  if (write_failed_) co_return false;
  if (head_only_) co_return true;
  if (sized_) co_return co_await write(asio::buffer(data.data(), data.size()));
  char size_line[24];
  auto len = static_cast<std::size_t>(fmt::format_to(size_line, "{:x}\r\n", data.size()) - size_line);
  std::array<asio::const_buffer, 3> buffers{asio::buffer(size_line, len), asio::buffer(data.data(), data.size()),
                                            asio::buffer("\r\n", 2)};
  co_return co_await write(buffers);
}

asio::awaitable<bool> Exchange::end_stream() {
  if (write_failed_) co_return false;
  if (sized_ || head_only_) co_return true;
  co_return co_await write(asio::buffer("0\r\n\r\n", 5));
}

// The watch waits for the client socket to become readable, then reads
// what is there into the session's buffer (a pipelined next request stays
// available, in order) until the socket would block, and waits again: end
// of stream or an error means the client is gone. A client that stays and
// sends nothing costs one queued wait, no system call. Past
// kPipelinedLimit buffered bytes the watch ends without a verdict (the
// buffer must stay bounded); a departure is then seen at the next write.
// Stopping needs no cancellation: the watch is only disarmed, and a later
// wake-up finds it inactive. A request may be watched more than once (an
// autoselect's selection call, then the attempt it chose): a stopped watch
// whose wait is still queued is armed again; one whose wait completed while
// stopped is replaced, and the socket is read at once, since that wait took
// the readiness with it (waits are edge-triggered and never speculative: a
// departure seen by the stopped watch would otherwise go unnoticed). A
// client seen gone stays gone.
void Exchange::watch_disconnect(std::function<void()> on_gone) {
  if (watch_ && (watch_->gone || watch_->active)) return;
  if (stream_.secure()) {
    if (!watch_) watch_ = std::make_shared<Watch>();
    watch_->active = true;
    watch_->on_gone = std::move(on_gone);
    return watch_tls();
  }
  if (watch_ && watch_->armed) {
    watch_->active = true;
    watch_->on_gone = std::move(on_gone);
    return;
  }
  const bool again = watch_ != nullptr;
  watch_ = std::make_shared<Watch>();
  watch_->on_gone = std::move(on_gone);
  watch_->armed = true;
  if (!again) return arm_watch();
  asio::post(stream_.get_executor(), [this, w = watch_] {
    w->armed = false;
    if (w->active) on_readable(w, {});  // else the exchange may be gone: touch nothing but `w`
  });
}

void Exchange::arm_watch() {
  watch_->armed = true;
  stream_.socket().async_wait(asio::socket_base::wait_read, [this, w = watch_](const beast::error_code& ec) {
    w->armed = false;
    if (w->active) on_readable(w, ec);  // else the exchange may be gone: touch nothing but `w`
  });
}

void Exchange::on_readable(const std::shared_ptr<Watch>& w, const boost::system::error_code& ec) {
  auto pending = ec ? Pending::gone : read_pending();
  if (pending == Pending::present) return arm_watch();
  if (pending == Pending::unknown) return;
  report_gone(w);
}

void Exchange::report_gone(const std::shared_ptr<Watch>& w) {
  w->gone = true;
  if (w->on_gone) {
    auto callback = std::move(w->on_gone);
    callback();
  }
}

// Under TLS the watch is a read on the stream into the session's (empty)
// buffer; an error (end of stream, a truncated stream, a reset) means the
// client is gone. The read is never cancelled: stopping only disarms the
// watch, the session takes the read over as its wait for the next request,
// and a watch armed again picks up what the read found meanwhile. Bytes in
// the buffer (a pipelined next request) end the watch without a verdict, as
// past kPipelinedLimit in plain HTTP: a read pending then would wait for
// bytes the client will not send before it has its answer.
void Exchange::watch_tls() {
  if (stream_.read_ahead_error()) return report_gone(watch_);
  if (!stream_.read_ahead_pending()) arm_tls_read();
}

void Exchange::arm_tls_read() {
  if (buffer_.size() > 0) return;  // no verdict: a departure is seen at the next write
  stream_.start_read_ahead(buffer_, 16 * 1024, [this, w = watch_](const beast::error_code& ec) {
    if (!w->active) return;  // the exchange may be gone: touch nothing but `w`
    if (ec) return report_gone(w);
    arm_tls_read();
  });
}

// Reads without blocking until the socket is drained (the wait is
// edge-triggered: only a drained socket wakes it again).
Exchange::Pending Exchange::read_pending() {
  for (;;) {
    if (buffer_.size() >= kPipelinedLimit) return Pending::unknown;
    auto space = buffer_.prepare(std::min<std::size_t>(kPipelinedLimit - buffer_.size(), 16 * 1024));
    auto n = ::recv(stream_.socket().native_handle(), space.data(), space.size(), MSG_DONTWAIT);
    if (n > 0) {
      buffer_.commit(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Pending::present;
    return Pending::gone;  // 0: end of stream; otherwise a reset or another error
  }
}

void Exchange::stop_watch() {
  if (!watch_) return;
  watch_->active = false;
  watch_->on_gone = nullptr;
}

bool Exchange::client_gone() const { return watch_ && watch_->gone; }

}  // namespace aisbf::http
