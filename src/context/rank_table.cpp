#include "context/rank_table.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cstring>

namespace aisbf::context {
namespace {

constexpr std::array<std::int8_t, 256> make_base64_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
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

// The bytes of a sequence of 1 to 8 bytes as one little-endian word, zero
// above its length, with at most three loads: overlapping loads read the same
// bytes twice, and OR keeps them as they are.
std::uint64_t short_word(const char* p, std::size_t n) {
  auto load32 = [](const char* q) {
    std::uint32_t v;
    std::memcpy(&v, q, 4);
    return std::uint64_t{v};
  };
  auto byte = [](const char* q) { return std::uint64_t{static_cast<unsigned char>(*q)}; };
  if (n >= 4) return load32(p) | load32(p + n - 4) << (8 * (n - 4));
  return byte(p) | byte(p + n / 2) << (8 * (n / 2)) | byte(p + n - 1) << (8 * (n - 1));
}

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ull;
  return h ^ (h >> 32);
}

// A fast 64-bit hash for byte strings longer than 8 (8-byte words folded in
// with a multiply); the short ones hash their word.
std::uint64_t hash_long(std::string_view s) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = s.size() * kMul;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  if (i < s.size()) h = (h ^ short_word(s.data() + i, s.size() - i)) * kMul;
  return mix(h);
}

std::uint64_t hash_short(std::uint64_t word, std::size_t n) { return mix((word + n) * 0x9E3779B97F4A7C15ull); }

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
  table.slots_.assign(std::bit_ceil(entries.size() * 4 / 3 + 2), Slot{});
  table.short_ranks_.assign(256 + 65536, kNoRank);
  for (const auto& e : entries) {
    table.insert(static_cast<std::uint32_t>(e.offset), static_cast<std::uint32_t>(e.length), e.rank);
    if (e.rank >= table.by_rank_.size()) table.by_rank_.resize(e.rank + 1);
    table.by_rank_[e.rank] = std::string_view(table.arena_->data() + e.offset, e.length);
  }
  return table;
}

namespace {

// Index into short_ranks_: one byte b at b, two bytes a b at 256 + a * 256 + b.
std::size_t short_index(std::string_view bytes) {
  auto a = static_cast<unsigned char>(bytes[0]);
  return bytes.size() == 1 ? a : 256 + a * 256u + static_cast<unsigned char>(bytes[1]);
}

}  // namespace

void RankTable::insert(std::uint32_t offset, std::uint32_t length, Rank rank) {
  std::string_view bytes(arena_->data() + offset, length);
  if (length <= 2 && short_ranks_[short_index(bytes)] == kNoRank) short_ranks_[short_index(bytes)] = rank;
  const bool inline_key = length <= 8;
  const std::uint64_t word = inline_key ? short_word(bytes.data(), length) : 0;
  const std::uint64_t h = inline_key ? hash_short(word, length) : hash_long(bytes);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.length == 0) {
      slot = {inline_key ? word : std::uint64_t{offset} << 32 | (h >> 32), length, rank};
      ++count_;
      return;
    }
    // A repeated sequence keeps its first rank, as a map's emplace did.
    if (slot.length == length &&
        (inline_key ? slot.word == word : std::memcmp(arena_->data() + (slot.word >> 32), bytes.data(), length) == 0)) {
      return;
    }
  }
}

std::optional<Rank> RankTable::find(std::string_view bytes) const {
  if (slots_.empty() || bytes.empty()) return std::nullopt;
  if (bytes.size() <= 2) {
    Rank rank = short_ranks_[short_index(bytes)];
    if (rank == kNoRank) return std::nullopt;
    return rank;
  }
  const std::size_t mask = slots_.size() - 1;
  if (bytes.size() <= 8) {
    const std::uint64_t word = short_word(bytes.data(), bytes.size());
    for (std::size_t i = hash_short(word, bytes.size()) & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.length == 0) return std::nullopt;
      if (slot.word == word && slot.length == bytes.size()) return slot.rank;
    }
  }
  const std::uint64_t h = hash_long(bytes);
  const auto tag = static_cast<std::uint32_t>(h >> 32);
  const char* arena = arena_->data();
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.length == 0) return std::nullopt;
    if (static_cast<std::uint32_t>(slot.word) == tag && slot.length == bytes.size() &&
        std::memcmp(arena + (slot.word >> 32), bytes.data(), bytes.size()) == 0) {
      return slot.rank;
    }
  }
}

std::string_view RankTable::bytes_of(Rank rank) const {
  return rank < by_rank_.size() ? by_rank_[rank] : std::string_view{};
}

}  // namespace aisbf::context
