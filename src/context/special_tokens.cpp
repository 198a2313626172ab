#include "context/special_tokens.hpp"

namespace aisbf::context {
namespace {

constexpr std::string_view kCl100kPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

constexpr std::string_view kO200kPattern =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?)"
    R"(|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?)"
    R"(|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

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
