// The split patterns (special_tokens.cpp) on ASCII, by hand: a regex call per
// piece cost about as much as the merge. Where the answer depends on a byte
// past ASCII (a letter, digit, mark or space class PCRE2 knows and we do not),
// it says so and the caller asks PCRE2, so the pieces are PCRE2's.
#pragma once

#include <cstddef>
#include <string_view>

#include "context/tokenizer.hpp"

namespace aisbf::context {

inline constexpr std::size_t kAsciiUndecided = 0;

// The end of the piece the encoding's pattern matches at `at` (< text.size()),
// or kAsciiUndecided.
std::size_t ascii_piece_end(Encoding encoding, std::string_view text, std::size_t at);

}  // namespace aisbf::context
