// Name resolution for one worker's upstream calls: a short cache, at most
// one lookup in flight per name (later callers join it), and a wait bounded
// by the caller's deadline.
//
// Asio's resolver runs getaddrinfo on one background thread per io_context
// and completes only when getaddrinfo returns, even after cancel(): waiting
// on it directly would let a slow resolver hold a call past its connect
// timeout. Here the caller waits on its own timer instead; a lookup that
// outlives every waiter still completes in the background and fills the
// cache for the next call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace aisbf::http {

class DnsResolver {
 public:
  using Clock = std::chrono::steady_clock;
  using Results = boost::asio::ip::tcp::resolver::results_type;
  using Done = std::function<void(const boost::system::error_code&, Results)>;
  // Starts a lookup of host:port and calls `done` once, on the io_context's
  // thread. The default uses Asio's resolver; tests inject slow ones.
  using LookupFn = std::function<void(const std::string& host, const std::string& port, Done done)>;

  explicit DnsResolver(boost::asio::io_context& io, LookupFn lookup = {});
  ~DnsResolver();
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  // The addresses of host:port. `wait` is the caller's timer (cancelling it
  // abandons the wait: operation_aborted); past `deadline`: timed_out.
  boost::asio::awaitable<std::pair<boost::system::error_code, Results>> resolve(const std::string& host,
                                                                                std::uint16_t port,
                                                                                Clock::time_point deadline,
                                                                                boost::asio::steady_timer& wait);

  std::size_t lookups_started() const;  // for tests: cache hits and joined lookups start none

 private:
  struct Shared;
  std::shared_ptr<Shared> s_;
};

}  // namespace aisbf::http
