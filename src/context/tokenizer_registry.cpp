// Where the rank files live and their one-time, thread-safe load.
#include <sodium.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "context/tokenizer.hpp"

namespace aisbf::context {
namespace {

// The sha256 of gpt-tokenizer 3.4.0's data/*.tiktoken, as recorded in
// tools/tokenizer-data/SHA256SUMS (which set-up and CMake check too).
std::string_view expected_sha256(Encoding encoding) {
  return encoding == Encoding::cl100k_base ? "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
                                           : "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d";
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data());
}

struct Slot {
  std::once_flag once;
  std::unique_ptr<Tokenizer> tokenizer;
  std::string error;
};

}  // namespace

Expected<std::unique_ptr<Tokenizer>> load_tokenizer(Encoding encoding, const std::string& dir) {
  auto path = std::filesystem::path(dir) / (std::string(encoding_name(encoding)) + ".tiktoken");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorKind::internal, "tokenizer rank file missing: " + path.string() +
                                               " (run scripts/setup.sh and rebuild, or set AISBF_TOKENIZER_DIR)");
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string data = std::move(text).str();
  if (sha256_hex(data) != expected_sha256(encoding)) {
    return make_error(ErrorKind::internal, "tokenizer rank file has the wrong sha256: " + path.string());
  }
  return Tokenizer::from_rank_file(encoding, data);
}

std::string tokenizer_data_dir() {
  if (const char* dir = std::getenv("AISBF_TOKENIZER_DIR"); dir != nullptr && *dir != '\0') return dir;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ((ec ? std::filesystem::current_path() : exe.parent_path()) / "tokenizer").string();
}

Expected<const Tokenizer*> tokenizer_for(Encoding encoding) {
  // One slot per encoding for the process's lifetime: the tables are large
  // and immutable once built, so every thread shares them.
  static std::array<Slot, 2> slots;
  Slot& slot = slots[encoding == Encoding::cl100k_base ? 0 : 1];
  std::call_once(slot.once, [&] {
    auto loaded = load_tokenizer(encoding, tokenizer_data_dir());
    if (loaded) {
      slot.tokenizer = std::move(loaded.value());
    } else {
      slot.error = loaded.error().message;
    }
  });
  if (!slot.tokenizer) return make_error(ErrorKind::internal, slot.error);
  return static_cast<const Tokenizer*>(slot.tokenizer.get());
}

}  // namespace aisbf::context
