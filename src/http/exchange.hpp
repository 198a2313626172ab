// Exchange: one client request and the means to answer it. Handlers get the
// parsed request and write either one complete response or a chunked stream;
// a concurrent read on the socket can report a client that went away.
#pragma once

#include <any>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include "core/expected.hpp"
#include "core/provider_adapter.hpp"
#include "http/deadline.hpp"

namespace aisbf::http {

class UpstreamPool;
class ClientStream;
using Request = boost::beast::http::request<boost::beast::http::string_body>;

// A whole answer decided before the request's body was read.
struct EarlyAnswer {
  int status = 0;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;
};

// The application's decision on a request from its headers alone, before
// any body byte is read: refuse it (the answer is sent without reading the
// body; the connection closes when a body is pending), or admit it with the
// body limit that applies to this caller. `prelude` is handed to the handler
// (Exchange::prelude()) so it need not redo what the check found.
struct HeaderVerdict {
  std::optional<EarlyAnswer> refuse;
  std::uint64_t body_limit = 0;  // 0: the server's max_body_bytes
  std::any prelude;
  // The handler reads the body itself, as it arrives (Exchange::body_stream),
  // within body_limit: an upload relayed without being held.
  bool stream_body = false;
};

// A request body read as it arrives (HeaderVerdict::stream_body). Reads
// are bounded by the server's idle timeout; past the body limit a read
// fails with a 413 (payload_too_large), a malformed chunked framing with a
// 400, a client gone with `client_closed`. A handler that answers before
// the body ended gets its connection closed after the answer (lingering,
// so that the client reads it).
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Up to into.size() bytes; 0 only once the body is complete (done()).
  virtual boost::asio::awaitable<Expected<std::size_t>> read_some(std::span<char> into) = 0;
  virtual bool done() const = 0;
  virtual std::uint64_t received() const = 0;
};
// `request` holds the method, target and headers; its body is still empty.
using HeaderCheck = std::function<HeaderVerdict(const Request& request)>;

// The status line and header fields of a response, up to the blank line.
// Every response aisbf writes to a client (a handler's, or one the server
// sends before any handler runs) is framed here.
struct ResponseHead {
  int status = 200;
  std::string_view content_type;
  const HeaderList* extra = nullptr;
  std::optional<std::size_t> content_length;  // none: chunked
  bool close = false;                         // adds "Connection: close"
  const HeaderList* common = nullptr;         // written before `extra`: what every response of the exchange carries
  std::string_view request_id;                // non-empty: an x-request-id unless `extra` or `common` has one
};
std::string format_head(const ResponseHead& head);

// What the session lends an exchange: its connection and limits.
struct ClientLink {
  ClientStream& stream;
  Deadline& deadline;
  // The session's read buffer: bytes the client sends past this request
  // (a pipelined next one) go there, in order, for the session to parse.
  boost::beast::flat_buffer& buffer;
  UpstreamPool& pool;
  std::chrono::milliseconds write_timeout;
  // The peer's IP address as text, read once when the connection was
  // accepted (empty when unknown).
  const std::string& peer;
};

class Exchange {
 public:
  Exchange(const ClientLink& link, Request& request, std::any prelude = {}, BodyStream* body = nullptr);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const Request& request() const { return request_; }
  Request& request() { return request_; }
  UpstreamPool& upstream_pool() { return pool_; }
  // The peer's IP address as text (login throttling); empty when unknown.
  // The session's, read once per connection.
  const std::string& client_address() const { return peer_; }
  // The connection is TLS (the gateway's own HTTPS listener; a proxy in
  // front is another matter: X-Forwarded-Proto).
  bool secure() const;
  // What the server's HeaderCheck found (empty without one).
  std::any& prelude() { return prelude_; }
  // The body as it arrives, when the HeaderCheck asked for it
  // (HeaderVerdict::stream_body); null when request().body() holds it.
  // No disconnect watch may run while it is being read.
  BodyStream* body_stream() { return body_; }

  // A header every response of this exchange carries from now on, whoever
  // sends it (a handler's answer or its error): CORS on the MCP routes.
  void add_common_header(std::string name, std::string value) {
    common_.emplace_back(std::move(name), std::move(value));
  }

  // One complete response. False when the client could not be written to.
  boost::asio::awaitable<bool> send(int status, std::string_view content_type, std::string_view body,
                                    const HeaderList& extra = {});

  // A chunked response whose body follows in stream_write() calls; with
  // `length`, a response of that Content-Length whose bytes follow as they
  // are (the writer sends exactly that many, or closes the connection:
  // close_after_response()). For a HEAD request the head alone goes out
  // (stream_write and end_stream write nothing), as with send().
  boost::asio::awaitable<bool> begin_stream(int status, std::string_view content_type, const HeaderList& extra = {},
                                            std::optional<std::size_t> length = std::nullopt);
  boost::asio::awaitable<bool> stream_write(std::string_view data);
  boost::asio::awaitable<bool> end_stream();

  bool response_started() const { return started_; }
  // The answer's status (0: none sent yet) and when its head went out.
  int status() const { return status_; }
  std::chrono::steady_clock::time_point head_time() const { return head_time_; }
  bool streamed() const { return streamed_; }
  // Every response of the exchange carries `x-request-id: id` (unless the
  // handler's headers name one); `id` must outlive the exchange's writes.
  void set_request_id(std::string_view id) { request_id_ = id; }
  bool keep_alive() const { return keep_alive_ && !write_failed_; }
  void close_after_response() { keep_alive_ = false; }

  // Watches the client socket while the handler waits on the upstream;
  // `on_gone` runs if the client closes the connection first. Bytes the
  // client sends meanwhile are kept for the next request and the watch
  // goes on, up to kPipelinedLimit of them.
  void watch_disconnect(std::function<void()> on_gone);
  static constexpr std::size_t kPipelinedLimit = 64 * 1024;
  // Disarms the watch (the request is over; nothing is cancelled).
  void stop_watch();
  bool client_gone() const;

 private:
  struct Watch;
  enum class Pending { present, gone, unknown };
  void arm_watch();
  void on_readable(const std::shared_ptr<Watch>& w, const boost::system::error_code& ec);
  Pending read_pending();
  void watch_tls();
  void arm_tls_read();
  static void report_gone(const std::shared_ptr<Watch>& w);

  boost::asio::awaitable<bool> write(const auto& buffers);

  ClientStream& stream_;
  Deadline& deadline_;
  boost::beast::flat_buffer& buffer_;
  Request& request_;
  HeaderList common_;
  UpstreamPool& pool_;
  std::chrono::milliseconds write_timeout_;
  const std::string& peer_;
  std::shared_ptr<Watch> watch_;
  std::any prelude_;
  BodyStream* body_;
  bool keep_alive_;
  bool started_ = false;
  bool streamed_ = false;
  bool sized_ = false;      // begin_stream with a length: the body is not chunked
  bool head_only_ = false;  // a HEAD request's stream: the head is written, the body is not
  bool write_failed_ = false;
  int status_ = 0;
  std::chrono::steady_clock::time_point head_time_{};
  std::string_view request_id_;
};

}  // namespace aisbf::http
