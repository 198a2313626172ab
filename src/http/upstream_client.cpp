#include "http/upstream_client.hpp"

#include <array>
#include <cstdio>
#include <unordered_map>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/address_policy.hpp"
#include "http/client_tls.hpp"
#include "http/deadline.hpp"
#include "http/socks5.hpp"

namespace aisbf::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t kMaxIdlePerOrigin = 64;
constexpr auto kMaxIdleAge = std::chrono::seconds(30);  // below common upstream keep-alive timeouts
constexpr std::size_t kReadPiece = 16 * 1024;

struct UpstreamConnection {
  explicit UpstreamConnection(asio::io_context& io)
      : deadline(io.get_executor(), [this] {
          beast::error_code ignored;
          lowest().cancel(ignored);
        }) {
    // Beast reads max(512, free capacity) bytes at a time: without room
    // reserved, every response head took two recv calls and an extra wake-up.
    buffer.reserve(kReadPiece);
  }

  std::string origin_key;
  std::unique_ptr<tcp::socket> plain;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> secure;
  Deadline deadline;  // declared after the sockets it cancels, destroyed before them
  beast::flat_buffer buffer;
  // Where body pieces land: one per connection, reused by every request it
  // carries (a per-request buffer cost a 16 KiB allocation and memset).
  std::unique_ptr<char[]> piece{new char[kReadPiece]};
  Clock::time_point idle_since;
  bool reused = false;

  tcp::socket& lowest() { return plain ? *plain : secure->next_layer(); }
  void close() {
    beast::error_code ignored;
    lowest().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close(ignored);
  }
};

struct UpstreamPool::Impl {
  std::unordered_map<std::string, std::vector<std::unique_ptr<UpstreamConnection>>> idle;
};

boost::system::error_code configure_client_tls(asio::ssl::context& tls) {
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  tls.set_default_verify_paths(ec);
  return ec;
}

UpstreamPool::UpstreamPool(asio::io_context& io, asio::ssl::context& tls, DnsResolver::LookupFn lookup)
    : io_(io), tls_(tls), dns_(io, std::move(lookup)), impl_(std::make_unique<Impl>()) {}
UpstreamPool::~UpstreamPool() = default;

std::unique_ptr<UpstreamConnection> UpstreamPool::take_idle(const std::string& origin_key) {
  auto it = impl_->idle.find(origin_key);
  if (it == impl_->idle.end()) return nullptr;
  auto& list = it->second;
  auto now = Clock::now();
  while (!list.empty()) {
    auto c = std::move(list.back());
    list.pop_back();
    if (now - c->idle_since < kMaxIdleAge && c->lowest().is_open()) {
      c->reused = true;
      return c;
    }
    c->close();
  }
  return nullptr;
}

void UpstreamPool::give_back(std::unique_ptr<UpstreamConnection> c) {
  if (closing_) return;  // dropping it closes it
  auto& list = impl_->idle[c->origin_key];
  if (list.size() >= kMaxIdlePerOrigin) return;  // dropping it closes it
  c->deadline.disarm();
  c->idle_since = Clock::now();
  list.push_back(std::move(c));
}

void UpstreamPool::close_idle() {
  closing_ = true;
  impl_->idle.clear();
}

// ---------------------------------------------------------------------------

struct UpstreamCall::State {
  UpstreamPool& pool;
  const Endpoint& endpoint;
  std::string_view provider;
  Timeouts timeouts;
  Clock::time_point deadline;
  std::unique_ptr<UpstreamConnection> conn;
  std::optional<bhttp::response_parser<bhttp::buffer_body>> parser;
  std::optional<asio::steady_timer> dns_wait;  // set while a name is being resolved
  bool cancelled = false;
  bool done = false;
  bool body_started = false;  // a piece of a BodySource was taken
  bool body_cut = false;      // the upstream answered before the body was all sent: never reused

  State(UpstreamPool& p, const Endpoint& e, const Timeouts& t, std::string_view provider_id)
      : pool(p), endpoint(e), provider(provider_id), timeouts(t), deadline(Clock::now() + t.total) {}

  // The next operation's time budget: its own limit, capped by the total.
  Clock::duration budget(std::chrono::milliseconds limit) const {
    auto left = deadline - Clock::now();
    return std::max<Clock::duration>(std::min<Clock::duration>(limit, left), Clock::duration(0));
  }

  // Not retryable: every candidate of this user is under the same rule, and
  // the answer will not change until an admin allows private endpoints.
  GatewayError private_address_refused(AddressClass why) const {
    auto e = make_error(ErrorKind::forbidden,
                        fmt::format("provider '{}' was refused: its endpoint resolves to a {} address, and this user's "
                                    "providers may only reach public addresses (an admin can allow private endpoints)",
                                    provider, address_class_name(why)));
    e.code = "private_endpoint_refused";
    return e;
  }

  // The client reads these: they name the provider, not the upstream's
  // address (an internal detail, and a hint to an attacker); the debug log
  // keeps the address for the operator.
  GatewayError io_error(const beast::error_code& ec, std::string_view phase) const {
    const bool timed_out = ec == asio::error::timed_out || (conn && conn->deadline.expired());
    if (cancelled) {
      auto e = make_error(ErrorKind::unavailable, "the client went away");
      e.code = "client_closed";
      return e;
    }
    spdlog::debug("upstream {} of provider '{}': {} during {}: {}", endpoint.origin_key, provider,
                  timed_out ? "timed out" : "failed", phase, ec.message());
    if (timed_out) {
      auto e =
          make_error(ErrorKind::upstream_timeout, fmt::format("provider '{}' timed out during {}", provider, phase));
      e.code = "upstream_timeout";
      return e;
    }
    auto kind =
        phase == "connect" || phase == "tls handshake" || phase == "name resolution" || phase.starts_with("SOCKS5")
            ? ErrorKind::upstream_unreachable
            : ErrorKind::upstream_protocol;
    auto e = make_error(kind, fmt::format("provider '{}' failed during {}: {}", provider, phase, ec.message()));
    e.code = kind == ErrorKind::upstream_unreachable ? "upstream_unreachable" : "upstream_connection_error";
    return e;
  }
};

UpstreamCall::UpstreamCall(UpstreamPool& pool, const Endpoint& endpoint, const Timeouts& timeouts,
                           std::string_view provider_id)
    : s_(std::make_unique<State>(pool, endpoint, timeouts, provider_id)) {}

UpstreamCall::~UpstreamCall() {
  if (!s_->conn) return;
  // A connection goes back to the pool only when its answer was read whole
  // and the upstream did not ask to close it.
  if (s_->done && !s_->cancelled && !s_->body_cut && s_->parser && s_->parser->keep_alive()) {
    s_->conn->buffer.clear();
    s_->pool.give_back(std::move(s_->conn));
  } else {
    s_->conn->close();
  }
}

namespace {

struct ConnectResult {
  beast::error_code ec;
  std::string_view phase;
  AddressClass refused = AddressClass::public_address;  // not public: the endpoint's rule refused this address
};

AddressClass address_class(const asio::ip::address& address) {
  if (address.is_v4()) return classify_ipv4(address.to_v4().to_bytes());
  return classify_ipv6(address.to_v6().to_bytes());
}

// The first resolved address the endpoint's rule refuses: every one is
// checked, so a name with one public and one private address is refused
// (the connect would try them in turn).
std::optional<asio::ip::address> refused_address(const DnsResolver::Results& results) {
  for (const auto& entry : results) {
    if (!is_public(address_class(entry.endpoint().address()))) return entry.endpoint().address();
  }
  return std::nullopt;
}

// The SOCKS5 handshake on a connection to the proxy: CONNECT with the
// endpoint's name, which the proxy resolves (under the connect deadline).
asio::awaitable<beast::error_code> socks5_connect(tcp::socket& socket, const Endpoint& ep) {
  namespace socks = socks5;
  auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(socks::kGreeting), kUseTuple);
  if (wec) co_return wec;
  std::array<std::uint8_t, 2> method{};
  auto [mec, mn] = co_await asio::async_read(socket, asio::buffer(method), kUseTuple);
  if (mec) co_return mec;
  if (auto ec = socks::check_method_reply(method)) co_return ec;
  std::vector<std::uint8_t> request;
  if (auto ec = socks::connect_request(ep.host, ep.port, request)) co_return ec;
  auto [rec, rn] = co_await asio::async_write(socket, asio::buffer(request), kUseTuple);
  if (rec) co_return rec;
  std::array<std::uint8_t, 4 + 1 + 255 + 2> reply{};
  auto [hec, hn] = co_await asio::async_read(socket, asio::buffer(reply.data(), 5), kUseTuple);
  if (hec) co_return hec;
  // A refusal may come with a short address: judge the code first.
  if (reply[1] != 0x00) co_return socks::check_reply(std::span<const std::uint8_t>(reply.data(), 5));
  const std::size_t size = socks::reply_size(std::span<const std::uint8_t, 5>(reply.data(), 5));
  if (size == 0) co_return socks::make_error_code(socks::Error::malformed_reply);
  auto [tec, tn] = co_await asio::async_read(socket, asio::buffer(reply.data() + 5, size - 5), kUseTuple);
  if (tec) co_return tec;
  co_return socks::check_reply(std::span<const std::uint8_t>(reply.data(), size));
}

// Through the provider's SOCKS5 proxy. Under "public addresses only" (a
// user's provider): an IP-literal host is checked as for a direct
// connection, and so is the proxy's own address unless it is tor's (the
// admin's aisbf.json tor.socks_*, trusted only with tor.enabled: see
// routing/user_config.cpp); a name is resolved by the proxy, in its
// network (tor: at an exit relay), never in aisbf's. An .onion name is
// refused as loopback: it may be this gateway's own onion service, which
// tor forwards to a loopback address.
asio::awaitable<ConnectResult> proxy_connect(UpstreamConnection& c, const Endpoint& ep) {
  beast::error_code ec;
  const auto literal = asio::ip::make_address(ep.host, ec);
  if (!ec && ep.public_only && !is_public(address_class(literal))) {
    co_return ConnectResult{{}, "address check", address_class(literal)};
  }
  if (auto named = classify_host_literal(ep.host); named && ep.public_only && !is_public(*named))
    co_return ConnectResult{{}, "address check", *named};  // localhost, *.onion
  const auto proxy = asio::ip::make_address(ep.socks_host == "localhost" ? "127.0.0.1" : ep.socks_host, ec);
  if (ec) co_return ConnectResult{ec, "SOCKS5 proxy connect"};  // an IP address (docs/config.md)
  if (ep.public_only && !ep.socks_tor && !is_public(address_class(proxy))) {
    co_return ConnectResult{{}, "address check", address_class(proxy)};
  }
  auto& socket = c.lowest();
  auto [cec] = co_await socket.async_connect(tcp::endpoint(proxy, ep.socks_port), kUseTuple);
  if (cec) co_return ConnectResult{cec, "SOCKS5 proxy connect"};
  co_return ConnectResult{co_await socks5_connect(socket, ep), "SOCKS5 proxy handshake"};
}

// One budget for the name and the connection: a slow resolver cannot hold
// the call past its connect timeout (the wait is on `dns_wait`, which
// cancel() can wake, not on the resolver).
asio::awaitable<ConnectResult> resolve_and_connect(UpstreamPool& pool, UpstreamConnection& c, const Endpoint& ep,
                                                   std::optional<asio::steady_timer>& dns_wait,
                                                   Clock::duration budget) {
  beast::error_code ec;
  auto& socket = c.lowest();
  c.deadline.expire_after(budget);
  if (!ep.socks_host.empty()) co_return co_await proxy_connect(c, ep);
  auto address = asio::ip::make_address(ep.host, ec);
  if (!ec) {
    if (ep.public_only && !is_public(address_class(address))) {
      spdlog::debug("upstream {}: address {} refused ({})", ep.origin_key, address.to_string(),
                    address_class_name(address_class(address)));
      co_return ConnectResult{{}, "address check", address_class(address)};
    }
    auto [cec] = co_await socket.async_connect(tcp::endpoint(address, ep.port), kUseTuple);
    co_return ConnectResult{cec, "connect"};
  }
  dns_wait.emplace(pool.io());
  auto [rec, results] = co_await pool.dns().resolve(ep.host, ep.port, Clock::now() + budget, *dns_wait);
  dns_wait.reset();
  if (rec) co_return ConnectResult{rec, "name resolution"};
  if (ep.public_only) {
    if (auto bad = refused_address(results)) {
      spdlog::debug("upstream {}: {} resolves to {}, refused ({})", ep.origin_key, ep.host, bad->to_string(),
                    address_class_name(address_class(*bad)));
      co_return ConnectResult{{}, "address check", address_class(*bad)};
    }
  }
  auto [cec, connected] = co_await asio::async_connect(socket, results, kUseTuple);
  co_return ConnectResult{cec, "connect"};
}

std::string format_head(const Endpoint& ep, const OutgoingRequest& r) {
  std::string head;
  head.reserve(256 + r.target.size());
  head.append(r.method).append(" ").append(r.target).append(" HTTP/1.1\r\nHost: ").append(ep.host_header);
  head.append("\r\n");
  for (const auto& [name, value] : r.headers) head.append(name).append(": ").append(value).append("\r\n");
  if (r.source != nullptr) {
    head.append("Transfer-Encoding: chunked\r\n\r\n");
  } else {
    head.append("Content-Length: ").append(std::to_string(r.body.size())).append("\r\n\r\n");
  }
  return head;
}

// A BodySource's pieces as chunks, then the last chunk. `source_error` gets
// the source's own failure (the client's upload); the result is the write's.
template <class Stream>
asio::awaitable<beast::error_code> write_chunks(Stream& stream, BodySource& source, Deadline& deadline,
                                                Clock::duration idle, bool& started,
                                                std::optional<GatewayError>& source_error) {
  char size_line[32];
  for (;;) {
    started = true;
    deadline.disarm();  // the source waits on the client, under its own limit
    auto piece = co_await source.next();
    if (!piece) {
      source_error = piece.take_error();
      co_return beast::error_code{};
    }
    deadline.expire_after(idle);
    if (piece->empty()) {
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer("0\r\n\r\n", 5), kUseTuple);
      co_return ec;
    }
    const int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece->size());
    std::array<asio::const_buffer, 3> buffers{asio::buffer(size_line, static_cast<std::size_t>(len)),
                                              asio::buffer(piece->data(), piece->size()), asio::buffer("\r\n", 2)};
    auto [ec, n] = co_await asio::async_write(stream, buffers, kUseTuple);
    if (ec) co_return ec;
  }
}

template <class Stream>
asio::awaitable<beast::error_code> write_request(Stream& stream, const std::string& head, std::string_view body) {
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body.data(), body.size())};
  auto [ec, n] = co_await asio::async_write(stream, buffers, kUseTuple);
  co_return ec;
}

template <class Stream>
asio::awaitable<beast::error_code> read_head(Stream& stream, beast::flat_buffer& buffer,
                                             bhttp::response_parser<bhttp::buffer_body>& parser) {
  auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kUseTuple);
  co_return ec;
}

template <class Stream>
asio::awaitable<std::pair<beast::error_code, std::size_t>> read_body_some(
    Stream& stream, beast::flat_buffer& buffer, bhttp::response_parser<bhttp::buffer_body>& parser) {
  auto [ec, n] = co_await bhttp::async_read_some(stream, buffer, parser, kUseTuple);
  co_return std::pair{ec, n};
}

bool is_stale_connection_error(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == bhttp::error::partial_message;
}

}  // namespace

asio::awaitable<std::optional<GatewayError>> UpstreamCall::start(const OutgoingRequest& request) {
  auto& s = *s_;
  const auto head = format_head(s.endpoint, request);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (s.cancelled) co_return s.io_error({}, "start");
    if (request.source == nullptr) s.conn = s.pool.take_idle(s.endpoint.origin_key);
    if (!s.conn) {
      s.conn = std::make_unique<UpstreamConnection>(s.pool.io());
      s.conn->origin_key = s.endpoint.origin_key;
      if (s.endpoint.tls) {
        s.conn->secure = std::make_unique<asio::ssl::stream<tcp::socket>>(s.pool.io(), s.pool.tls());
      } else {
        s.conn->plain = std::make_unique<tcp::socket>(s.pool.io());
      }
      auto [ec, phase, refused] =
          co_await resolve_and_connect(s.pool, *s.conn, s.endpoint, s.dns_wait, s.budget(s.timeouts.connect));
      if (!is_public(refused) && !s.cancelled) co_return s.private_address_refused(refused);
      if (ec || s.cancelled) co_return s.io_error(ec, phase);
      beast::error_code ignored;
      s.conn->lowest().set_option(tcp::no_delay(true), ignored);
      if (s.conn->secure) {
        auto& tls = *s.conn->secure;
        if (!SSL_set_tlsext_host_name(tls.native_handle(), s.endpoint.host.c_str())) {
          co_return s.io_error(beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
                               "tls handshake");
        }
        tls.set_verify_mode(asio::ssl::verify_peer);
        tls.set_verify_callback(asio::ssl::host_name_verification(s.endpoint.host));
        s.conn->deadline.expire_after(s.budget(s.timeouts.connect));
        auto [hec] = co_await tls.async_handshake(asio::ssl::stream_base::client, kUseTuple);
        if (hec || s.cancelled) co_return s.io_error(hec, "tls handshake");
      }
    }
    const bool reused = s.conn->reused;
    s.conn->deadline.expire_after(s.budget(s.timeouts.idle));
    auto wec = s.conn->secure ? co_await write_request(*s.conn->secure, head, request.body)
                              : co_await write_request(*s.conn->plain, head, request.body);
    if (!wec && !s.cancelled && request.source != nullptr) {
      std::optional<GatewayError> source_error;
      const auto idle = s.budget(s.timeouts.idle);
      // An if, not ?: with a co_await in each arm (GCC 12 bound the other arm's reference too).
      if (s.conn->secure) {
        wec = co_await write_chunks(*s.conn->secure, *request.source, s.conn->deadline, idle, s.body_started,
                                    source_error);
      } else {
        wec = co_await write_chunks(*s.conn->plain, *request.source, s.conn->deadline, idle, s.body_started,
                                    source_error);
      }
      if (source_error) {
        s.conn->close();
        s.conn.reset();
        co_return std::move(*source_error);
      }
    }
    // An upstream may answer an upload before it has read all of it (a
    // 413, a 429, a 400 on the form) and close: the write fails, but its
    // answer may be waiting, and that is what the client should get rather
    // than the broken pipe.
    s.body_cut = wec && !s.cancelled && request.source != nullptr && s.body_started;
    if ((wec && !s.body_cut) || s.cancelled) {
      if (reused && !s.cancelled && attempt == 0) { s.conn->close(); s.conn.reset(); continue; }
      co_return s.io_error(wec, "request write");
    }
    s.parser.emplace();
    s.parser->header_limit(64 * 1024);
    s.parser->body_limit(boost::none);  // the caller caps what it keeps
    s.conn->deadline.expire_after(s.budget(s.timeouts.first_byte));
    auto rec = s.conn->secure ? co_await read_head(*s.conn->secure, s.conn->buffer, *s.parser)
                              : co_await read_head(*s.conn->plain, s.conn->buffer, *s.parser);
    if (s.body_cut && (rec || s.cancelled)) co_return s.io_error(wec, "request write");  // no answer came
    if (rec || s.cancelled) {
      if (reused && !s.cancelled && attempt == 0 && is_stale_connection_error(rec) && !s.parser->got_some()) {
        s.conn->close();
        s.conn.reset();
        continue;
      }
      co_return s.io_error(rec, "response head");
    }
    s.done = s.parser->is_done();
    co_return std::nullopt;
  }
  co_return s.io_error({}, "request write");
}

bool UpstreamCall::body_started() const { return s_->body_started; }

int UpstreamCall::status() const { return s_->parser ? static_cast<int>(s_->parser->get().result_int()) : 0; }

std::string UpstreamCall::header(std::string_view name) const {
  if (!s_->parser) return {};
  const auto& h = s_->parser->get();
  auto it = h.find(beast::string_view(name.data(), name.size()));
  return it == h.end() ? std::string{} : std::string(it->value());
}

asio::awaitable<Expected<std::string_view>> UpstreamCall::read_some() {
  auto& s = *s_;
  if (s.done) co_return std::string_view{};
  if (s.cancelled) co_return s.io_error({}, "response body");
  auto& body = s.parser->get().body();
  char* piece = s.conn->piece.get();
  body.data = piece;
  body.size = kReadPiece;
  // While a stream is open, the idle limit applies between pieces; the
  // total deadline caps the whole answer.
  s.conn->deadline.expire_after(s.budget(s.timeouts.idle));
  auto [ec, n] = s.conn->secure ? co_await read_body_some(*s.conn->secure, s.conn->buffer, *s.parser)
                                : co_await read_body_some(*s.conn->plain, s.conn->buffer, *s.parser);
  if (ec == bhttp::error::need_buffer) ec = {};
  if (ec || s.cancelled) co_return s.io_error(ec, "response body");
  s.done = s.parser->is_done();
  co_return std::string_view(piece, kReadPiece - body.size);
}

bool UpstreamCall::done() const { return s_->done; }

asio::awaitable<Expected<std::string>> UpstreamCall::read_all(std::size_t cap) {
  std::string out;
  while (!s_->done) {
    auto piece = co_await read_some();
    if (!piece) co_return piece.take_error();
    if (out.size() + piece->size() > cap) {
      auto e = make_error(ErrorKind::upstream_protocol,
                          fmt::format("provider '{}' answered more than {} bytes", s_->provider, cap));
      e.code = "upstream_response_too_large";
      co_return e;
    }
    out.append(*piece);
  }
  co_return out;
}

void UpstreamCall::cancel() {
  auto& s = *s_;
  s.cancelled = true;
  if (s.dns_wait) s.dns_wait->cancel();
  if (s.conn) {
    beast::error_code ignored;
    s.conn->lowest().cancel(ignored);
  }
}

bool UpstreamCall::cancelled() const { return s_->cancelled; }

}  // namespace aisbf::http
