// RankTable: the byte sequences of a BPE vocabulary and their ranks (token
// ids), read from a `.tiktoken` file (one `base64 rank` pair per line).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace aisbf::context {

using Rank = std::uint32_t;

class RankTable {
 public:
  // Parses the file's text; nullopt with `error` set when a line is malformed.
  static std::optional<RankTable> parse(std::string_view text, std::string& error);

  std::optional<Rank> find(std::string_view bytes) const {
    auto it = ranks_.find(bytes);
    if (it == ranks_.end()) return std::nullopt;
    return it->second;
  }
  // The bytes of a rank; empty when the rank is not in the table.
  std::string_view bytes_of(Rank rank) const;
  std::size_t size() const { return ranks_.size(); }

 private:
  // Every token's bytes back to back; the map's keys view it, so it lives on
  // the heap where a move of the table leaves it in place.
  std::unique_ptr<std::string> arena_ = std::make_unique<std::string>();
  std::unordered_map<std::string_view, Rank> ranks_;
  std::vector<std::string_view> by_rank_;
};

}  // namespace aisbf::context
