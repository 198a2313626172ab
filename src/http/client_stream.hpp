// ClientStream: a client connection, plain TCP or TLS over it, with the
// AsyncReadStream/AsyncWriteStream operations Beast and Asio's composed
// operations need. Each operation is dispatched on a flag to the socket or
// to the TLS stream, with the caller's handler passed through as it is (no
// type erasure, no allocation of its own): the plain path costs one branch.
//
// A TLS stream allows one read and one write in flight at once, and its
// plaintext cannot be peeked; so, under TLS, the disconnect watch reads
// ahead instead (start_read_ahead), and that read may outlive the request
// that started it: the session settles it (finish_read_ahead) before it
// reads again or ends. One is started only while the session's buffer is
// empty, so that settling it is waiting for the next request.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/system/error_code.hpp>

namespace aisbf::http {

class ClientStream {
 public:
  using tcp = boost::asio::ip::tcp;
  using TlsStream = boost::asio::ssl::stream<tcp::socket&>;
  using executor_type = tcp::socket::executor_type;

  explicit ClientStream(tcp::socket socket) : socket_(std::move(socket)) {}
  ClientStream(const ClientStream&) = delete;
  ClientStream& operator=(const ClientStream&) = delete;

  // TLS from now on, with `context` (kept as long as the connection lives:
  // a reload swaps the server's context for new connections only).
  void start_tls(std::shared_ptr<boost::asio::ssl::context> context) {
    context_ = std::move(context);
    tls_.emplace(socket_, *context_);
  }
  bool secure() const { return tls_.has_value(); }
  TlsStream& tls() { return *tls_; }
  tcp::socket& socket() { return socket_; }
  executor_type get_executor() { return socket_.get_executor(); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            socket_.async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            socket_.async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  // TLS only: reads up to `max` bytes into `buffer` in the background;
  // `on_done` runs with the result (the bytes are committed first). At most
  // one at a time.
  void start_read_ahead(boost::beast::flat_buffer& buffer, std::size_t max,
                        std::function<void(const boost::system::error_code&)> on_done) {
    read_ahead_pending_ = true;
    tls_->async_read_some(buffer.prepare(max), [this, &buffer, done = std::move(on_done)](
                                                   const boost::system::error_code& ec, std::size_t n) {
      buffer.commit(n);
      read_ahead_pending_ = false;
      if (ec && !read_ahead_error_) read_ahead_error_ = ec;
      if (read_ahead_waiter_) read_ahead_waiter_->cancel();
      if (done) done(ec);
    });
  }
  bool read_ahead_pending() const { return read_ahead_pending_; }
  // The first error a read-ahead ended with (the client went away): the
  // connection is done.
  const boost::system::error_code& read_ahead_error() const { return read_ahead_error_; }
  // Waits for a pending read-ahead to complete (a deadline on the socket
  // bounds it); its error, if any.
  boost::asio::awaitable<boost::system::error_code> finish_read_ahead() {
    while (read_ahead_pending_) {
      if (!read_ahead_waiter_) read_ahead_waiter_.emplace(socket_.get_executor());
      read_ahead_waiter_->expires_at(boost::asio::steady_timer::time_point::max());
      co_await read_ahead_waiter_->async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    co_return read_ahead_error_;
  }

 private:
  tcp::socket socket_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::optional<TlsStream> tls_;
  bool read_ahead_pending_ = false;
  boost::system::error_code read_ahead_error_;
  std::optional<boost::asio::steady_timer> read_ahead_waiter_;
};

}  // namespace aisbf::http
