#include "http/dns_resolver.hpp"

#include <unordered_map>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace aisbf::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kDnsTtl = std::chrono::seconds(30);
constexpr std::size_t kMaxCached = 1024;  // names come from the config: far fewer in practice

// One getaddrinfo in flight and the callers waiting for it.
struct Lookup {
  bool finished = false;
  boost::system::error_code ec;
  DnsResolver::Results results;
  std::vector<asio::steady_timer*> waiters;
};

// Takes a waiter off its lookup however its coroutine ends (even destroyed
// unfinished at shutdown), so a late lookup never touches a dead timer.
struct WaiterGuard {
  std::shared_ptr<Lookup> lookup;
  asio::steady_timer* timer;
  ~WaiterGuard() { std::erase(lookup->waiters, timer); }
};

void asio_lookup(asio::io_context& io, const std::string& host, const std::string& port, DnsResolver::Done done) {
  auto resolver = std::make_shared<tcp::resolver>(io);
  resolver->async_resolve(
      host, port,
      [resolver, done = std::move(done)](const boost::system::error_code& ec, DnsResolver::Results results) {
        done(ec, std::move(results));
      });
}

}  // namespace

struct DnsResolver::Shared {
  struct Entry {
    Results results;
    Clock::time_point expires;
  };

  LookupFn lookup;
  std::unordered_map<std::string, Entry> cache;
  std::unordered_map<std::string, std::shared_ptr<Lookup>> in_flight;
  std::size_t started = 0;

  explicit Shared(LookupFn l) : lookup(std::move(l)) {}

  void store(const std::string& key, const Results& results) {
    const auto now = Clock::now();
    if (cache.size() >= kMaxCached) std::erase_if(cache, [&](const auto& e) { return e.second.expires < now; });
    if (cache.size() >= kMaxCached) cache.clear();
    cache[key] = {results, now + kDnsTtl};
  }
};

DnsResolver::DnsResolver(asio::io_context& io, LookupFn lookup) : s_(std::make_shared<Shared>(std::move(lookup))) {
  if (!s_->lookup) {
    s_->lookup = [&io](const std::string& host, const std::string& port, Done done) {
      asio_lookup(io, host, port, std::move(done));
    };
  }
}

DnsResolver::~DnsResolver() = default;

std::size_t DnsResolver::lookups_started() const { return s_->started; }

asio::awaitable<std::pair<boost::system::error_code, DnsResolver::Results>> DnsResolver::resolve(
    const std::string& host, std::uint16_t port, Clock::time_point deadline, asio::steady_timer& wait) {
  auto& s = *s_;
  std::string key = host;
  key.append(":").append(std::to_string(port));
  if (auto it = s.cache.find(key); it != s.cache.end() && it->second.expires > Clock::now()) {
    co_return std::pair{boost::system::error_code{}, it->second.results};
  }
  std::shared_ptr<Lookup> lookup;
  if (auto it = s.in_flight.find(key); it != s.in_flight.end()) {
    lookup = it->second;  // the same name is being looked up: join it rather than queue another
  } else {
    lookup = std::make_shared<Lookup>();
    s.in_flight.emplace(key, lookup);
    ++s.started;
    s.lookup(host, std::to_string(port),
             [weak = std::weak_ptr<Shared>(s_), key, lookup](const boost::system::error_code& ec, Results results) {
               lookup->finished = true;
               lookup->ec = ec;
               lookup->results = std::move(results);
               if (auto shared = weak.lock()) {
                 shared->in_flight.erase(key);
                 if (!ec) shared->store(key, lookup->results);
               }
               for (auto* waiter : lookup->waiters) waiter->cancel();
             });
  }
  if (!lookup->finished) {
    lookup->waiters.push_back(&wait);
    WaiterGuard guard{lookup, &wait};
    wait.expires_at(deadline);
    auto [ec] = co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!lookup->finished) {
      co_return std::pair{ec == asio::error::operation_aborted
                              ? boost::system::error_code(asio::error::operation_aborted)
                              : boost::system::error_code(asio::error::timed_out),
                          Results{}};
    }
  }
  co_return std::pair{lookup->ec, lookup->results};
}

}  // namespace aisbf::http
