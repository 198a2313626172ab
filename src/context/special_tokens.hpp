// Each encoding's split pattern and special tokens, as the npm `tiktoken`
// package (1.0.22) defines them: its encoders/*.json `pat_str` and
// `special_tokens`.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "context/tokenizer.hpp"

namespace aisbf::context {

struct EncodingSpec {
  std::string_view pattern;
  std::vector<std::pair<std::string_view, TokenId>> specials;
};

const EncodingSpec& encoding_spec(Encoding encoding);

}  // namespace aisbf::context
