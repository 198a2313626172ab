#include "http/session.hpp"

#include <algorithm>
#include <exception>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include "http/client_stream.hpp"
#include "http/deadline.hpp"
#include "http/framing.hpp"
#include "http/tls_context.hpp"

namespace aisbf::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Parser = bhttp::request_parser<bhttp::string_body>;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 64 * 1024;
constexpr std::size_t kStreamedReadSize = 64 * 1024;  // one read of a streamed body, at most
constexpr std::chrono::seconds kEarlyWriteTime{5};
// Lingering close (after an early answer): how long, how much, and how
// long a silence ends it. The client needs only to finish sending.
constexpr std::chrono::seconds kLingerTime{10};
constexpr std::chrono::seconds kLingerIdle{2};
constexpr std::size_t kLingerBytes = 256ull * 1024 * 1024;
// How long a TLS connection's close waits for the client's close_notify.
constexpr std::chrono::seconds kTlsShutdownTime{1};

namespace {

// A minimal OpenAI-style error for failures found before a handler runs.
std::string error_json(int status, std::string_view code, std::string_view message) {
  std::string type = status >= 500 ? "api_error" : "invalid_request_error";
  return std::string(R"({"error":{"message":")") + std::string(message) + R"(","type":")" + type +
         R"(","param":null,"code":")" + std::string(code) + R"("}})";
}

// One of max_inflight_requests, held from the request's headers to the end
// of its handler. Costs two relaxed atomic operations, no allocation.
class InflightSlot {
 public:
  InflightSlot(std::atomic<std::uint64_t>& count, std::uint64_t max)
      : count_(count), taken_(count.fetch_add(1, std::memory_order_relaxed) < max) {}
  ~InflightSlot() { count_.fetch_sub(1, std::memory_order_relaxed); }
  InflightSlot(const InflightSlot&) = delete;
  InflightSlot& operator=(const InflightSlot&) = delete;
  bool taken() const { return taken_; }

 private:
  std::atomic<std::uint64_t>& count_;
  bool taken_;
};

// Errors of the HTTP parser itself (the request is malformed), as opposed
// to the connection ending or the deadline passing.
bool is_parse_error(const beast::error_code& ec) {
  static const auto& category = bhttp::make_error_code(bhttp::error::bad_method).category();
  return ec.category() == category && ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// A request body the handler reads as it arrives (HeaderVerdict::
// stream_body): the head's parser, its body type switched to buffer_body,
// reads into the handler's span; nothing is kept. Each read waits at most
// the idle timeout.
class StreamedBody final : public BodyStream {
 public:
  using BodyParser = bhttp::request_parser<bhttp::buffer_body>;
  StreamedBody(ClientStream& stream, beast::flat_buffer& buffer, Deadline& deadline, Parser&& head,
               std::chrono::milliseconds idle, std::uint64_t limit)
      : stream_(stream), buffer_(buffer), deadline_(deadline), parser_(std::move(head)), idle_(idle), limit_(limit) {}

  BodyParser& parser() { return parser_; }
  bool done() const override { return parser_.is_done(); }
  std::uint64_t received() const override { return received_; }

  asio::awaitable<Expected<std::size_t>> read_some(std::span<char> into) override {
    if (failed_) co_return *failed_;
    if (parser_.is_done() || into.empty()) co_return std::size_t{0};
    auto& body = parser_.get().body();
    body.data = into.data();
    body.size = into.size();
    std::size_t got = 0;
    while (got == 0 && !parser_.is_done()) {
      deadline_.expire_after(idle_);
      auto [ec, n] = co_await bhttp::async_read_some(stream_, buffer_, parser_, kUseTuple);
      const bool expired = deadline_.expired();
      deadline_.disarm();
      if (ec == bhttp::error::need_buffer) ec = {};
      got = into.size() - body.size;
      if (ec) {
        failed_ = error_of(ec, expired);
        co_return *failed_;
      }
    }
    received_ += got;
    co_return got;
  }

 private:
  GatewayError error_of(const beast::error_code& ec, bool expired) const {
    if (ec == bhttp::error::body_limit) {
      return make_error(ErrorKind::payload_too_large,
                        fmt::format("request body exceeds the limit of {} bytes (server.max_upload_bytes)", limit_),
                        "payload_too_large");
    }
    if (expired) {
      auto e =
          make_error(ErrorKind::invalid_request,
                     fmt::format("the client sent no body bytes for {} s", idle_.count() / 1000), "client_timeout");
      e.status = 408;
      return e;
    }
    if (is_parse_error(ec))
      return make_error(ErrorKind::invalid_request, "malformed request body framing", "bad_request");
    return make_error(ErrorKind::unavailable, "the client went away during the upload", "client_closed");
  }

  ClientStream& stream_;
  beast::flat_buffer& buffer_;
  Deadline& deadline_;
  BodyParser parser_;
  std::chrono::milliseconds idle_;
  std::uint64_t limit_;
  std::uint64_t received_ = 0;
  std::optional<GatewayError> failed_;
};

class Session {
 public:
  Session(tcp::socket socket, Worker& worker, Listener listener)
      : stream_(std::move(socket)),
        socket_(stream_.socket()),
        deadline_(socket_.get_executor(), [this] { on_deadline(); }),
        worker_(worker),
        options_(worker.shared.options),
        header_check_(listener == Listener::plain && options_.plain_header_check ? options_.plain_header_check
                                                                                 : options_.header_check) {
    slot_.socket = &socket_;
    boost::system::error_code ec;
    if (auto endpoint = socket_.remote_endpoint(ec); !ec) peer_ = endpoint.address().to_string();
    worker_.sessions.insert(&slot_);
    if (listener == Listener::main && options_.tls) stream_.start_tls(options_.tls->current());
  }
  ~Session() { worker_.sessions.erase(&slot_); }

  asio::awaitable<void> run() {
    bool open = true;
    try {
      if (stream_.secure()) open = co_await handshake();
      bool first = true;
      while (open && !worker_.shutting_down) {
        if (!co_await wait_for_request(first)) break;
        first = false;
        if (!co_await serve_one()) break;
      }
      if (linger_) co_await linger();
    } catch (const std::exception& e) {
      // Not before a read the disconnect watch left pending is settled
      // (close() does): it writes into this session.
      spdlog::error("session ended by an exception: {}", e.what());
      open = false;
    }
    if (stream_.secure()) {
      co_await close(open);
    } else {
      close_socket();
    }
  }

 private:
  // TLS: the handshake, within the header timeout (a client that never
  // finishes it is cut). False when the connection is over.
  asio::awaitable<bool> handshake() {
    deadline_.expire_after(options_.header_timeout);
    auto [ec] = co_await stream_.tls().async_handshake(asio::ssl::stream_base::server, kUseTuple);
    deadline_.disarm();
    if (ec) spdlog::debug("TLS handshake failed: {}", ec.message());
    co_return !ec && !worker_.shutting_down;
  }

  // Ends a TLS connection: close_notify first (bounded), when it is still
  // in a state to; a read the disconnect watch left pending is settled
  // before the stream goes. That read ends with operation_aborted when we
  // cancel it (or the deadline does): the client is still there then.
  asio::awaitable<void> close(bool tls_open) {
    beast::error_code ignored;
    if (stream_.read_ahead_pending()) {
      socket_.cancel(ignored);
      co_await stream_.finish_read_ahead();
    }
    const auto& read_error = stream_.read_ahead_error();
    const bool client_gone = read_error && read_error != asio::error::operation_aborted;
    if (tls_open && !client_gone && !linger_ && socket_.is_open()) {
      deadline_.expire_after(kTlsShutdownTime);
      co_await stream_.tls().async_shutdown(kUseTuple);
      deadline_.disarm();
    }
    close_socket();
  }

  void close_socket() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  // The disconnect watch of the last request may have left a read pending
  // (TLS): wait for it (the deadline set bounds it). False when the client
  // is gone.
  asio::awaitable<bool> settle_read_ahead() {
    if (!stream_.read_ahead_pending()) co_return !stream_.read_ahead_error();
    auto ec = co_await stream_.finish_read_ahead();
    co_return !ec;
  }

  // Waits for the first byte of the next request: the header timeout on a
  // new connection, the idle timeout between keep-alive requests. TLS: a
  // read the last request's disconnect watch left may be that wait.
  asio::awaitable<bool> wait_for_request(bool first) {
    if (stream_.read_ahead_pending() || stream_.read_ahead_error()) {
      slot_.idle = true;
      deadline_.expire_after(first ? options_.header_timeout : options_.idle_timeout);
      if (!co_await settle_read_ahead() || worker_.shutting_down) co_return false;
      slot_.idle = false;
    }
    if (buffer_.size() > 0) co_return true;
    slot_.idle = true;
    deadline_.expire_after(first ? options_.header_timeout : options_.idle_timeout);
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(8192), kUseTuple);
    slot_.idle = false;
    if (ec || worker_.shutting_down) co_return false;
    buffer_.commit(n);
    co_return true;
  }

  // Reads one request and runs the handler. False when the connection ends.
  // The common path awaits only I/O and the handler: the decisions on the
  // head are plain calls, and only a turned-away request awaits more.
  asio::awaitable<bool> serve_one() {
    Parser parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(boost::none);  // set once the head has been judged
    deadline_.expire_after(options_.header_timeout);
    auto [hec, hn] = co_await bhttp::async_read_header(stream_, buffer_, parser, kUseTuple);
    if (hec) {
      co_await head_failed(hec);
      co_return false;
    }
    InflightSlot inflight(worker_.shared.inflight, options_.max_inflight_requests);
    HeaderVerdict verdict;
    if (auto why = admit(parser, inflight, verdict); why != Admit::serve)
      co_return co_await turn_away(why, parser, verdict);
    if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
      auto [cec, cn] =
          co_await asio::async_write(stream_, asio::buffer("HTTP/1.1 100 Continue\r\n\r\n", 25), kUseTuple);
      if (cec) co_return false;
    }
    if (verdict.stream_body) co_return co_await serve_streamed(parser, std::move(verdict.prelude));
    if (!parser.is_done()) {
      deadline_.expire_after(options_.idle_timeout);
      auto [bec, bn] = co_await bhttp::async_read(stream_, buffer_, parser, kUseTuple);
      if (bec) {
        co_await body_failed(bec);
        co_return false;
      }
    }
    deadline_.disarm();  // the handler sets its own limits on writes
    Request request = parser.release();
    co_return co_await run_handler(request, std::move(verdict.prelude));
  }

  // A request whose handler reads the body as it arrives. Its head moves
  // to the handler's Request (the fields' storage moves with it, so the
  // target keeps its address: admission's parked principal is keyed on it).
  // A body the handler left unread closes the connection, lingering.
  asio::awaitable<bool> serve_streamed(Parser& parser, std::any prelude) {
    deadline_.disarm();
    // Beast reads at most the buffer's free capacity at a time: room for
    // large reads while the body streams (kept for the connection's life:
    // a TLS read-ahead may hold the buffer after the handler).
    buffer_.reserve(kStreamedReadSize);
    StreamedBody body(stream_, buffer_, deadline_, std::move(parser), options_.idle_timeout, body_limit_);
    Request request(std::move(body.parser().get().base()));
    const bool keep = co_await run_handler(request, std::move(prelude), &body);
    if (!body.done()) {
      linger_ = true;
      co_return false;
    }
    co_return keep;
  }

  asio::awaitable<void> head_failed(const beast::error_code& ec) {
    if (ec == bhttp::error::header_limit) {
      co_await answer_and_close(431, "headers_too_large", "request headers exceed 64 KiB");
    } else if (ec == bhttp::error::bad_transfer_encoding) {  // repeated, or with Content-Length
      co_await answer_and_close(400, "bad_transfer_encoding", "conflicting Transfer-Encoding");
    } else if (ec == bhttp::error::bad_content_length || ec == bhttp::error::multiple_content_length) {
      co_await answer_and_close(400, "bad_content_length", "invalid or conflicting Content-Length");
    } else if (!deadline_.expired() && is_parse_error(ec)) {
      co_await answer_and_close(400, "bad_request", "malformed HTTP request");
    }
  }

  asio::awaitable<void> body_failed(const beast::error_code& ec) {
    if (ec == bhttp::error::body_limit) {
      co_await reject_too_large(body_limit_);
    } else if (!deadline_.expired() && is_parse_error(ec)) {
      co_await answer_and_close(400, "bad_request", "malformed request body framing");
    }
  }

  // Decides on the request from its head alone, before any body byte is
  // read: framing, the in-flight cap, the application's check, the size.
  enum class Admit { serve, bad_framing, overloaded, check_failed, refused, too_large };
  Admit admit(Parser& parser, const InflightSlot& inflight, HeaderVerdict& verdict) {
    if (framing_problem(parser.get())) return Admit::bad_framing;
    if (!inflight.taken()) return Admit::overloaded;
    if (header_check_) {
      if (!check_headers(parser.get(), verdict)) return Admit::check_failed;
      if (verdict.refuse) return Admit::refused;
    }
    body_limit_ = verdict.body_limit != 0 ? verdict.body_limit : options_.max_body_bytes;
    auto length = parser.content_length();
    if (length && *length > body_limit_) return Admit::too_large;
    parser.body_limit(body_limit_);
    return Admit::serve;
  }

  // The application's check; false if it threw (no exception may leave a session).
  bool check_headers(const Request& head, HeaderVerdict& verdict) {
    try {
      verdict = header_check_(head);
      return true;
    } catch (const std::exception& e) {
      spdlog::error("header check failed: {}", e.what());
      return false;
    }
  }

  // Answers what admit() turned away. True when the connection goes on.
  asio::awaitable<bool> turn_away(Admit why, const Parser& parser, const HeaderVerdict& verdict) {
    switch (why) {
      case Admit::bad_framing: {
        auto problem = framing_problem(parser.get()).value_or(FramingProblem{});
        co_await answer_and_close(problem.status, problem.code, problem.message);
        break;
      }
      case Admit::overloaded: {
        const HeaderList retry{{"Retry-After", "1"}};
        const auto message = "the gateway is serving its maximum of " +
                             std::to_string(options_.max_inflight_requests) +
                             " requests (server.max_inflight_requests); retry shortly";
        co_await answer_and_close(503, "overloaded", message, retry);
        break;
      }
      case Admit::check_failed: co_await answer_and_close(500, "internal_error", "internal error"); break;
      case Admit::refused: co_return co_await refuse(*verdict.refuse, parser);
      case Admit::too_large: co_await reject_too_large(body_limit_); break;
      case Admit::serve: break;
    }
    co_return false;
  }

  // The application's early answer. The body is not read: when one is
  // pending the connection closes (lingering, so the answer is read).
  asio::awaitable<bool> refuse(const EarlyAnswer& answer, const Parser& parser) {
    const bool close = !parser.is_done() || !parser.get().keep_alive() || worker_.shutting_down;
    std::string_view body = answer.body;
    if (parser.get().method() == bhttp::verb::head) body = {};
    co_await write_early({answer.status, answer.content_type, &answer.headers, answer.body.size(), close, nullptr, {}},
                         body);
    linger_ = close;
    co_return !close;
  }

  asio::awaitable<void> reject_too_large(std::uint64_t limit) {
    auto message = "request body exceeds the limit of " + std::to_string(limit) + " bytes";
    if (limit == options_.max_body_bytes) message += " (server.max_body_bytes)";
    co_await answer_and_close(413, "payload_too_large", message);
  }

  asio::awaitable<bool> run_handler(Request& request, std::any prelude, BodyStream* body = nullptr) {
    Exchange exchange(ClientLink{stream_, deadline_, buffer_, *worker_.pool, options_.idle_timeout, peer_}, request,
                      std::move(prelude), body);
    bool failed = false;
    try {
      co_await worker_.shared.handler(exchange);
    } catch (const std::exception& e) {
      spdlog::error("handler failed: {}", e.what());
      failed = true;
    }
    exchange.stop_watch();
    if (failed) {
      if (!exchange.response_started()) co_await answer_and_close(500, "internal_error", "internal error");
      co_return false;
    }
    co_return exchange.keep_alive() && !exchange.client_gone();
  }

  // An error found before any handler ran; the connection then closes.
  asio::awaitable<void> answer_and_close(int status, std::string_view code, std::string_view message,
                                         const HeaderList& extra = {}) {
    const auto* slot = std::find(kServerAnswerStatuses.begin(), kServerAnswerStatuses.end(), status);
    if (slot != kServerAnswerStatuses.end())
      worker_.shared.server_answers[static_cast<std::size_t>(slot - kServerAnswerStatuses.begin())].fetch_add(
          1, std::memory_order_relaxed);
    auto body = error_json(status, code, message);
    // Every answer carries an x-request-id, these too (the log line has it).
    std::string id;
    if (options_.on_server_answer) id = options_.on_server_answer(status, peer_);
    co_await write_early({status, "application/json", &extra, body.size(), true, nullptr, id}, body);
    linger_ = true;
  }

  asio::awaitable<void> write_early(const ResponseHead& head, std::string_view body) {
    auto text = format_head(head);
    text.append(body);
    deadline_.expire_after(kEarlyWriteTime);
    co_await asio::async_write(stream_, asio::buffer(text), kUseTuple);
  }

  // Lingering close, as nginx does it: after an early answer the client may
  // still be sending a body nobody will read. Closing now, with its bytes
  // unread, would reset the connection, and the reset can destroy the
  // answer before the client reads it. So: stop sending, then read and
  // discard until the client closes or falls silent, within bounds.
  asio::awaitable<void> linger() {
    beast::error_code ignored;
    deadline_.expire_after(kLingerIdle);
    if (!co_await settle_read_ahead()) co_return;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    slot_.idle = true;  // a shutdown ends it at once
    const auto until = Deadline::Clock::now() + kLingerTime;
    std::size_t discarded = 0;
    while (discarded < kLingerBytes && !worker_.shutting_down) {
      deadline_.expire_at(std::min(until, Deadline::Clock::now() + kLingerIdle));
      buffer_.clear();
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(16 * 1024), kUseTuple);
      if (ec) break;
      discarded += n;
    }
  }

  // The limit on whatever the session is waiting for: cancelling the
  // socket's operations ends that wait with an error.
  void on_deadline() {
    beast::error_code ignored;
    socket_.cancel(ignored);
  }

  ClientStream stream_;
  tcp::socket& socket_;  // the stream's own
  Deadline deadline_;
  beast::flat_buffer buffer_;
  std::string peer_;  // the client's address (Exchange::client_address), read once
  Worker& worker_;
  const ServerOptions& options_;
  const HeaderCheck& header_check_;  // the listener's
  SessionSlot slot_;
  std::uint64_t body_limit_ = 0;
  bool linger_ = false;
};

// Gives the connection's gate slot back however the session ends.
struct GateRelease {
  Worker& worker;
  ~GateRelease() {
    if (worker.shared.connections->release()) worker.shared.wake_acceptors();
  }
};

}  // namespace

void ServerShared::wake_acceptors() {
  if (stopping.load(std::memory_order_relaxed)) return;  // the loops may be gone
  for (auto* w : workers) asio::post(w->io, [w] { w->wake_acceptors(); });
}

asio::awaitable<void> serve_connection(tcp::socket socket, Worker& worker, Listener listener) {
  GateRelease release{worker};
  try {
    Session session(std::move(socket), worker, listener);
    co_await session.run();
  } catch (const std::exception& e) {
    spdlog::error("session ended by an exception: {}", e.what());
  }
}

}  // namespace aisbf::http
