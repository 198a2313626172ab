#include "pipeline/acme_runner.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "config/config_writer.hpp"
#include "core/log_text.hpp"
#include "http/upstream_client.hpp"
#include "ops/acme_crypto.hpp"
#include "pipeline/acme_client.hpp"

namespace aisbf {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using asio::awaitable;

namespace {

constexpr std::size_t kMaxPemBytes = 256 * 1024;
constexpr auto kCheckInterval = std::chrono::hours(24);
constexpr auto kFirstRetry = std::chrono::hours(1);

// A small file whole; empty when missing, unreadable or too large.
std::string read_small_file(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size > kMaxPemBytes) return {};
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return in ? text.str() : std::string();
}

// What the file thread found before an order: why one is needed (empty:
// none is) and the keys to order with.
struct Prepared {
  std::string reason;  // why a certificate must be ordered; empty: the files serve
  std::string error;   // the files cannot be used (directory, account key)
  std::shared_ptr<acme::EcKey> account;
  std::shared_ptr<acme::EcKey> certificate_key;
};

Prepared prepare(const AcmePaths& paths, const std::string& domain) {
  Prepared out;
  std::error_code ec;
  fs::create_directories(paths.dir, ec);
  if (ec) {
    out.error = fmt::format("cannot create {}: {}", paths.dir.string(), ec.message());
    return out;
  }
  fs::permissions(paths.dir, fs::perms::owner_all, ec);
  out.reason = acme::renewal_reason(read_small_file(paths.certificate()), read_small_file(paths.key()), domain,
                                    std::chrono::system_clock::now());
  if (out.reason.empty()) return out;
  const std::string account_pem = read_small_file(paths.account_key());
  auto account = account_pem.empty() ? acme::EcKey::generate() : acme::EcKey::from_pem(account_pem);
  if (!account) {
    out.error = fmt::format("{}: {}", paths.account_key().string(), account.error().message);
    return out;
  }
  if (account_pem.empty()) {
    if (auto failed = write_file_atomically(paths.account_key(), account->private_pem(),
                                            {.mode = FileMode::secret, .fail_at = {}})) {
      out.error = fmt::format("cannot write {}: {}", failed->path, failed->message);
      return out;
    }
    spdlog::info("acme: new account key in {}", paths.account_key().string());
  }
  auto key = acme::EcKey::generate();
  if (!key) {
    out.error = key.error().message;
    return out;
  }
  out.account = std::make_shared<acme::EcKey>(std::move(account.value()));
  out.certificate_key = std::make_shared<acme::EcKey>(std::move(key.value()));
  return out;
}

// Checks the chain against the domain and the key, then writes key.pem and
// cert.pem (in that order: the listener reloads on the certificate's change
// and must find the matching key already there). "" or the reason.
std::string install(const AcmePaths& paths, const std::string& domain, const std::string& chain,
                    const std::string& key_pem) {
  auto info = acme::read_certificate(chain, domain);
  if (!info) return "the CA sent a chain aisbf cannot read: " + info.error().message;
  if (!info->names_domain) return "the CA's certificate does not name " + domain;
  if (!acme::key_matches_certificate(key_pem, chain)) return "the CA's certificate is not for the key sent";
  if (auto failed = write_file_atomically(paths.key(), key_pem, {.mode = FileMode::secret, .fail_at = {}})) {
    return fmt::format("cannot write {}: {}", failed->path, failed->message);
  }
  if (auto failed =
          write_file_atomically(paths.certificate(), chain, {.mode = FileMode::keep_existing, .fail_at = {}})) {
    return fmt::format("cannot write {}: {}", failed->path, failed->message);
  }
  return {};
}

template <class T, class F>
awaitable<T> run_job(F job) {
  co_return job();
}

// `job()` on the file thread, awaited from the event loop. (A coroutine
// function taking the job by value, not a capturing coroutine lambda: g++ 12
// destroys such a lambda's captures twice.)
template <class T, class F>
awaitable<T> off_loop(asio::thread_pool& pool, F job) {
  auto task = run_job<T, F>(std::move(job));
  co_return co_await asio::co_spawn(pool.get_executor(), std::move(task), asio::use_awaitable);
}

}  // namespace

AcmeRunner::AcmeRunner(acme::ChallengeStore& challenges) : challenges_(challenges) {}

AcmeRunner::~AcmeRunner() { files_.join(); }

void AcmeRunner::stop() {
  stopped_ = true;
  if (timer_ != nullptr) timer_->cancel();
  if (client_ != nullptr) client_->cancel();
}

awaitable<std::string> AcmeRunner::check(asio::io_context& io, const ServerConfig& server, const AcmePaths& paths) {
  const std::string domain = server.domain;
  // Named, not a temporary of the co_await: g++ 12 destroys those twice.
  auto prepare_job = [paths, domain] {
    try {
      return prepare(paths, domain);
    } catch (const std::exception& e) {  // std::filesystem, allocation
      Prepared failed;
      failed.error = e.what();
      return failed;
    }
  };
  Prepared prepared = co_await off_loop<Prepared>(files_, prepare_job);
  if (stopped_) co_return std::string("stopped");
  if (!prepared.error.empty()) co_return prepared.error;
  if (prepared.reason.empty()) {
    spdlog::info("acme: the certificate for {} in {} is valid; next check in 24 h", domain, paths.dir.string());
    co_return std::string();
  }
  spdlog::info("acme: ordering a certificate for {} from {} ({})", domain, log_text(server.acme_directory, 200),
               prepared.reason);

  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  tls.set_default_verify_paths(ec);
  if (!server.acme_ca_file.empty()) {
    // Read once per order (a small PEM file): the CA's own TLS, for a private or test CA.
    tls.load_verify_file(server.acme_ca_file, ec);
    if (ec) co_return fmt::format("server.acme_ca_file {}: {}", server.acme_ca_file, ec.message());
  }
  http::UpstreamPool pool(io, tls);
  AcmeClient client(pool, challenges_);
  client_ = &client;
  AcmeOrderRequest request{server.acme_directory, domain, server.acme_email, prepared.account.get(),
                           prepared.certificate_key.get()};
  auto chain = co_await client.order(request);
  client_ = nullptr;
  pool.close_idle();
  if (!chain) co_return chain.error().message;
  const auto& stats = client.stats();
  const std::string key_pem = prepared.certificate_key->private_pem();
  auto install_job = [paths, domain, chain = std::move(chain.value()), key_pem] {
    try {
      return install(paths, domain, chain, key_pem);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  };
  std::string failure = co_await off_loop<std::string>(files_, install_job);
  if (!failure.empty()) co_return failure;
  spdlog::info("acme: certificate for {} obtained ({} requests, {} polls, {} badNonce retries); written to {}", domain,
               stats.requests, stats.polls, stats.bad_nonce_retries, paths.certificate().string());
  co_return std::string();
}

awaitable<void> AcmeRunner::run(asio::io_context& io, std::function<std::shared_ptr<const Config>()> config,
                                fs::path config_dir) {
  asio::steady_timer timer(io);
  timer_ = &timer;
  int failures = 0;
  while (!stopped_) {
    auto snapshot = config();
    auto next = std::chrono::duration_cast<std::chrono::hours>(kCheckInterval);
    const ServerConfig& server = snapshot->server;
    if (!server.domain.empty()) {
      const AcmePaths paths{(config_dir.empty() ? snapshot->dir : config_dir) / "acme"};
      const std::string failure = co_await check(io, server, paths);
      if (stopped_) break;
      if (failure.empty()) {
        failures = 0;
      } else {
        next = std::min(next, kFirstRetry * (1 << std::min(failures, 5)));
        ++failures;
        spdlog::error(
            "acme: no certificate for {}: {}; the listener keeps what it serves (self-signed while no ACME "
            "certificate exists); next attempt in {} h",
            server.domain, log_text(failure), next.count());
      }
    }
    timer.expires_after(next);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  timer_ = nullptr;
}

}  // namespace aisbf
