// Let's Encrypt for the gateway: with `server.domain` set, checks at start
// and every 24 hours whether <config_dir>/acme/cert.pem still serves (names
// the domain, matches key.pem, more than 30 days left) and otherwise orders
// a new certificate over ACME HTTP-01 (acme_client.hpp), then writes
// key.pem (0600) and cert.pem (the full chain) atomically, key first: the
// TLS listener picks them up when they change. A failure is logged with the
// CA's reason and retried after a backoff (1 h, doubling, at most 24 h);
// what is served stays as it was. The account key lives in
// <config_dir>/acme/account.key (0600).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "config/config.hpp"
#include "config/config_writer.hpp"
#include "ops/acme_challenges.hpp"

namespace aisbf {

class AcmeClient;

// Where the ACME files live.
struct AcmePaths {
  std::filesystem::path dir;  // <config_dir>/acme
  std::filesystem::path account_key() const { return dir / "account.key"; }
  std::filesystem::path certificate() const { return dir / "cert.pem"; }
  std::filesystem::path key() const { return dir / "key.pem"; }
};

// Checks `chain` against the domain and the key, then writes key.pem and
// cert.pem (in that order: the listener reloads on the certificate's change
// and must find the matching key already there). When cert.pem cannot be
// written, key.pem gets back what it held (the served certificate's key).
// "" or the reason. `cert_write`: a test seam for cert.pem's write.
std::string install_certificate(const AcmePaths& paths, const std::string& domain, const std::string& chain,
                                const std::string& key_pem, const WriteOptions& cert_write = {});

class AcmeRunner {
 public:
  // `io`: one worker's io_context, where run() and stop() run.
  AcmeRunner(boost::asio::io_context& io, acme::ChallengeStore& challenges);
  ~AcmeRunner();

  // Until stop(): a check now, then every 24 h (sooner after a failure, at
  // once after nudge()). File and key work goes to a thread of its own.
  // `config` gives the live snapshot at each check.
  boost::asio::awaitable<void> run(std::function<std::shared_ptr<const Config>()> config,
                                   std::filesystem::path config_dir);
  // On the same io_context: ends the wait or the order in progress.
  void stop();
  // From any thread: the ACME settings changed; check again now (after the
  // order in progress, if one is).
  void nudge();

 private:
  // "" when the certificate serves or was obtained; else the reason.
  boost::asio::awaitable<std::string> check(const ServerConfig& server, const AcmePaths& paths);

  boost::asio::io_context& io_;
  acme::ChallengeStore& challenges_;
  boost::asio::thread_pool files_{1};  // reads, key generation, fsync'd writes: off the event loop
  boost::asio::steady_timer* timer_ = nullptr;
  AcmeClient* client_ = nullptr;
  bool stopped_ = false;
  bool nudged_ = false;  // by nudge(), on io_
};

}  // namespace aisbf
