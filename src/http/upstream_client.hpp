// The upstream HTTP client: per-worker keep-alive pools keyed by origin, TLS
// with SNI and verification against the system store, a short DNS cache
// (dns_resolver.hpp),
// and one call object per request that reads the response head first and
// then the body piece by piece as it arrives.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "config/config.hpp"
#include "core/expected.hpp"
#include "core/provider_adapter.hpp"
#include "http/dns_resolver.hpp"
#include "http/endpoint.hpp"

namespace aisbf::http {

struct UpstreamConnection;

// One per worker thread; never shared across threads.
class UpstreamPool {
 public:
  // `lookup`: how names are resolved (default: Asio's resolver); tests inject slow ones.
  UpstreamPool(boost::asio::io_context& io, boost::asio::ssl::context& tls, DnsResolver::LookupFn lookup = {});
  ~UpstreamPool();
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  boost::asio::io_context& io() { return io_; }
  boost::asio::ssl::context& tls() { return tls_; }

  std::unique_ptr<UpstreamConnection> take_idle(const std::string& origin_key);
  void give_back(std::unique_ptr<UpstreamConnection> connection);
  // Closes every idle connection (at shutdown, so the worker's loop can end).
  void close_idle();

  DnsResolver& dns() { return dns_; }

 private:
  struct Impl;
  boost::asio::io_context& io_;
  boost::asio::ssl::context& tls_;
  DnsResolver dns_;
  std::unique_ptr<Impl> impl_;
  bool closing_ = false;
};

// A request body produced while it is sent (an upload relayed as it
// arrives): pieces are written upstream chunked, one at a time.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // The next piece (valid until the next call); empty at the end. An error
  // ends the request: the upstream connection is closed, the error returned.
  virtual boost::asio::awaitable<Expected<std::string_view>> next() = 0;
};

struct OutgoingRequest {
  std::string_view method = "POST";
  std::string target;    // path (and query) on the upstream
  HeaderList headers;    // already filtered: nothing hop-by-hop, nothing of the caller's credentials
  std::string_view body;
  // Set: the body comes from here instead, sent with Transfer-Encoding:
  // chunked on a new connection (a stale pooled one could fail after a
  // piece was taken, and a streamed body cannot be sent twice).
  BodySource* source = nullptr;
};

class UpstreamCall {
 public:
  // `endpoint` and `provider_id` must outlive the call. Errors meant for the
  // client name the provider, never the upstream's address (logged at debug).
  UpstreamCall(UpstreamPool& pool, const Endpoint& endpoint, const Timeouts& timeouts, std::string_view provider_id);
  ~UpstreamCall();
  UpstreamCall(const UpstreamCall&) = delete;
  UpstreamCall& operator=(const UpstreamCall&) = delete;

  // Sends the request and waits for the response head. The connect timeout
  // bounds name resolution and the TCP (and TLS) set-up together. A reused keep-alive
  // connection that fails before any byte came back is retried once on a
  // fresh one (upstreams close idle connections whenever they like).
  boost::asio::awaitable<std::optional<GatewayError>> start(const OutgoingRequest& request);

  // A request with a BodySource: whether a piece of it was taken. Until
  // then a failure (connect, TLS) may go to another upstream.
  bool body_started() const;

  int status() const;
  std::string header(std::string_view name) const;

  // The next piece of the body as it arrives (may be empty while framing is
  // read); valid until the next call. done() once the body is complete.
  boost::asio::awaitable<Expected<std::string_view>> read_some();
  bool done() const;

  // The whole body, failing past `cap` bytes.
  boost::asio::awaitable<Expected<std::string>> read_all(std::size_t cap);

  // Aborts whatever I/O is pending or next (the client went away). Safe to
  // call from another coroutine on the same thread.
  void cancel();
  bool cancelled() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace aisbf::http
