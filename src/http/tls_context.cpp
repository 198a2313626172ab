#include "http/tls_context.hpp"

#include "http/server.hpp"

#include <openssl/ssl.h>

#include <cstring>

#include <fmt/chrono.h>
#include <spdlog/spdlog.h>
#include <boost/asio/buffer.hpp>

namespace aisbf::http {

namespace asio = boost::asio;

namespace {

// Mozilla's "intermediate" configuration (TLS 1.3 suites are OpenSSL's defaults).
constexpr const char* kCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:prime256v1:secp384r1";
constexpr auto kRenewBefore = std::chrono::hours(24 * 30);
constexpr auto kExpiryCheckEvery = std::chrono::hours(1);

// ALPN: http/1.1 when the client offers it; otherwise no protocol is named
// and the client decides (h2-only clients fail as they would without ALPN).
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in, unsigned int in_len,
                void*) {
  static constexpr unsigned char kHttp11[] = {'h', 't', 't', 'p', '/', '1', '.', '1'};
  for (unsigned int i = 0; i < in_len;) {
    const unsigned int len = in[i];
    if (i + 1 + len > in_len) break;
    if (len == sizeof kHttp11 && std::memcmp(in + i + 1, kHttp11, len) == 0) {
      *out = in + i + 1;
      *out_len = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

std::string settings_of(const ServerConfig& server) {
  return server.ssl_certfile + '\n' + server.ssl_keyfile + '\n' + server.domain + '\n' + server.host;
}

}  // namespace

std::shared_ptr<asio::ssl::context> make_server_context(const ops::CertificatePair& pair, std::string& error) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  long options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION;
#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION
  options |= SSL_OP_NO_CLIENT_RENEGOTIATION;
#endif
  SSL_CTX_set_options(native, options);
  static constexpr unsigned char kSessionContext[] = {'a', 'i', 's', 'b', 'f'};
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 || SSL_CTX_set_cipher_list(native, kCiphers) != 1 ||
      SSL_CTX_set1_groups_list(native, kGroups) != 1 || SSL_CTX_set_dh_auto(native, 1) != 1 ||
      SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext) != 1) {
    error = "cannot set the TLS protocol options";
    return nullptr;
  }
  SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
  boost::system::error_code ec;
  context->use_certificate_chain(asio::buffer(pair.chain_pem), ec);
  if (!ec) context->use_private_key(asio::buffer(pair.key_pem), asio::ssl::context::pem, ec);
  if (!ec && SSL_CTX_check_private_key(native) != 1) ec = asio::error::invalid_argument;
  if (ec) {
    error = "cannot load the certificate into TLS: " + ec.message();
    return nullptr;
  }
  return context;
}

TlsContextSource::TlsContextSource(std::filesystem::path config_dir,
                                   std::function<std::shared_ptr<const Config>()> config,
                                   std::chrono::milliseconds check_interval)
    : config_dir_(std::move(config_dir)), config_(std::move(config)), check_interval_(check_interval) {}

std::optional<std::string> TlsContextSource::start() { return load(config_()->server, true); }

void TlsContextSource::refresh(bool force) {
  auto config = config_();
  // An ACME or self-signed certificate is looked at again, files unchanged,
  // once expired (to fall back) and hourly in its last 30 days (a new
  // self-signed one is made then; ACME renews its own).
  const auto now = std::chrono::system_clock::now();
  bool expiry_due = false;
  if (files_.source != ops::CertificateSource::configured) {
    expiry_due = now >= not_after_ || (not_after_ - now < kRenewBefore && now >= next_expiry_check_);
  }
  if (!force && !expiry_due && watched(config->server) == last_) return;
  if (expiry_due) next_expiry_check_ = now + kExpiryCheckEvery;
  load(config->server, false);
}

std::string TlsContextSource::describe() const {
  return std::string(ops::source_name(files_.source)) + " " + files_.cert.string();
}

TlsContextSource::Watched TlsContextSource::watched(const ServerConfig& server) const {
  Watched w;
  w.settings = settings_of(server);
  w.cert = ops::stamp_of(watched_files_.cert);
  w.key = ops::stamp_of(watched_files_.key);
  if (!server.domain.empty() && server.ssl_certfile.empty()) {
    const auto acme = ops::acme_files(config_dir_);
    w.acme_cert = ops::stamp_of(acme.cert);
    w.acme_key = ops::stamp_of(acme.key);
  }
  return w;
}

std::optional<std::string> TlsContextSource::load(const ServerConfig& server, bool at_start) {
  auto selection = ops::select_certificate(server, config_dir_);
  watched_files_ = selection.files;
  last_ = watched(server);  // a bad file is reported once, not at every check
  // An ACME certificate still valid is not given up for the self-signed one
  // because its files do not load now (e.g. between the two renames of a
  // renewal); its expiry, or another choice of files, ends it.
  const auto now = std::chrono::system_clock::now();
  if (!at_start && files_.source == ops::CertificateSource::acme &&
      selection.files.source == ops::CertificateSource::self_signed && !server.domain.empty() &&
      server.ssl_certfile.empty() && now < not_after_) {
    spdlog::warn("TLS: keeping the ACME certificate served so far ({}): {}", describe(),
                 selection.notes.empty() ? std::string("its files do not load") : selection.notes.back());
    return std::nullopt;
  }
  for (const auto& note : selection.notes) spdlog::info("TLS: {}", note);
  std::string error = selection.error;
  std::shared_ptr<asio::ssl::context> context;
  if (selection.pair) context = make_server_context(*selection.pair, error);
  if (!context) {
    if (at_start) return "TLS: " + error;
    spdlog::error("TLS: keeping the certificate served so far ({}): {}", describe(), error);
    return error;
  }
  if (!at_start && selection.files.cert == files_.cert && selection.pair->chain_pem == served_chain_ &&
      selection.pair->key_pem == served_key_) {
    spdlog::debug("TLS: {} unchanged", describe());
    return std::nullopt;
  }
  current_.store(std::move(context), std::memory_order_release);
  files_ = selection.files;
  not_after_ = selection.pair->not_after;
  served_chain_ = selection.pair->chain_pem;
  served_key_ = selection.pair->key_pem;
  if (now + kRenewBefore > not_after_) next_expiry_check_ = now + kExpiryCheckEvery;
  const auto until = std::chrono::system_clock::to_time_t(not_after_);
  spdlog::info("TLS: serving the {} certificate {} ({}; names {}; valid until {:%Y-%m-%d})",
               ops::source_name(files_.source), files_.cert.string(), selection.pair->subject,
               fmt::join(selection.pair->names, ", "), fmt::gmtime(until));
  return std::nullopt;
}

std::shared_ptr<TlsContextSource> start_tls(const std::filesystem::path& config_dir,
                                            std::function<std::shared_ptr<const Config>()> config,
                                            std::chrono::milliseconds check_interval, std::string& error) {
  auto source = std::make_shared<TlsContextSource>(config_dir, std::move(config), check_interval);
  if (auto failed = source->start()) {
    error = *failed;
    return nullptr;
  }
  return source;
}

}  // namespace aisbf::http
