#include "pipeline/acme_runner.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "config/config_writer.hpp"
#include "core/log_text.hpp"
#include "http/client_tls.hpp"
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

// A small file whole, or why not: `missing` when it does not exist, else
// `error` says why it cannot be read (a directory, no permission, too large).
struct SmallFile {
  std::string text;
  bool missing = false;
  std::string error;
};

SmallFile read_small_file(const fs::path& path) {
  SmallFile out;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    out.missing = ec == std::errc::no_such_file_or_directory;
    out.error = ec.message();
    return out;
  }
  if (size > kMaxPemBytes) {
    out.error = fmt::format("larger than {} KiB", kMaxPemBytes / 1024);
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    out.error = "cannot be read";
    return out;
  }
  out.text = text.str();
  return out;
}

// What the file thread found before an order: why one is needed (empty:
// none is) and the keys to order with.
struct Prepared {
  std::string reason;  // why a certificate must be ordered; empty: the files serve
  std::string error;   // the files cannot be used (directory, account key)
  std::shared_ptr<acme::EcKey> account;
  std::shared_ptr<acme::EcKey> certificate_key;
  std::shared_ptr<asio::ssl::context> tls;  // for the CA: the system store and server.acme_ca_file
};

Prepared prepare(const AcmePaths& paths, const std::string& domain, const std::string& ca_file) {
  Prepared out;
  std::error_code ec;
  fs::create_directories(paths.dir, ec);
  if (ec) {
    out.error = fmt::format("cannot create {}: {}", paths.dir.string(), ec.message());
    return out;
  }
  fs::permissions(paths.dir, fs::perms::owner_all, ec);
  // An unreadable certificate or key is replaced by the order.
  out.reason = acme::renewal_reason(read_small_file(paths.certificate()).text, read_small_file(paths.key()).text,
                                    domain, std::chrono::system_clock::now());
  if (out.reason.empty()) return out;
  // A new account key only when there is none: one that cannot be read now
  // (permissions, a mistake) is the operator's to fix, not to overwrite.
  const SmallFile account_file = read_small_file(paths.account_key());
  if (!account_file.missing && !account_file.error.empty()) {
    // Not "<path>.key: why": the log's redaction masks what follows "key:".
    out.error =
        fmt::format("the account key in {} cannot be used ({})", paths.account_key().string(), account_file.error);
    return out;
  }
  const std::string& account_pem = account_file.text;
  auto account = account_file.missing ? acme::EcKey::generate() : acme::EcKey::from_pem(account_pem);
  if (!account) {
    out.error =
        fmt::format("the account key in {} cannot be used ({})", paths.account_key().string(), account.error().message);
    return out;
  }
  if (account_file.missing) {
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
  out.tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  if (auto ec = http::configure_client_tls(*out.tls))
    spdlog::warn("acme: cannot load the system certificate store: {}", ec.message());
  if (!ca_file.empty()) {
    boost::system::error_code ec;
    out.tls->load_verify_file(ca_file, ec);  // the CA's own TLS, for a private or test CA
    if (ec) {
      out.error = fmt::format("server.acme_ca_file {}: {}", ca_file, ec.message());
      return out;
    }
  }
  out.account = std::make_shared<acme::EcKey>(std::move(account.value()));
  out.certificate_key = std::make_shared<acme::EcKey>(std::move(key.value()));
  return out;
}

}  // namespace

std::string install_certificate(const AcmePaths& paths, const std::string& domain, const std::string& chain,
                                const std::string& key_pem, const WriteOptions& cert_write) {
  auto info = acme::read_certificate(chain, domain);
  if (!info) return "the CA sent a chain aisbf cannot read: " + info.error().message;
  if (!info->names_domain) return "the CA's certificate does not name " + domain;
  if (!acme::key_matches_certificate(key_pem, chain)) return "the CA's certificate is not for the key sent";
  const SmallFile old_key = read_small_file(paths.key());
  if (auto failed = write_file_atomically(paths.key(), key_pem, {.mode = FileMode::secret, .fail_at = {}})) {
    return fmt::format("cannot write {}: {}", failed->path, failed->message);
  }
  WriteOptions options = cert_write;
  options.mode = FileMode::keep_existing;
  if (auto failed = write_file_atomically(paths.certificate(), chain, options)) {
    // The old certificate stays: so must its key (or none, if there was none).
    std::error_code ignored;
    if (old_key.missing) {
      fs::remove(paths.key(), ignored);
    } else {
      auto not_restored =
          old_key.error.empty()
              ? write_file_atomically(paths.key(), old_key.text, {.mode = FileMode::secret, .fail_at = {}})
              : std::optional<WriteError>(WriteError{paths.key().string(), old_key.error});
      if (not_restored) {
        spdlog::error("acme: {} holds a key that does not match {}; the old one could not be put back: {}",
                      paths.key().string(), paths.certificate().string(), not_restored->message);
      }
    }
    return fmt::format("cannot write {}: {}", failed->path, failed->message);
  }
  return {};
}

namespace {

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

AcmeRunner::AcmeRunner(asio::io_context& io, acme::ChallengeStore& challenges) : io_(io), challenges_(challenges) {}

AcmeRunner::~AcmeRunner() { files_.join(); }

void AcmeRunner::stop() {
  stopped_ = true;
  if (timer_ != nullptr) timer_->cancel();
  if (client_ != nullptr) client_->cancel();
}

void AcmeRunner::nudge() {
  asio::post(io_, [this] {
    nudged_ = true;
    if (timer_ != nullptr) timer_->cancel();
  });
}

namespace {

// Clears a pointer to a local when the scope ends, by return or exception.
template <class T>
struct ClearOnExit {
  T*& pointer;
  ~ClearOnExit() { pointer = nullptr; }
};

}  // namespace

awaitable<std::string> AcmeRunner::check(const ServerConfig& server, const AcmePaths& paths) {
  const std::string domain = server.domain;
  const std::string ca_file = server.acme_ca_file;
  // Named, not a temporary of the co_await: g++ 12 destroys those twice.
  auto prepare_job = [paths, domain, ca_file] {
    try {
      return prepare(paths, domain, ca_file);
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

  http::UpstreamPool pool(io_, *prepared.tls);
  AcmeClient client(pool, challenges_);
  client_ = &client;
  ClearOnExit<AcmeClient> forget_client{client_};
  AcmeOrderRequest request{server.acme_directory, domain, server.acme_email, prepared.account.get(),
                           prepared.certificate_key.get()};
  auto chain = co_await client.order(request);
  pool.close_idle();
  if (!chain) co_return chain.error().message;
  const auto& stats = client.stats();
  const std::string key_pem = prepared.certificate_key->private_pem();
  auto install_job = [paths, domain, chain = std::move(chain.value()), key_pem] {
    try {
      return install_certificate(paths, domain, chain, key_pem);
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

awaitable<void> AcmeRunner::run(std::function<std::shared_ptr<const Config>()> config, fs::path config_dir) {
  asio::steady_timer timer(io_);
  timer_ = &timer;
  ClearOnExit<asio::steady_timer> forget_timer{timer_};
  int failures = 0;
  while (!stopped_) {
    nudged_ = false;
    auto snapshot = config();
    auto next = std::chrono::duration_cast<std::chrono::hours>(kCheckInterval);
    const ServerConfig& server = snapshot->server;
    if (!server.domain.empty()) {
      const AcmePaths paths{(config_dir.empty() ? snapshot->dir : config_dir) / "acme"};
      std::string failure;
      try {
        failure = co_await check(server, paths);
      } catch (const std::exception& e) {  // a bug: logged, and the upkeep goes on
        failure = std::string("internal error: ") + e.what();
      }
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
    if (!nudged_) {  // else the settings changed during the check: at once with them
      timer.expires_after(next);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (nudged_) {
      failures = 0;
      spdlog::info("acme: the server settings changed; checking again");
    }
  }
}

}  // namespace aisbf
