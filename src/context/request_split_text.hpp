// Where request splitting cuts a text (internal to request_split.cpp):
// the longest piece that fits, ended at the best natural boundary, and the
// start of the overlap a continuation repeats. `fits` and `tokens` measure
// a candidate piece; both are taken as (nearly) monotone in its length, and
// the chosen cut is always checked with `fits` itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace aisbf::context {

// `pos` moved back to the start of the UTF-8 sequence it is inside.
std::size_t char_start(std::string_view text, std::size_t pos);

// The end of the piece of `text` that starts at `from` (`fits(end)` measures
// the piece as it would be sent, overlap included): the largest end at a paragraph, else sentence,
// else word boundary in the second half of what fits, else the largest end
// at a character boundary that fits. `from` when not one character fits.
// `guess`, when known (TokenCounter::text_prefix_within), is where the
// tokens run out: the cut is then made there and checked with one or two
// counts, instead of a search that counts the piece about log2(its
// length) times.
std::size_t fitting_end(std::string_view text, std::size_t from, const std::function<bool(std::size_t end)>& fits,
                        std::optional<std::size_t> guess = std::nullopt);

// The start of the last `overlap` tokens of text[lo, end) (at a word start
// when one is inside them): the smallest start whose tail counts at most
// `overlap`. `end` for an overlap of 0.
std::size_t overlap_start(std::string_view text, std::size_t lo, std::size_t end, std::int64_t overlap,
                          const std::function<std::int64_t(std::string_view)>& tokens);

}  // namespace aisbf::context
