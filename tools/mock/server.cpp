// The only aisbf-mock file that includes Asio/Beast. Beast parses requests;
// responses are written as raw bytes so that faults can break the framing on
// purpose (short Content-Length, a chunked stream without its last chunk).
#include "server.hpp"

#include <sys/socket.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "api.hpp"
#include "audio.hpp"
#include "openai.hpp"
#include "recorder.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t kBodyLimit = 64ull << 20;
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

struct Shared {
  ApiContext api;
  Recorder recorder;
};

// done: answered, the connection may serve the next request; close: stop
// the connection (planned); aborted: the client went away first.
enum class Outcome : std::uint8_t { done, close, aborted };

class Session {
 public:
  Session(tcp::socket socket, Shared& shared) : socket_(std::move(socket)), shared_(shared) {}

  asio::awaitable<void> run() {
    for (;;) {
      http::request_parser<http::string_body> parser;
      // No body limit while the head is read: Beast checks a Content-Length
      // against it there, and an upload (read as a stream, never kept) may
      // be larger. Other bodies get kBodyLimit once the head is known.
      parser.body_limit(boost::none);
      parser.header_limit(kHeaderLimit);
      auto [ec, n] = co_await http::async_read_header(socket_, buffer_, parser, kTok);
      if (!ec && !parser.is_done() && parser.get().method() == http::verb::post &&
          is_streamed_upload(parser.get().target())) {
        std::string boundary = form_boundary(parser.get()[http::field::content_type]);
        if (!boundary.empty()) {
          if (co_await serve_upload(parser, std::move(boundary)) != Outcome::done) break;
          continue;
        }
      }
      if (!ec && !parser.is_done()) {
        if (parser.content_length() && *parser.content_length() > kBodyLimit) {
          co_await reject(http::error::body_limit);
          break;
        }
        parser.body_limit(kBodyLimit);  // a chunked body is checked as it comes
        if (beast::iequals(parser.get()[http::field::expect], "100-continue") && !co_await write(kContinue)) break;
        std::tie(ec, n) = co_await http::async_read(socket_, buffer_, parser, kTok);
      }
      if (ec) {
        co_await reject(ec);
        break;
      }
      if (co_await serve(parser.get()) != Outcome::done) break;
    }
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  // An upload (audio, image edits), read as it arrives (the whole body is never kept):
  // the form is parsed and the file hashed piece by piece, the bytes so
  // far shown at /__mock/uploads, then the answer is planned.
  asio::awaitable<Outcome> serve_upload(http::request_parser<http::string_body>& head, std::string boundary) {
    const bool keep_alive = head.get().keep_alive();
    const bool http10 = head.get().version() < 11;
    const std::string method(head.get().method_string());
    const std::string target(head.get().target());
    raw_headers_.clear();
    for (const auto& field : head.get()) {
      raw_headers_ += field.name_string();
      raw_headers_ += ": ";
      raw_headers_ += field.value();
      raw_headers_ += "\r\n";
    }
    if (beast::iequals(head.get()[http::field::expect], "100-continue") && !co_await write(kContinue))
      co_return Outcome::aborted;
    http::request_parser<http::buffer_body> parser(std::move(head));
    parser.body_limit(boost::none);  // nothing is kept
    UploadForm form(std::move(boundary));
    const std::uint64_t upload = shared_.recorder.upload_begin();
    upload_piece_.resize(64 * 1024);
    buffer_.reserve(64 * 1024);  // Beast reads at most the buffer's free capacity at a time
    std::chrono::steady_clock::time_point first{}, last{};
    const RequestView view{method, target, header_value(raw_headers_, "authorization"), raw_headers_, {}};
    bool model_seen = false;
    while (!parser.is_done()) {
      auto& body = parser.get().body();
      body.data = upload_piece_.data();
      body.size = upload_piece_.size();
      auto [ec, n] = co_await http::async_read_some(socket_, buffer_, parser, kTok);
      if (ec == http::error::need_buffer) ec = {};
      const std::size_t got = upload_piece_.size() - body.size;
      if (got > 0) {
        last = std::chrono::steady_clock::now();
        if (first == std::chrono::steady_clock::time_point{}) first = last;
        form.feed(std::string_view(upload_piece_.data(), got));
        shared_.recorder.upload_bytes(upload, got);
        // A status fault is answered as soon as `model` is read, the rest
        // of the upload unread, and the connection closed: a server that
        // refuses an upload early (413, 429, 400).
        if (!model_seen && !form.model.empty()) {
          model_seen = true;
          plan_.reset();
          if (openai_authorized(shared_.api, view, plan_) && plan_upload_fault(shared_.api, form, plan_)) {
            shared_.recorder.upload_end(upload);
            const auto ticket = shared_.recorder.begin(method, target, raw_headers_, upload_summary_json(form));
            shared_.recorder.set_fault(ticket, plan_.fault);
            const Outcome outcome = co_await execute(false, http10);
            shared_.recorder.finish(ticket, outcome == Outcome::aborted);
            co_return Outcome::close;
          }
        }
      }
      if (ec) {
        shared_.recorder.upload_end(upload);
        co_return Outcome::aborted;
      }
    }
    shared_.recorder.upload_end(upload);
    plan_.reset();
    const std::string_view path = std::string_view(target).substr(0, target.find('?'));
    if (openai_authorized(shared_.api, view, plan_)) {
      if (path.ends_with("/images/edits") || path.ends_with("/images/variations")) {
        plan_image_upload(shared_.api, form, path.ends_with("/variations"), plan_);
      } else {
        plan_transcription(shared_.api, form, path.ends_with("/translations"), plan_);
      }
    }
    const auto ticket = shared_.recorder.begin(method, target, raw_headers_, upload_summary_json(form));
    if (first != std::chrono::steady_clock::time_point{}) shared_.recorder.set_body_times(ticket, first, last);
    if (!plan_.fault.empty()) shared_.recorder.set_fault(ticket, plan_.fault);
    const Outcome outcome = co_await execute(keep_alive, http10);
    shared_.recorder.finish(ticket, outcome == Outcome::aborted);
    co_return keep_alive || outcome == Outcome::aborted ? outcome : Outcome::close;
  }

  asio::awaitable<Outcome> serve(const http::request<http::string_body>& req) {
    const bool keep_alive = req.keep_alive();
    const bool http10 = req.version() < 11;
    raw_headers_.clear();
    for (const auto& field : req) {
      raw_headers_ += field.name_string();
      raw_headers_ += ": ";
      raw_headers_ += field.value();
      raw_headers_ += "\r\n";
    }
    const RequestView view{req.method_string(), req.target(), req[http::field::authorization], raw_headers_,
                           req.body()};
    plan_.reset();
    if (handle_control(shared_.recorder, view, plan_)) {
      if (view.target.starts_with("/__mock/reset")) shared_.api.caches.clear();  // the prompt caches too
      co_return co_await execute(keep_alive, http10);
    }
    const auto ticket = shared_.recorder.begin(view.method, view.target, raw_headers_, view.body);
    handle_api(shared_.api, view, plan_);
    if (!plan_.fault.empty()) shared_.recorder.set_fault(ticket, plan_.fault);
    const Outcome outcome = co_await execute(keep_alive, http10);
    shared_.recorder.finish(ticket, outcome == Outcome::aborted);
    co_return keep_alive || outcome == Outcome::aborted ? outcome : Outcome::close;
  }

  asio::awaitable<Outcome> execute(bool keep_alive, bool http10) {
    switch (plan_.behaviour) {
      case Behaviour::close_silently: co_return Outcome::close;
      case Behaviour::hang: co_return co_await wait_for_close();
      default: break;
    }
    if (plan_.stream) co_return co_await send_stream(keep_alive, http10);
    co_return co_await send_whole(keep_alive, http10);
  }

  asio::awaitable<Outcome> send_whole(bool keep_alive, bool http10) {
    if (plan_.delay_ms != 0 && !co_await pause(plan_.delay_ms)) co_return Outcome::aborted;
    head_.clear();
    append_head(head_, Head{.status = plan_.status,
                            .content_type = plan_.content_type,
                            .extra_headers = plan_.extra_headers,
                            .framing = Framing::content_length,
                            .content_length = plan_.body.size(),
                            .close = !keep_alive,
                            .keep_alive = keep_alive && http10});
    std::string_view body = plan_.body;
    if (plan_.behaviour == Behaviour::hang_after_first) body = {};
    if (plan_.behaviour == Behaviour::cut) body = body.substr(0, body.size() / 2);
    if (!co_await write(head_, body)) co_return Outcome::aborted;
    if (plan_.behaviour == Behaviour::hang_after_first) co_return co_await wait_for_close();
    co_return plan_.behaviour == Behaviour::cut ? Outcome::close : Outcome::done;
  }

  asio::awaitable<Outcome> send_stream(bool keep_alive, bool http10) {
    const bool chunked = !http10;  // an HTTP/1.0 client gets the stream delimited by close
    const bool close_after = !keep_alive || !chunked;
    head_.clear();
    append_head(head_, Head{.status = plan_.status,
                            .content_type = plan_.content_type,
                            .extra_headers = plan_.extra_headers,
                            .framing = chunked ? Framing::chunked : Framing::until_close,
                            .close = close_after});
    // fault-hold: a release from now on frees this stream.
    const std::uint64_t releases = shared_.recorder.releases();
    if (!co_await write(head_)) co_return Outcome::aborted;
    const auto& events = plan_.events;
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (i > 0 && plan_.delay_ms != 0 && !co_await pause(plan_.delay_ms)) co_return Outcome::aborted;
      if (plan_.behaviour == Behaviour::cut && i == plan_.cut_after_events) co_return Outcome::close;
      const bool last = i + 1 == events.size();
      frame_.clear();
      if (chunked) append_chunk_prefix(frame_, events[i].size());
      const std::string_view tail = !chunked ? "" : last ? "\r\n0\r\n\r\n" : "\r\n";
      if (!co_await write(frame_, events[i], tail)) co_return Outcome::aborted;
      if (i == 0 && plan_.behaviour == Behaviour::hang_after_first) co_return co_await wait_for_close();
      if (i + 1 == plan_.hold_after_events && !co_await hold(releases)) co_return Outcome::aborted;
    }
    if (events.empty() && chunked && !co_await write(std::string_view("0\r\n\r\n"))) co_return Outcome::aborted;
    co_return close_after ? Outcome::close : Outcome::done;
  }

  // Answers a request Beast could not parse (when there is one), then the
  // connection closes.
  asio::awaitable<void> reject(error_code ec) {
    if (ec.category() != http::make_error_code(http::error::bad_target).category() ||
        ec == http::error::end_of_stream || ec == http::error::partial_message) {
      co_return;
    }
    plan_.reset();
    if (ec == http::error::body_limit) {
      set_error(plan_, 413, "Request body too large for aisbf-mock (limit 64 MiB).", "invalid_request_error");
    } else if (ec == http::error::header_limit) {
      set_error(plan_, 431, "Request headers too large for aisbf-mock (limit 64 KiB).", "invalid_request_error");
    } else {
      set_error(plan_, 400, "Malformed HTTP request: " + ec.message(), "invalid_request_error");
    }
    co_await send_whole(false, false);
  }

  template <class... Parts>
  asio::awaitable<bool> write(const Parts&... parts) {
    const std::array<asio::const_buffer, sizeof...(Parts)> buffers{asio::buffer(parts.data(), parts.size())...};
    auto [ec, n] = co_await asio::async_write(socket_, buffers, kTok);
    co_return !ec;
  }

  // Waits `ms`, then tells whether the client is still there.
  asio::awaitable<bool> pause(unsigned ms) {
    asio::steady_timer timer(socket_.get_executor(), std::chrono::milliseconds(ms));
    co_await timer.async_wait(kTok);
    co_return !peer_closed();
  }

  // fault-hold: waits until a release past `since`; false when the client
  // went away meanwhile. Polled: a mock's held streams are few.
  asio::awaitable<bool> hold(std::uint64_t since) {
    shared_.recorder.hold_begin();
    bool present = true;
    while (present && shared_.recorder.releases() == since) present = co_await pause(5);
    shared_.recorder.hold_end();
    co_return present;
  }

  bool peer_closed() {
    char c = 0;
    const ssize_t r = ::recv(socket_.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  }

  // Reads (and drops) whatever comes until the client closes.
  asio::awaitable<Outcome> wait_for_close() {
    std::array<char, 2048> junk{};
    for (;;) {
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(junk), kTok);
      if (ec) co_return Outcome::aborted;
    }
  }

  tcp::socket socket_;
  Shared& shared_;
  beast::flat_buffer buffer_;
  Plan plan_;
  std::vector<char> upload_piece_;
  std::string head_;
  std::string frame_;
  std::string raw_headers_;
};

asio::awaitable<void> run_session(tcp::socket socket, Shared& shared) {
  try {
    Session session(std::move(socket), shared);
    co_await session.run();
  } catch (...) {
    // A session never takes the worker down; the socket closes with the frame.
  }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, Shared& shared) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTok);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      asio::steady_timer backoff(acceptor.get_executor(), std::chrono::milliseconds(20));  // e.g. EMFILE
      co_await backoff.async_wait(kTok);
      continue;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(acceptor.get_executor(), run_session(std::move(socket), shared), asio::detached);
  }
}

tcp::endpoint make_endpoint(std::string host, std::uint16_t port) {
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {asio::ip::make_address(host), port};
}

void listen_on(tcp::acceptor& acceptor, const tcp::endpoint& endpoint, bool share_port) {
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  if (share_port) acceptor.set_option(reuse_port(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
}

}  // namespace

struct Worker {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
};

struct Server::Impl {
  Shared shared;
  std::vector<std::unique_ptr<Worker>> workers;
  std::uint16_t port = 0;
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->shared.api.api_keys = std::move(options.api_keys);
  impl_->shared.api.dice.reseed(options.seed);
  try {
    listen_all(options);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " +
                             e.code().message());
  }
}

void Server::listen_all(const ServerOptions& options) {
  tcp::endpoint endpoint = make_endpoint(options.host, options.port);
  const unsigned count = std::max(1u, options.workers);
  if (count > 1) {
    // Claim the port without SO_REUSEPORT first, so that a port held by
    // another process fails here instead of silently sharing its traffic.
    asio::io_context probe_io;
    tcp::acceptor probe(probe_io);
    probe.open(endpoint.protocol());
    probe.bind(endpoint);
    endpoint.port(probe.local_endpoint().port());
  }
  for (unsigned i = 0; i < count; ++i) {
    auto& w = impl_->workers.emplace_back(std::make_unique<Worker>());
    listen_on(w->acceptor, endpoint, count > 1);
    if (i == 0) endpoint.port(w->acceptor.local_endpoint().port());
  }
  impl_->port = endpoint.port();
}

Server::~Server() { stop(); }

std::uint16_t Server::port() const { return impl_->port; }

void Server::start() {
  for (auto& w : impl_->workers) {
    asio::co_spawn(w->io, accept_loop(w->acceptor, impl_->shared), asio::detached);
    w->thread = std::thread([io = &w->io] {
      for (;;) {
        try {
          io->run();
          return;
        } catch (...) {
          // Keep serving: one bad handler must not stop the worker.
        }
      }
    });
  }
}

void Server::stop() {
  for (auto& w : impl_->workers) w->io.stop();
  for (auto& w : impl_->workers) {
    if (w->thread.joinable()) w->thread.join();
  }
}

}  // namespace aisbf_mock
