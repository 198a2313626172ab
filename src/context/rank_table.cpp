#include "context/rank_table.hpp"

#include <array>
#include <charconv>

namespace aisbf::context {
namespace {

constexpr std::array<std::int8_t, 256> make_base64_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < alphabet.size(); ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr auto kBase64 = make_base64_table();

// Appends the decoded bytes to `out`; false on a character outside the alphabet.
bool base64_decode(std::string_view in, std::string& out) {
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    auto v = kBase64[static_cast<unsigned char>(c)];
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

struct Entry {
  std::size_t offset, length;
  Rank rank;
};

}  // namespace

std::optional<RankTable> RankTable::parse(std::string_view text, std::string& error) {
  RankTable table;
  std::vector<Entry> entries;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto eol = text.find('\n');
    auto line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    auto space = line.find(' ');
    Rank rank = 0;
    auto digits = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), rank);
    std::size_t start = table.arena_->size();
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        !base64_decode(line.substr(0, space), *table.arena_) || table.arena_->size() == start) {
      error = "malformed line " + std::to_string(line_no);
      return std::nullopt;
    }
    entries.push_back({start, table.arena_->size() - start, rank});
  }
  // Views are taken only now: the arena no longer grows.
  table.ranks_.reserve(entries.size());
  for (const auto& e : entries) {
    std::string_view bytes(table.arena_->data() + e.offset, e.length);
    table.ranks_.emplace(bytes, e.rank);
    if (e.rank >= table.by_rank_.size()) table.by_rank_.resize(e.rank + 1);
    table.by_rank_[e.rank] = bytes;
  }
  return table;
}

std::string_view RankTable::bytes_of(Rank rank) const {
  return rank < by_rank_.size() ? by_rank_[rank] : std::string_view{};
}

}  // namespace aisbf::context
