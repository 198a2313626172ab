// The HTTPS listener's TLS context: built from the certificate that
// ops/tls_certificates.hpp selects, and rebuilt when its files change on
// disk (checked every server.ssl_reload_interval) or on SIGHUP. A new context
// serves new connections; open ones keep theirs (shared ownership). A bad new
// file keeps the old context, with the reason logged once per change.
//
// TLS 1.2 and 1.3 with Mozilla's "intermediate" cipher list, ALPN http/1.1,
// no compression, no renegotiation.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "config/config.hpp"
#include "ops/tls_certificates.hpp"

namespace aisbf::http {

class TlsContextSource {
 public:
  // `config` gives the live snapshot (its server section says which files).
  TlsContextSource(std::filesystem::path config_dir, std::function<std::shared_ptr<const Config>()> config,
                   std::chrono::milliseconds check_interval);

  // The first context; an error message when there is nothing to serve.
  std::optional<std::string> start();
  // The context for a new connection (any thread).
  std::shared_ptr<boost::asio::ssl::context> current() const { return current_.load(std::memory_order_acquire); }
  // Rebuilds the context when a watched file or the server section changed
  // (or `force`: SIGHUP). Reads files: call it off the event loops.
  void refresh(bool force);
  std::chrono::milliseconds check_interval() const { return check_interval_; }
  // What is served now, e.g. "self-signed /home/u/.aisbf/cert.pem" (logs).
  std::string describe() const;

 private:
  // What a refresh compares: the server fields that choose the files, and
  // the stamps of the files served and of those that could replace them.
  struct Watched {
    std::string settings;
    ops::FileStamp cert, key, acme_cert, acme_key;
    bool operator==(const Watched&) const = default;
  };
  Watched watched(const ServerConfig& server) const;
  std::optional<std::string> load(const ServerConfig& server, bool at_start);

  std::filesystem::path config_dir_;
  std::function<std::shared_ptr<const Config>()> config_;
  std::chrono::milliseconds check_interval_;
  std::atomic<std::shared_ptr<boost::asio::ssl::context>> current_;
  // Touched by start() and refresh() only, on one thread at a time.
  ops::CertificateFiles files_;          // served
  ops::CertificateFiles watched_files_;  // selected by the last look (served, or refused)
  std::chrono::system_clock::time_point not_after_{};
  std::chrono::system_clock::time_point next_expiry_check_{};  // within 30 days of not_after_: hourly
  std::string served_chain_, served_key_;                      // PEM of the context served
  Watched last_;
};

// A server context for `chain_pem` and `key_pem`; an error message on failure.
std::shared_ptr<boost::asio::ssl::context> make_server_context(const ops::CertificatePair& pair, std::string& error);

}  // namespace aisbf::http
