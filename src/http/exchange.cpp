#include "http/exchange.hpp"

#include <array>

#include <boost/asio/as_tuple.hpp>
#include <sys/socket.h>

#include <cerrno>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>
#include <fmt/format.h>

namespace aisbf::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

struct Exchange::Watch {
  bool active = true;  // cleared when the request is over: a late wake-up then does nothing
  bool gone = false;
  std::function<void()> on_gone;
};

Exchange::Exchange(asio::ip::tcp::socket& socket, Deadline& deadline, Request& request, UpstreamPool& pool,
                   std::chrono::milliseconds write_timeout)
    : socket_(socket),
      deadline_(deadline),
      request_(request),
      pool_(pool),
      write_timeout_(write_timeout),
      keep_alive_(request.keep_alive()) {}

Exchange::~Exchange() = default;

std::string Exchange::head(int status, std::string_view content_type, const HeaderList& extra, bool chunked,
                           std::size_t content_length) const {
  auto reason = beast::http::obsolete_reason(static_cast<beast::http::status>(status));
  std::string h;
  h.reserve(192);
  h.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(reason.data(), reason.size());
  h.append("\r\nContent-Type: ").append(content_type).append("\r\n");
  for (const auto& [name, value] : extra) h.append(name).append(": ").append(value).append("\r\n");
  if (chunked) {
    h.append("Transfer-Encoding: chunked\r\n");
  } else {
    h.append("Content-Length: ").append(std::to_string(content_length)).append("\r\n");
  }
  if (!keep_alive_) h.append("Connection: close\r\n");
  h.append("\r\n");
  return h;
}

// Every write to the client has the write timeout; between writes (while
// the upstream is awaited) the client connection has no deadline.
asio::awaitable<bool> Exchange::write(const auto& buffers) {
  deadline_.expire_after(write_timeout_);
  auto [ec, n] = co_await asio::async_write(socket_, buffers, kUseTuple);
  deadline_.disarm();
  write_failed_ = write_failed_ || static_cast<bool>(ec);
  co_return !ec;
}

asio::awaitable<bool> Exchange::send(int status, std::string_view content_type, std::string_view body,
                                     const HeaderList& extra) {
  started_ = true;
  auto h = head(status, content_type, extra, false, body.size());
  if (request_.method() == beast::http::verb::head) body = {};
  std::array<asio::const_buffer, 2> buffers{asio::buffer(h), asio::buffer(body.data(), body.size())};
  co_return co_await write(buffers);
}

asio::awaitable<bool> Exchange::begin_stream(int status, std::string_view content_type, const HeaderList& extra) {
  started_ = true;
  auto h = head(status, content_type, extra, true, 0);
  co_return co_await write(asio::buffer(h));
}

asio::awaitable<bool> Exchange::stream_write(std::string_view data) {
  if (data.empty()) co_return !write_failed_;
  if (write_failed_) co_return false;
  char size_line[24];
  auto len = static_cast<std::size_t>(fmt::format_to(size_line, "{:x}\r\n", data.size()) - size_line);
  std::array<asio::const_buffer, 3> buffers{asio::buffer(size_line, len), asio::buffer(data.data(), data.size()),
                                            asio::buffer("\r\n", 2)};
  co_return co_await write(buffers);
}

asio::awaitable<bool> Exchange::end_stream() {
  if (write_failed_) co_return false;
  co_return co_await write(asio::buffer("0\r\n\r\n", 5));
}



// The watch waits for the client socket to become readable without reading
// it, then peeks: end of stream or an error means the client is gone; bytes
// mean a pipelined next request, left in place for the session. Since it
// never consumes anything, stopping it needs no cancellation: it is only
// disarmed, and a later wake-up finds it inactive.
void Exchange::watch_disconnect(std::function<void()> on_gone) {
  if (watch_) return;
  watch_ = std::make_shared<Watch>();
  watch_->on_gone = std::move(on_gone);
  auto& socket = socket_;
  socket.async_wait(asio::socket_base::wait_read, [w = watch_, &socket](const beast::error_code& ec) {
    if (!w->active) return;
    char byte;
    bool gone = static_cast<bool>(ec);
    if (!gone) {
      auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      gone = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
    }
    if (gone) {
      w->gone = true;
      if (w->on_gone) {
        auto callback = std::move(w->on_gone);
        callback();
      }
    }
  });
}

void Exchange::stop_watch() {
  if (!watch_) return;
  watch_->active = false;
  watch_->on_gone = nullptr;
}

bool Exchange::client_gone() const { return watch_ && watch_->gone; }

}  // namespace aisbf::http
