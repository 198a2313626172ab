#include "ops/tls_certificates.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <fstream>
#include <memory>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "config/config_writer.hpp"

namespace aisbf::ops {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxPemBytes = 1024 * 1024;
constexpr auto kRenewBefore = std::chrono::hours(24 * 30);
// The subject of the certificates aisbf makes: only these it replaces.
constexpr std::string_view kSelfSignedCn = "aisbf self-signed";

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;

// The reason OpenSSL gives for the last failure, and its queue cleared.
std::string openssl_reason() {
  unsigned long code = ERR_get_error();
  std::string reason;
  if (code != 0) {
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    reason = text.data();
  }
  ERR_clear_error();
  return reason.empty() ? "unknown OpenSSL error" : reason;
}

std::optional<std::string> read_bounded(const fs::path& path, std::string& error) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) {
    error = path.string() + ": " + ec.message();
    return std::nullopt;
  }
  if (size > kMaxPemBytes) {
    error = path.string() + ": larger than 1 MiB, not a PEM certificate or key";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in || !in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
    error = path.string() + ": cannot be read";
    return std::nullopt;
  }
  return text;
}

BioPtr memory_bio(std::string_view text) { return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))); }

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string{};
}

// A key protected by a pass phrase cannot be read unattended: refuse it
// rather than let OpenSSL prompt on a terminal.
int no_passphrase(char*, int, int, void*) { return 0; }

std::vector<std::string> san_names(X509* cert) {
  std::vector<std::string> out;
  NamesPtr names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                       static_cast<std::size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      std::array<char, INET6_ADDRSTRLEN> text{};
      const int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
      if (ASN1_STRING_length(ip) == 4 || ASN1_STRING_length(ip) == 16) {
        if (inet_ntop(family, ASN1_STRING_get0_data(ip), text.data(), text.size()) != nullptr)
          out.emplace_back(text.data());
      }
    }
  }
  return out;
}

std::string subject_line(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
  return bio_text(bio.get());
}

std::chrono::system_clock::time_point not_after_of(X509* cert) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

bool is_ip_literal(const std::string& name) {
  std::array<unsigned char, 16> buf{};
  return inet_pton(AF_INET, name.c_str(), buf.data()) == 1 || inet_pton(AF_INET6, name.c_str(), buf.data()) == 1;
}

// The subjectAltName extension for `names`, DNS names and IPs told apart.
bool add_san(X509* cert, const std::vector<std::string>& names) {
  NamesPtr list(sk_GENERAL_NAME_new_null());
  for (const auto& name : names) {
    GENERAL_NAME* entry = GENERAL_NAME_new();
    if (is_ip_literal(name)) {
      ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str());
      if (ip == nullptr) {
        GENERAL_NAME_free(entry);
        return false;
      }
      GENERAL_NAME_set0_value(entry, GEN_IPADD, ip);
    } else {
      ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
      ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size()));
      GENERAL_NAME_set0_value(entry, GEN_DNS, dns);
    }
    sk_GENERAL_NAME_push(list.get(), entry);
  }
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, list.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

bool add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A self-signed leaf for `names`, signed by `key`; null on a failure.
X509Ptr make_certificate(EVP_PKEY* key, const std::vector<std::string>& names, int days) {
  X509Ptr cert(X509_new());
  std::array<unsigned char, 16> serial{};
  if (!cert || RAND_bytes(serial.data(), serial.size()) != 1) return nullptr;
  serial[0] &= 0x7f;  // positive
  BnPtr bn(BN_bin2bn(serial.data(), serial.size(), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr) return nullptr;
  const std::string cn = std::string(kSelfSignedCn) + " " + names.back();
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const bool ok =
      X509_set_version(cert.get(), X509_VERSION_3) == 1 && X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) &&
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr) && X509_set_pubkey(cert.get(), key) == 1 &&
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.data()),
                                 static_cast<int>(std::min<std::size_t>(cn.size(), 64)), -1, 0) == 1 &&
      X509_set_issuer_name(cert.get(), subject) == 1 &&
      add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
      add_extension(cert.get(), NID_key_usage, "critical,digitalSignature") &&
      add_extension(cert.get(), NID_ext_key_usage, "serverAuth") &&
      add_extension(cert.get(), NID_subject_key_identifier, "hash") && add_san(cert.get(), names) &&
      X509_sign(cert.get(), key, EVP_sha256()) > 0;
  return ok ? std::move(cert) : nullptr;
}

fs::path from_config_dir(const fs::path& dir, const std::string& file) {
  fs::path p(file);
  return p.is_absolute() ? p : dir / p;
}

bool is_ours(const CertificatePair& pair) { return pair.subject.find(kSelfSignedCn) != std::string::npos; }

// Whether the certificate in `path` is a self-signed one of ours, whatever
// its key file holds (a write interrupted between the key and the
// certificate leaves them apart).
bool certificate_file_is_ours(const fs::path& path) {
  std::string error;
  auto text = read_bounded(path, error);
  if (!text) return false;
  auto bio = memory_bio(*text);
  X509Ptr leaf(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
  ERR_clear_error();
  return leaf && subject_line(leaf.get()).find(kSelfSignedCn) != std::string::npos;
}

// Why an existing self-signed certificate of ours should be made anew.
std::optional<std::string> renewal_reason(const CertificatePair& pair, const std::vector<std::string>& names) {
  if (!is_ours(pair)) return std::nullopt;  // put there by someone: served as it is
  if (pair.not_after - std::chrono::system_clock::now() < kRenewBefore) return "it expires within 30 days";
  for (const auto& name : names) {
    if (std::find(pair.names.begin(), pair.names.end(), name) == pair.names.end()) return "it does not name " + name;
  }
  return std::nullopt;
}

void select_self_signed(const ServerConfig& server, const fs::path& config_dir, Selection& out) {
  out.files = self_signed_files(config_dir);
  const auto names = self_signed_names(server);
  std::error_code ec;
  const bool present = fs::exists(out.files.cert, ec) && fs::exists(out.files.key, ec);
  std::optional<std::string> why_new;
  if (!present) {
    why_new = "none yet";
  } else {
    auto loaded = load_certificate_pair(out.files.cert, out.files.key);
    if (!loaded.pair && !certificate_file_is_ours(out.files.cert)) {
      out.error = loaded.error;
      return;
    }
    why_new = loaded.pair ? renewal_reason(*loaded.pair, names) : "ours, but " + loaded.error;
    if (!why_new) {
      out.pair = std::move(loaded.pair);
      return;
    }
  }
  if (auto error = generate_self_signed(out.files, names); !error.empty()) {
    out.error = "generating the self-signed certificate: " + error;
    return;
  }
  out.generated = true;
  out.notes.push_back("generated a self-signed certificate in " + out.files.cert.string() + " (" + *why_new + ")");
  auto loaded = load_certificate_pair(out.files.cert, out.files.key);
  out.pair = std::move(loaded.pair);
  out.error = loaded.error;
}

}  // namespace

const char* source_name(CertificateSource source) {
  switch (source) {
    case CertificateSource::configured:
      return "configured";
    case CertificateSource::acme:
      return "acme";
    case CertificateSource::self_signed:
      return "self-signed";
  }
  return "?";
}

FileStamp stamp_of(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {true, static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          static_cast<std::uint64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::uint64_t>(st.st_dev)};
}

LoadedPair load_certificate_pair(const fs::path& cert_path, const fs::path& key_path) {
  LoadedPair out;
  auto cert_text = read_bounded(cert_path, out.error);
  if (!cert_text) return out;
  auto key_text = read_bounded(key_path, out.error);
  if (!key_text) return out;
  ERR_clear_error();
  auto cert_bio = memory_bio(*cert_text);
  X509Ptr leaf(PEM_read_bio_X509(cert_bio.get(), nullptr, no_passphrase, nullptr));
  if (!leaf) {
    out.error = cert_path.string() + ": no PEM certificate (" + openssl_reason() + ")";
    return out;
  }
  BioPtr chain(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(chain.get(), leaf.get());
  while (X509Ptr next{PEM_read_bio_X509(cert_bio.get(), nullptr, no_passphrase, nullptr)}) {
    PEM_write_bio_X509(chain.get(), next.get());
  }
  ERR_clear_error();  // the end of the chain reads as "no start line"
  auto key_bio = memory_bio(*key_text);
  PkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    out.error = key_path.string() + ": no unencrypted PEM private key (" + openssl_reason() + ")";
    return out;
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    ERR_clear_error();
    out.error = key_path.string() + ": the key does not match the certificate in " + cert_path.string();
    return out;
  }
  CertificatePair pair;
  pair.not_after = not_after_of(leaf.get());
  if (pair.not_after <= std::chrono::system_clock::now()) {
    out.error = cert_path.string() + ": the certificate has expired";
    return out;
  }
  BioPtr key_out(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  pair.chain_pem = bio_text(chain.get());
  pair.key_pem = bio_text(key_out.get());
  pair.subject = subject_line(leaf.get());
  pair.names = san_names(leaf.get());
  out.pair = std::move(pair);
  return out;
}

std::vector<std::string> self_signed_names(const ServerConfig& server) {
  std::vector<std::string> names{"localhost", "127.0.0.1", "::1"};
  auto add = [&](std::string name) {
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (name.empty() || name == "0.0.0.0" || name == "::") return;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
  };
  add(server.host);
  add(server.domain);
  return names;
}

std::string generate_self_signed(const CertificateFiles& files, const std::vector<std::string>& names, int days) {
  if (names.empty()) return "no names to certify";
  ERR_clear_error();
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return "EC P-256 key: " + openssl_reason();
  X509Ptr cert = make_certificate(key.get(), names, days);
  if (!cert) return "certificate: " + openssl_reason();
  BioPtr key_pem(BIO_new(BIO_s_mem()));
  BioPtr cert_pem(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(cert_pem.get(), cert.get()) != 1) {
    return "PEM: " + openssl_reason();
  }
  std::error_code ec;
  fs::create_directories(files.cert.parent_path(), ec);
  // The key first: a reader that sees the new certificate then finds its key.
  for (const auto& [path, bio] : {std::pair{files.key, key_pem.get()}, std::pair{files.cert, cert_pem.get()}}) {
    if (auto error = write_file_atomically(path, bio_text(bio), WriteOptions{FileMode::secret, {}}))
      return error->path + ": " + error->message;
  }
  return {};
}

CertificateFiles acme_files(const fs::path& config_dir) {
  return {config_dir / "acme" / "cert.pem", config_dir / "acme" / "key.pem", CertificateSource::acme};
}

CertificateFiles self_signed_files(const fs::path& config_dir) {
  return {config_dir / "cert.pem", config_dir / "key.pem", CertificateSource::self_signed};
}

Selection select_certificate(const ServerConfig& server, const fs::path& config_dir) {
  Selection out;
  if (!server.ssl_certfile.empty()) {
    out.files = {from_config_dir(config_dir, server.ssl_certfile), from_config_dir(config_dir, server.ssl_keyfile),
                 CertificateSource::configured};
    auto loaded = load_certificate_pair(out.files.cert, out.files.key);
    out.pair = std::move(loaded.pair);
    out.error = std::move(loaded.error);
    return out;
  }
  if (!server.domain.empty()) {
    auto acme = acme_files(config_dir);
    std::error_code ec;
    if (fs::exists(acme.cert, ec) || fs::exists(acme.key, ec)) {
      auto loaded = load_certificate_pair(acme.cert, acme.key);
      if (loaded.pair) {
        out.files = acme;
        out.pair = std::move(loaded.pair);
        return out;
      }
      out.notes.push_back("the ACME certificate is not served (" + loaded.error + "): serving the self-signed one");
    } else {
      out.notes.push_back("no ACME certificate for " + server.domain + " yet: serving the self-signed one");
    }
  }
  select_self_signed(server, config_dir, out);
  return out;
}

}  // namespace aisbf::ops
