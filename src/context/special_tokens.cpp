#include "context/special_tokens.hpp"

namespace aisbf::context {
namespace {

// `\s` of the npm tiktoken patterns, as the Rust regex crate under tiktoken
// reads it: Unicode's White_Space. PCRE2's `\s` (UCP) also takes U+180E
// (MONGOLIAN VOWEL SEPARATOR, a format character since Unicode 6.3), which
// split " \u180e" and "\u180e's" apart where tiktoken does not, so the
// class is spelled out: U+0009-000D, U+0020, U+0085, U+00A0, U+1680,
// U+2000-200A, U+2028, U+2029, U+202F, U+205F, U+3000.
#define AISBF_WHITE_SPACE R"(\t-\r\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})"
#define AISBF_S "[" AISBF_WHITE_SPACE "]"
#define AISBF_NOT_S "[^" AISBF_WHITE_SPACE "]"
// `[^\s\p{L}\p{N}]`
#define AISBF_PUNCT "[^" AISBF_WHITE_SPACE R"(\p{L}\p{N}])"
// `\s*[\r\n]+|\s+(?!\S)|\s+`
#define AISBF_SPACES AISBF_S R"(*[\r\n]+|)" AISBF_S "+(?!" AISBF_NOT_S ")|" AISBF_S "+"

constexpr std::string_view kCl100kPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?)" AISBF_PUNCT R"(+[\r\n]*|)" AISBF_SPACES;

constexpr std::string_view kO200kPattern =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?)"
    R"(|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?)"
    R"(|\p{N}{1,3}| ?)" AISBF_PUNCT R"(+[\r\n/]*|)" AISBF_SPACES;

#undef AISBF_SPACES
#undef AISBF_PUNCT
#undef AISBF_NOT_S
#undef AISBF_S
#undef AISBF_WHITE_SPACE

}  // namespace

const EncodingSpec& encoding_spec(Encoding encoding) {
  static const EncodingSpec cl100k{kCl100kPattern,
                                   {{"<|endoftext|>", 100257},
                                    {"<|fim_prefix|>", 100258},
                                    {"<|fim_middle|>", 100259},
                                    {"<|fim_suffix|>", 100260},
                                    {"<|endofprompt|>", 100276}}};
  static const EncodingSpec o200k{kO200kPattern, {{"<|endoftext|>", 199999}, {"<|endofprompt|>", 200018}}};
  return encoding == Encoding::cl100k_base ? cl100k : o200k;
}

}  // namespace aisbf::context
