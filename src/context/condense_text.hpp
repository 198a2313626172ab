// Text helpers of the local condensation methods: extracts, whitespace and
// repeated-line collapsing, head-and-tail shortening, fenced code, hashing.
// Pure and deterministic: the same text gives the same result everywhere.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aisbf::context {

// `text` cut to at most `max_bytes` on a UTF-8 character boundary.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// The first sentence of the first non-blank line (up to its end or to a
// sentence's end), at most `max_bytes`, with "…" when cut; empty when the
// text is blank.
std::string first_sentence(std::string_view text, std::size_t max_bytes);

// The first non-blank line, at most `max_bytes`, with "…" when cut.
std::string first_line(std::string_view text, std::size_t max_bytes);

std::size_t line_count(std::string_view text);

// Trailing blanks and `\r` before line ends removed, runs of blank lines
// reduced to one, runs of spaces inside a line (not its indentation) to one.
std::string collapse_whitespace(std::string_view text);

// A line repeated three or more times in a row kept once, followed by
// "[previous line repeated N more times]".
std::string collapse_repeated_lines(std::string_view text);

// The first lines up to `head_bytes` and the last up to `tail_bytes`, with
// "[… N lines, M bytes omitted …]" between; `text` itself when that would
// not shorten it.
std::string head_and_tail(std::string_view text, std::size_t head_bytes, std::size_t tail_bytes);

// Markdown's fenced code blocks (``` or ~~~ lines): the text cut into prose
// and code segments, in order, covering it all.
struct TextSegment {
  std::string_view text;
  bool code = false;
};
std::vector<TextSegment> split_fenced_code(std::string_view text);
bool has_fenced_code(std::string_view text);

std::uint64_t fnv1a(std::string_view text);

// A MinHash signature over word trigrams: two texts' share of equal slots
// estimates the Jaccard similarity of their trigram sets.
inline constexpr std::size_t kMinHashSlots = 16;
struct MinHash {
  std::array<std::uint64_t, kMinHashSlots> slots{};
  std::size_t shingles = 0;  // too few (short texts) and the estimate means little
};
MinHash min_hash(std::string_view text);
std::size_t equal_slots(const MinHash& a, const MinHash& b);

}  // namespace aisbf::context
