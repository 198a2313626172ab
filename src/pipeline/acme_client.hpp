// One ACME (RFC 8555) certificate order over the upstream HTTP client:
// directory, nonce, account, order, http-01 challenge (answered by the
// public route from `challenges`), polling bounded by Retry-After,
// finalize with a CSR, and the chain's download. The protocol's values and
// crypto are ops/acme_*.hpp; this file is their I/O.
#pragma once

#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/expected.hpp"
#include "http/upstream_client.hpp"
#include "ops/acme_challenges.hpp"
#include "ops/acme_crypto.hpp"
#include "ops/acme_messages.hpp"

namespace aisbf {

struct AcmeOrderRequest {
  std::string directory_url;
  std::string domain;
  std::string email;
  const acme::EcKey* account_key = nullptr;
  const acme::EcKey* certificate_key = nullptr;
  // Polls of one resource (authorization, order) before giving up; each
  // waits the CA's Retry-After clamped to [1 s, max_poll_wait].
  int max_polls = 60;
  std::chrono::seconds max_poll_wait{10};
  // The whole order, requests and waits: past it, order() fails.
  std::chrono::seconds deadline{600};
};

// Counts of what a run did (the log line and the tests' figures).
struct AcmeOrderStats {
  int requests = 0;  // HTTP requests to the CA
  int bad_nonce_retries = 0;
  int polls = 0;
};

class AcmeClient {
 public:
  AcmeClient(http::UpstreamPool& pool, acme::ChallengeStore& challenges);
  ~AcmeClient();
  AcmeClient(const AcmeClient&) = delete;
  AcmeClient& operator=(const AcmeClient&) = delete;

  // The certificate chain (PEM, leaf first) for the request's domain, or
  // the reason it could not be had: the step and the CA's problem detail.
  // Never holds a key in an error.
  boost::asio::awaitable<Expected<std::string>> order(const AcmeOrderRequest& request);

  // Stops the request or the wait in progress (shutdown); order() then fails.
  void cancel();
  const AcmeOrderStats& stats() const { return stats_; }

 private:
  struct Reply;
  boost::asio::awaitable<Expected<Reply>> exchange(std::string_view method, const std::string& url,
                                                   std::string_view body, std::size_t cap);
  boost::asio::awaitable<Expected<Reply>> post(std::string_view step, const std::string& url, std::string_view payload,
                                               std::size_t cap = acme::kMaxJsonBytes);
  boost::asio::awaitable<std::optional<GatewayError>> fresh_nonce();
  boost::asio::awaitable<std::optional<GatewayError>> authorize(const std::string& authz_url);
  boost::asio::awaitable<Expected<std::string>> poll_order(const std::string& order_url, std::string_view until);
  boost::asio::awaitable<bool> wait(std::chrono::seconds delay);
  std::chrono::seconds time_left() const;  // before deadline_
  GatewayError out_of_time() const;

  http::UpstreamPool& pool_;
  acme::ChallengeStore& challenges_;
  const AcmeOrderRequest* request_ = nullptr;
  std::string nonce_;
  std::string new_nonce_url_;
  std::string account_url_;  // the JWS kid once the account exists
  AcmeOrderStats stats_;
  http::UpstreamCall* in_flight_ = nullptr;
  boost::asio::steady_timer* timer_ = nullptr;  // a wait in progress
  std::chrono::steady_clock::time_point deadline_;  // of the order in progress
  bool cancelled_ = false;
};

}  // namespace aisbf
