// RankTable: the byte sequences of a BPE vocabulary and their ranks (token
// ids), read from a `.tiktoken` file (one `base64 rank` pair per line).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aisbf::context {

using Rank = std::uint32_t;

inline constexpr Rank kNoRank = 0xFFFFFFFFu;

class RankTable {
 public:
  // Parses the file's text; nullopt with `error` set when a line is malformed.
  static std::optional<RankTable> parse(std::string_view text, std::string& error);

  std::optional<Rank> find(std::string_view bytes) const;
  // The bytes of a rank; empty when the rank is not in the table.
  std::string_view bytes_of(Rank rank) const;
  std::size_t size() const { return count_; }

 private:
  // Every token's bytes back to back; the map's keys view it, so it lives on
  // the heap where a move of the table leaves it in place.
  std::unique_ptr<std::string> arena_ = std::make_unique<std::string>();
  // Open addressing, linear probing, at most half full: a lookup is one or two
  // cache lines, where a node-based map's was the encoder's main cost. Most
  // tokens are 8 bytes or fewer: those are kept in the slot itself, so their
  // lookup never reads the arena.
  struct Slot {
    std::uint64_t word = 0;    // length <= 8: the bytes; else the arena offset << 32 | the hash's high bits
    std::uint32_t length = 0;  // 0: empty
    Rank rank = 0;
  };
  std::vector<Slot> slots_;
  // Sequences of one and two bytes, by value: the merge's first pass asks for
  // every adjacent pair, so these are most lookups. kNoRank where absent.
  std::vector<Rank> short_ranks_;
  std::size_t count_ = 0;
  std::vector<std::string_view> by_rank_;

  void insert(std::uint32_t offset, std::uint32_t length, Rank rank);
};

}  // namespace aisbf::context
