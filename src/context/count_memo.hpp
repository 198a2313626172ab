// Counts of texts this thread counted lately. Coding agents resend the
// conversation's earlier messages with every turn, and every message has a
// role name: a text counted once is not tokenized again while its entry
// lasts. Direct-mapped (a slot per hash, the newest count wins), so its
// memory is fixed (64 KiB a thread) and a lookup costs one keyed hash of the
// text. The hash is SipHash with a key drawn per process: a client cannot
// make two of its texts collide to get one counted as the other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace aisbf::context {

enum class Encoding;

class CountMemo {
 public:
  // The count of `text` in `encoding`, when this thread has it.
  std::optional<std::size_t> find(Encoding encoding, std::string_view text);
  // Keeps `count` for the `text` of the last find() (call right after it).
  void keep(std::size_t count);

  // This thread's memo.
  static CountMemo& local();

  // Lookups that found a count, in this process: a counter for tests and
  // the bench.
  static std::uint64_t hits();

 private:
  struct Entry {
    std::uint64_t hash = 0;
    std::uint32_t size = 0;
    std::uint32_t count = 0;  // 0: empty (an empty text is never kept)
  };
  static constexpr std::size_t kSlots = 4096;
  Entry entries_[kSlots]{};
  Entry* last_ = nullptr;
  std::uint64_t last_hash_ = 0;
  std::uint32_t last_size_ = 0;
};

}  // namespace aisbf::context
