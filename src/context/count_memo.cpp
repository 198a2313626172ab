#include "context/count_memo.hpp"

#include <sodium.h>

#include <atomic>
#include <limits>
#include <mutex>

#include "context/tokenizer.hpp"

namespace aisbf::context {

namespace {

std::atomic<std::uint64_t> g_hits{0};

const unsigned char* memo_key() {
  static unsigned char key[crypto_shorthash_KEYBYTES];
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) return;  // randombytes still works; sodium_init only picks implementations
    randombytes_buf(key, sizeof key);
  });
  return key;
}

}  // namespace

std::optional<std::size_t> CountMemo::find(Encoding encoding, std::string_view text) {
  last_ = nullptr;
  if (text.empty() || text.size() > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  unsigned char digest[crypto_shorthash_BYTES];
  crypto_shorthash(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size(), memo_key());
  std::uint64_t hash = 0;
  for (unsigned char b : digest) hash = (hash << 8) | b;
  hash ^= static_cast<std::uint64_t>(encoding) + 1;  // the two encodings' counts of one text differ
  last_ = &entries_[hash % kSlots];
  last_hash_ = hash;
  last_size_ = static_cast<std::uint32_t>(text.size());
  if (last_->count != 0 && last_->hash == hash && last_->size == last_size_) {
    g_hits.fetch_add(1, std::memory_order_relaxed);
    return last_->count;
  }
  return std::nullopt;
}

void CountMemo::keep(std::size_t count) {
  if (last_ == nullptr || count == 0 || count > std::numeric_limits<std::uint32_t>::max()) return;
  *last_ = Entry{last_hash_, last_size_, static_cast<std::uint32_t>(count)};
  last_ = nullptr;
}

CountMemo& CountMemo::local() {
  thread_local CountMemo memo;
  return memo;
}

std::uint64_t CountMemo::hits() { return g_hits.load(std::memory_order_relaxed); }

}  // namespace aisbf::context
