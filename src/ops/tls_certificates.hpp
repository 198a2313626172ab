// The certificate the HTTPS listener serves: which files (configured, ACME's
// or the self-signed one), read and checked (the key matches the
// certificate), the self-signed one generated when missing, and the stamps
// that tell when a file changed on disk. OpenSSL only: the listener
// (http/tls_context.hpp) builds its TLS context from the PEM text this
// returns, and decides when to ask again.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace aisbf::ops {

enum class CertificateSource { configured, acme, self_signed };
const char* source_name(CertificateSource source);

struct CertificateFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
  CertificateSource source = CertificateSource::self_signed;
};

// What a file looked like on disk: a change of any field (or its
// appearance or disappearance) means it was replaced or rewritten.
struct FileStamp {
  bool exists = false;
  std::int64_t mtime_ns = 0;
  std::uint64_t size = 0;
  std::uint64_t inode = 0;
  std::uint64_t device = 0;
  bool operator==(const FileStamp&) const = default;
};
FileStamp stamp_of(const std::filesystem::path& path);

// A certificate chain and its private key, read from files, parsed and
// matched; the PEM text is what a TLS context loads.
struct CertificatePair {
  std::string chain_pem;
  std::string key_pem;
  std::string subject;                              // of the leaf, one line
  std::vector<std::string> names;                   // its subjectAltName entries (DNS names and IPs as text)
  std::chrono::system_clock::time_point not_after;  // of the leaf
};

struct LoadedPair {
  std::optional<CertificatePair> pair;
  std::string error;  // why not, naming the file
};
// Reads and checks: both files parse, the first certificate's public key is
// the key's, the certificate is not yet expired. Bounded: a file over 1 MiB
// is refused.
LoadedPair load_certificate_pair(const std::filesystem::path& cert, const std::filesystem::path& key);

// The names a self-signed certificate covers: localhost, 127.0.0.1, ::1,
// and the configured host (unless a wildcard address) and domain.
std::vector<std::string> self_signed_names(const ServerConfig& server);

// Writes a new self-signed certificate and key (EC P-256, `days` days,
// subjectAltName = `names`, DNS names and IP addresses told apart), both
// atomically with mode 0600. An error message, or empty.
std::string generate_self_signed(const CertificateFiles& files, const std::vector<std::string>& names, int days = 365);

// The certificate to serve now, in order: ssl_certfile/ssl_keyfile when set
// (relative paths from `config_dir`); else ACME's `<config_dir>/acme/cert.pem`
// and `key.pem` when `domain` is set and they load; else the self-signed
// `<config_dir>/cert.pem` and `key.pem`, (re)generated when missing, expiring
// within 30 days or not covering self_signed_names(). `notes` says what was
// passed over and why (to log); on an error nothing is served from it.
struct Selection {
  CertificateFiles files;
  std::optional<CertificatePair> pair;
  std::string error;
  std::vector<std::string> notes;
  bool generated = false;  // a new self-signed certificate was written
};
Selection select_certificate(const ServerConfig& server, const std::filesystem::path& config_dir);

// Where ACME's certificate lives (written by the ACME client, atomically).
CertificateFiles acme_files(const std::filesystem::path& config_dir);
CertificateFiles self_signed_files(const std::filesystem::path& config_dir);

}  // namespace aisbf::ops
