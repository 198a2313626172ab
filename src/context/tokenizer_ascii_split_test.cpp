// The hand-written ASCII split against PCRE2 on the real patterns: every
// string of up to four characters over an alphabet of each class the
// patterns tell apart (and a letter and a space past ASCII), at every position.
#include "context/tokenizer_ascii_split.hpp"

#include <gtest/gtest.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>

#include "context/special_tokens.hpp"

namespace aisbf::context {
namespace {

class Pcre2Split {
 public:
  explicit Pcre2Split(Encoding encoding) {
    auto pattern = encoding_spec(encoding).pattern;
    int code = 0;
    PCRE2_SIZE offset = 0;
    code_.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                              &code, &offset, nullptr));
    match_.reset(pcre2_match_data_create_from_pattern(code_.get(), nullptr));
  }
  std::size_t end(std::string_view text, std::size_t at) {
    int rc = pcre2_match(code_.get(), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), at, PCRE2_ANCHORED,
                         match_.get(), nullptr);
    return rc > 0 ? pcre2_get_ovector_pointer(match_.get())[1] : std::string_view::npos;
  }

 private:
  std::unique_ptr<pcre2_code, decltype(&pcre2_code_free)> code_{nullptr, &pcre2_code_free};
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match_{nullptr, &pcre2_match_data_free};
};

TEST(AsciiSplit, EqualsPcre2OnEveryShortString) {
  // Upper, lower (and the contraction letters), digit, CR, LF, space, tab,
  // apostrophe, slash, other punctuation, é, U+00A0.
  const std::vector<std::string> alphabet = {"A", "s",  "e", "l", "7", "\r", "\n",
                                             " ", "\t", "'", "/", ".", "é",  "\u00a0"};
  for (auto encoding : {Encoding::cl100k_base, Encoding::o200k_base}) {
    Pcre2Split pcre2(encoding);
    std::size_t decided = 0;
    for (std::size_t length = 1; length <= 4; ++length) {
      std::vector<std::size_t> pick(length, 0);
      for (;;) {
        std::string text;
        for (auto i : pick) text += alphabet[i];
        for (std::size_t at = 0; at < text.size(); ++at) {
          std::size_t end = ascii_piece_end(encoding, text, at);
          if (end == kAsciiUndecided) continue;
          ++decided;
          ASSERT_EQ(end, pcre2.end(text, at)) << encoding_name(encoding) << " at " << at << " of \"" << text << "\"";
        }
        std::size_t k = 0;
        while (k < length && ++pick[k] == alphabet.size()) pick[k++] = 0;
        if (k == length) break;
      }
    }
    EXPECT_GT(decided, 50000u) << "most positions are ASCII";
  }
}

}  // namespace
}  // namespace aisbf::context
