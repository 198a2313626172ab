#include "pipeline/acme_client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log_text.hpp"
#include "http/endpoint.hpp"
#include "ops/acme_messages.hpp"

namespace aisbf {

namespace asio = boost::asio;
using asio::awaitable;

namespace {

constexpr int kMaxBadNonceRetries = 5;
constexpr std::string_view kJoseJson = "application/jose+json";
constexpr std::string_view kProviderId = "acme";
constexpr std::string_view kProviderPrefix = "provider 'acme' ";

GatewayError acme_error(std::string message) { return make_error(ErrorKind::upstream_protocol, std::move(message)); }

// "https://ca:14000/path?x" → the endpoint of its origin and the target.
std::optional<std::pair<http::Endpoint, std::string>> split_url(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  const auto slash = url.find('/', scheme + 3);
  const std::string_view origin = slash == std::string_view::npos ? url : url.substr(0, slash);
  const std::string target(slash == std::string_view::npos ? "/" : url.substr(slash));
  auto endpoint = http::parse_endpoint(origin);
  if (!endpoint || target.find_first_of(" \r\n") != std::string::npos) return std::nullopt;
  return std::make_pair(std::move(*endpoint), target);
}

// The CA's problem document, or its status when the body is not one.
std::string problem_text(int status, std::string_view body) {
  if (auto problem = acme::parse_problem(body)) return problem->describe();
  return fmt::format("HTTP {}", status);
}

}  // namespace

struct AcmeClient::Reply {
  int status = 0;
  std::string body;
  std::string location;
  std::string retry_after;
};

AcmeClient::AcmeClient(http::UpstreamPool& pool, acme::ChallengeStore& challenges)
    : pool_(pool), challenges_(challenges) {}

AcmeClient::~AcmeClient() = default;

void AcmeClient::cancel() {
  cancelled_ = true;
  if (in_flight_ != nullptr) in_flight_->cancel();
  if (timer_ != nullptr) timer_->cancel();
}

awaitable<Expected<AcmeClient::Reply>> AcmeClient::exchange(std::string_view method, const std::string& url,
                                                            std::string_view body, std::size_t cap) {
  if (cancelled_) co_return acme_error("stopped");
  const auto left = time_left();
  if (left <= std::chrono::seconds::zero()) co_return out_of_time();
  auto parts = acme::is_https_url(url) ? split_url(url) : std::nullopt;
  if (!parts) co_return acme_error("the CA gave a URL aisbf cannot use: " + log_text(url, 200));
  const http::Endpoint& endpoint = parts->first;
  Timeouts timeouts;
  timeouts.connect = std::min<std::chrono::seconds>(std::chrono::seconds(10), left);
  timeouts.first_byte = std::min<std::chrono::seconds>(std::chrono::seconds(30), left);
  timeouts.idle = std::min<std::chrono::seconds>(std::chrono::seconds(30), left);
  timeouts.total = std::min<std::chrono::seconds>(std::chrono::seconds(60), left);
  http::UpstreamCall call(pool_, endpoint, timeouts, kProviderId);
  http::OutgoingRequest out;
  out.method = method;
  out.target = parts->second;
  out.body = body;
  out.headers.emplace_back("User-Agent", "aisbf/" AISBF_VERSION " (ACME)");
  if (!body.empty()) out.headers.emplace_back("Content-Type", std::string(kJoseJson));
  ++stats_.requests;
  in_flight_ = &call;
  auto error = co_await call.start(out);
  Reply reply;
  if (!error) {
    reply.status = call.status();
    auto text = co_await call.read_all(cap);
    if (text)
      reply.body = std::move(text.value());
    else
      error = text.error();
  }
  in_flight_ = nullptr;
  if (error) {
    // "GET https://ca/dir: failed during connect: Connection refused" (the
    // upstream client words it for a provider).
    std::string_view what = error->message;
    if (what.starts_with(kProviderPrefix)) what.remove_prefix(kProviderPrefix.size());
    co_return acme_error(fmt::format("{} {}: {}", method, log_text(url, 200), what));
  }
  if (std::string nonce = call.header("Replay-Nonce"); !nonce.empty() && nonce.size() <= 256) nonce_ = nonce;
  reply.location = call.header("Location");
  reply.retry_after = call.header("Retry-After");
  co_return reply;
}

awaitable<std::optional<GatewayError>> AcmeClient::fresh_nonce() {
  // RFC 8555 §7.2: GET newNonce answers 204 with a Replay-Nonce.
  nonce_.clear();
  auto reply = co_await exchange("GET", new_nonce_url_, {}, acme::kMaxJsonBytes);
  if (!reply) co_return reply.error();
  if (nonce_.empty()) co_return acme_error(fmt::format("newNonce: no Replay-Nonce (HTTP {})", reply->status));
  co_return std::nullopt;
}

awaitable<Expected<AcmeClient::Reply>> AcmeClient::post(std::string_view step, const std::string& url,
                                                        std::string_view payload, std::size_t cap) {
  for (int attempt = 0;; ++attempt) {
    if (nonce_.empty()) {
      if (auto error = co_await fresh_nonce()) co_return *error;
    }
    const acme::JwsKey signer{request_->account_key, account_url_};  // the JWK until the account exists
    auto body = acme::jws(signer, nonce_, url, payload);
    nonce_.clear();  // spent, whatever the answer
    if (!body) co_return body.error();
    auto reply = co_await exchange("POST", url, *body, cap);
    if (!reply) co_return reply.error();
    if (reply->status >= 200 && reply->status < 300) co_return reply;
    auto problem = acme::parse_problem(reply->body);
    if (problem && problem->is_bad_nonce() && attempt < kMaxBadNonceRetries) {
      ++stats_.bad_nonce_retries;  // the error carried a fresh nonce (or the next loop asks for one)
      continue;
    }
    co_return acme_error(fmt::format("{}: {}", step, problem_text(reply->status, reply->body)));
  }
}

std::chrono::seconds AcmeClient::time_left() const {
  return std::chrono::duration_cast<std::chrono::seconds>(deadline_ - std::chrono::steady_clock::now());
}

GatewayError AcmeClient::out_of_time() const {
  return acme_error(fmt::format("the order took longer than {} s; given up", request_->deadline.count()));
}

awaitable<bool> AcmeClient::wait(std::chrono::seconds delay) {
  if (cancelled_) co_return false;
  asio::steady_timer timer(pool_.io());
  timer_ = &timer;
  // A poll past the deadline is not waited for: the next request fails with it.
  timer.expires_after(std::max(std::min(delay, time_left()), std::chrono::seconds::zero()));
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  timer_ = nullptr;
  ++stats_.polls;
  co_return !cancelled_;
}

awaitable<std::optional<GatewayError>> AcmeClient::authorize(const std::string& authz_url) {
  auto reply = co_await post("authorization", authz_url, {});
  if (!reply) co_return reply.error();
  auto authz = acme::parse_authorization(reply->body);
  if (!authz) co_return acme_error("authorization: an answer aisbf cannot read");
  if (authz->status == "valid") co_return std::nullopt;
  const acme::Challenge* challenge = authz->http01();
  if (challenge == nullptr) co_return acme_error("authorization: the CA offers no http-01 challenge");
  if (!acme::is_valid_token(challenge->token)) co_return acme_error("authorization: a malformed challenge token");
  const std::string token = challenge->token;
  const std::string challenge_url = challenge->url;
  if (!challenges_.put(token, acme::key_authorization(token, *request_->account_key))) {
    co_return acme_error("authorization: too many challenges in flight");
  }
  struct Forget {
    acme::ChallengeStore& store;
    std::string token;
    ~Forget() { store.remove(token); }
  } forget{challenges_, token};
  auto started = co_await post("challenge", challenge_url, acme::kChallengeResponsePayload);
  if (!started) co_return started.error();
  for (int poll = 0; poll < request_->max_polls; ++poll) {
    auto state = co_await post("authorization", authz_url, {});
    if (!state) co_return state.error();
    auto current = acme::parse_authorization(state->body);
    if (!current) co_return acme_error("authorization: an answer aisbf cannot read");
    if (current->status == "valid") co_return std::nullopt;
    if (current->status != "pending") {
      const acme::Challenge* failed = current->http01();
      std::string why = failed != nullptr && failed->error ? failed->error->describe() : current->status;
      co_return acme_error("http-01 validation of " + request_->domain + " failed: " + why);
    }
    const auto delay = acme::retry_after(state->retry_after, std::chrono::seconds(1), std::chrono::seconds(1),
                                         request_->max_poll_wait);
    if (!co_await wait(delay)) co_return acme_error("stopped");
  }
  co_return acme_error("authorization: still pending after " + std::to_string(request_->max_polls) + " polls");
}

awaitable<Expected<std::string>> AcmeClient::poll_order(const std::string& order_url, std::string_view until) {
  for (int poll = 0; poll <= request_->max_polls; ++poll) {
    auto reply = co_await post("order", order_url, {});
    if (!reply) co_return reply.error();
    auto order = acme::parse_order(reply->body);
    if (!order) co_return acme_error("order: an answer aisbf cannot read");
    if (order->status == until) co_return until == "valid" ? order->certificate : order->finalize;
    if (order->status == "invalid") {
      co_return acme_error("order invalid: " + (order->error ? order->error->describe() : std::string("no detail")));
    }
    const auto delay = acme::retry_after(reply->retry_after, std::chrono::seconds(1), std::chrono::seconds(1),
                                         request_->max_poll_wait);
    if (!co_await wait(delay)) co_return acme_error("stopped");
  }
  co_return acme_error(fmt::format("order: not {} after {} polls", until, request_->max_polls));
}

awaitable<Expected<std::string>> AcmeClient::order(const AcmeOrderRequest& request) {
  request_ = &request;
  deadline_ = std::chrono::steady_clock::now() + request.deadline;
  account_url_.clear();
  nonce_.clear();
  auto directory_reply = co_await exchange("GET", request.directory_url, {}, acme::kMaxJsonBytes);
  if (!directory_reply) co_return directory_reply.error();
  auto directory = acme::parse_directory(directory_reply->body);
  if (!directory)
    co_return acme_error(fmt::format("directory: not an ACME directory (HTTP {})", directory_reply->status));
  new_nonce_url_ = directory->new_nonce;

  // Payloads named, never temporaries of a co_await expression (g++ 12 destroys those twice).
  const std::string account_payload = acme::new_account_payload(request.email);
  auto account = co_await post("newAccount", directory->new_account, account_payload);
  if (!account) co_return account.error();
  if (!acme::is_https_url(account->location)) co_return acme_error("newAccount: no https account URL (Location)");
  account_url_ = account->location;

  const std::string order_payload = acme::new_order_payload(request.domain);
  auto created = co_await post("newOrder", directory->new_order, order_payload);
  if (!created) co_return created.error();
  auto order = acme::parse_order(created->body);
  if (!order || !acme::is_https_url(created->location)) co_return acme_error("newOrder: an answer aisbf cannot read");
  if (auto problem = acme::single_name_order_problem(*order); !problem.empty()) co_return acme_error(problem);
  const std::string order_url = created->location;
  spdlog::info("acme: order for {} placed ({} authorization(s))", request.domain, order->authorizations.size());
  for (const auto& authz : order->authorizations) {
    if (auto error = co_await authorize(authz)) co_return *error;
  }
  auto finalize_url = co_await poll_order(order_url, "ready");
  if (!finalize_url) co_return finalize_url.error();

  auto csr = acme::csr_for(request.domain, *request.certificate_key);
  if (!csr) co_return csr.error();
  const std::string finalize_payload = acme::finalize_payload(*csr);
  auto finalized = co_await post("finalize", *finalize_url, finalize_payload);
  if (!finalized) co_return finalized.error();
  auto certificate_url = co_await poll_order(order_url, "valid");
  if (!certificate_url) co_return certificate_url.error();
  if (certificate_url->empty()) co_return acme_error("order: valid without a certificate URL");
  auto chain = co_await post("certificate", *certificate_url, {}, acme::kMaxChainBytes);
  if (!chain) co_return chain.error();
  co_return std::move(chain->body);
}

}  // namespace aisbf
