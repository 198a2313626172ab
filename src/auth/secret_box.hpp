// Provider keys stored in the database, encrypted with libsodium secretbox
// (XSalsa20-Poly1305) under a key kept in <config dir>/secret.key (created
// 0600 on first use). And masking: what every API response, log line and
// error shows of a secret.
//
// The key file holds the 32 key bytes as standard base64 (44 characters,
// with padding) on one line; surrounding whitespace is ignored when read.
// It is written to a temporary file (O_CREAT|O_EXCL, mode 0600) and linked
// into place, which fails when the file exists: two processes starting at
// once end up with the one key, and nobody ever reads a half-written file.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace aisbf::auth {

class SecretBox {
 public:
  // Reads the key file, or creates it (mode 0600) when missing. nullopt with
  // `error` set when it exists but is unreadable or malformed.
  static std::optional<SecretBox> load_or_create(const std::filesystem::path& key_file, std::string* error);
  // The same, and `warning` (when not null) is set when the key file is
  // readable or writable by its group or others: the caller logs it.
  static std::optional<SecretBox> load_or_create(const std::filesystem::path& key_file, std::string* error,
                                                 std::string* warning);
  static SecretBox from_key(const std::array<unsigned char, 32>& key);

  // "enc:v1:" + base64(nonce || ciphertext). A fresh random nonce each call.
  std::string seal(std::string_view plaintext) const;
  // nullopt when `sealed` is not ours or was tampered with.
  std::optional<std::string> open(std::string_view sealed) const;
  static bool is_sealed(std::string_view value);

 private:
  std::array<unsigned char, 32> key_{};
};

// "sk-…abcd": the first 3 and last 4 characters of a secret of 12 or more,
// "…" alone for a shorter one, "" for an empty one. A value that is already
// masked is returned as is (is_masked), so a masked value sent back by the
// dashboard can be recognised and the stored secret kept. An "env:NAME"
// reference is no secret: it is shown, and stored again as sent.
std::string mask_secret(std::string_view secret);
bool is_masked(std::string_view value);

}  // namespace aisbf::auth
