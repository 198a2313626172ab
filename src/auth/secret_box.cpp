#include "auth/secret_box.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "auth/api_tokens.hpp"
#include "auth/sodium_init.hpp"
#include "config/env_keys.hpp"
#include "config/fd_write.hpp"

namespace aisbf::auth {

namespace {

constexpr std::string_view kSealedPrefix = "enc:v1:";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // "…" in UTF-8
using Key = std::array<unsigned char, 32>;

void set(std::string* out, std::string text) {
  if (out != nullptr) *out = std::move(text);
}

std::string errno_text(const char* what, const std::filesystem::path& file) {
  return std::string(what) + " " + file.string() + ": " + std::strerror(errno);
}


std::string key_to_base64(const Key& key) {
  char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(b64, sizeof b64, key.data(), key.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(b64);
  sodium_memzero(b64, sizeof b64);
  return out;
}

// A fresh key written to a private temporary file, then linked to `file`:
// link() fails with EEXIST when another process got there first, and the
// file it made is complete.
bool create_key_file(const std::filesystem::path& file, std::string* error) {
  Key key{};
  randombytes_buf(key.data(), key.size());
  std::string text = key_to_base64(key) + "\n";
  sodium_memzero(key.data(), key.size());
  const auto tmp = file.string() + ".tmp." + random_hex(8);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    set(error, errno_text("cannot create", tmp));
    return false;
  }
  const bool written = ::fchmod(fd, 0600) == 0 && write_all(fd, text) && ::fsync(fd) == 0;
  sodium_memzero(text.data(), text.size());
  ::close(fd);
  if (!written) {
    set(error, errno_text("cannot write", tmp));
    ::unlink(tmp.c_str());
    return false;
  }
  // EEXIST: another process linked its key first; the caller reads that one.
  const bool placed = ::link(tmp.c_str(), file.c_str()) == 0 || errno == EEXIST;
  if (!placed) set(error, errno_text("cannot create", file));
  ::unlink(tmp.c_str());
  return placed;
}

std::optional<Key> read_key_file(const std::filesystem::path& file, std::string* error, std::string* warning) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    set(error, errno_text("cannot read", file));
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
    set(warning, file.string() + " is accessible by group or others; run: chmod 600 " + file.string());
  }
  char buf[128];
  ssize_t n = 0;
  do n = ::read(fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  ::close(fd);
  std::string_view text(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  Key key{};
  std::size_t len = 0;
  const char* end = nullptr;
  const bool ok = sodium_base642bin(key.data(), key.size(), text.data(), text.size(), nullptr, &len, &end,
                                    sodium_base64_VARIANT_ORIGINAL) == 0 &&
                  len == key.size() && end == text.data() + text.size();
  sodium_memzero(buf, sizeof buf);
  if (!ok) {
    set(error, file.string() + " is not a base64 32-byte key");
    return std::nullopt;
  }
  return key;
}

}  // namespace

std::optional<SecretBox> SecretBox::load_or_create(const std::filesystem::path& key_file, std::string* error) {
  return load_or_create(key_file, error, nullptr);
}

std::optional<SecretBox> SecretBox::load_or_create(const std::filesystem::path& key_file, std::string* error,
                                                   std::string* warning) {
  ensure_sodium();
  struct stat st {};
  if (::stat(key_file.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      set(error, errno_text("cannot read", key_file));
      return std::nullopt;
    }
    if (!create_key_file(key_file, error)) return std::nullopt;
  }
  auto key = read_key_file(key_file, error, warning);
  if (!key) return std::nullopt;
  SecretBox box = from_key(*key);
  sodium_memzero(key->data(), key->size());
  return box;
}

SecretBox SecretBox::from_key(const std::array<unsigned char, 32>& key) {
  ensure_sodium();
  SecretBox box;
  box.key_ = key;
  return box;
}

std::string SecretBox::seal(std::string_view plaintext) const {
  std::string raw(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(raw.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), nonce, key_.data());
  std::string b64(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), nonce, raw.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return std::string(kSealedPrefix) + b64;
}

std::optional<std::string> SecretBox::open(std::string_view sealed) const {
  if (!is_sealed(sealed)) return std::nullopt;
  const std::string_view b64 = sealed.substr(kSealedPrefix.size());
  std::string raw(b64.size() / 4 * 3 + 3, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  auto* bin = reinterpret_cast<unsigned char*>(raw.data());
  if (sodium_base642bin(bin, raw.size(), b64.data(), b64.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) !=
          0 ||
      end != b64.data() + b64.size() || len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return std::nullopt;
  }
  const std::size_t ct_len = len - crypto_secretbox_NONCEBYTES;
  std::string plain(ct_len - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), bin + crypto_secretbox_NONCEBYTES,
                                 ct_len, bin, key_.data()) != 0) {
    return std::nullopt;
  }
  return plain;
}

bool SecretBox::is_sealed(std::string_view value) { return value.starts_with(kSealedPrefix); }

std::string mask_secret(std::string_view secret) {
  if (secret.empty() || is_masked(secret) || env_key_reference(secret)) return std::string(secret);
  if (secret.size() < 12) return std::string(kEllipsis);
  return std::string(secret.substr(0, 3)) + std::string(kEllipsis) + std::string(secret.substr(secret.size() - 4));
}

bool is_masked(std::string_view value) {
  if (value == kEllipsis) return true;
  return value.size() == 3 + kEllipsis.size() + 4 && value.substr(3, kEllipsis.size()) == kEllipsis;
}

}  // namespace aisbf::auth
