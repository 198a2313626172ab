// libFuzzer target for the tokenizer (run by scripts/fuzz.sh, which points
// AISBF_TOKENIZER_DIR at the rank files). Any bytes, both encodings; checked:
//   - decode(encode(x)) == utf8_repair(x), with special tokens read as text
//     and recognised;
//   - count(x) == encode(x).size();
//   - utf8_repair is idempotent (its output is valid UTF-8 to itself);
//   - the two merge strategies (the short pieces' scan, the long pieces'
//     buckets) give the same ids on x taken as one piece;
//   - at every ASCII position of utf8_repair(x), the hand-written ASCII
//     split ends the piece where PCRE2's match of the pattern ends, or
//     leaves it undecided.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "context/byte_pair.hpp"
#include "context/rank_table.hpp"
#include "context/special_tokens.hpp"
#include "context/tokenizer.hpp"
#include "context/tokenizer_ascii_split.hpp"
#include "context/utf8_repair.hpp"

namespace {

using namespace aisbf::context;

void check(bool ok, const char* what, Encoding encoding) {
  if (ok) return;
  std::fprintf(stderr, "tokenizer_fuzz: %s (%s)\n", what, std::string(encoding_name(encoding)).c_str());
  std::abort();
}

struct Loaded {
  Encoding encoding;
  const Tokenizer* tokenizer;
  RankTable ranks;
  std::unique_ptr<pcre2_code, decltype(&pcre2_code_free)> pattern;
};

std::unique_ptr<pcre2_code, decltype(&pcre2_code_free)> compile(Encoding encoding) {
  auto pattern = encoding_spec(encoding).pattern;
  int code = 0;
  PCRE2_SIZE offset = 0;
  auto* compiled = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                                 &code, &offset, nullptr);
  check(compiled != nullptr, "split pattern does not compile", encoding);
  return {compiled, &pcre2_code_free};
}

// Where PCRE2's match of the pattern at `at` ends (the interpreter: no JIT
// stack limit to meet).
std::size_t pcre2_piece_end(pcre2_code* pattern, std::string_view text, std::size_t at, Encoding encoding) {
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create_from_pattern(pattern, nullptr), &pcre2_match_data_free);
  int rc = pcre2_match(pattern, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), at, PCRE2_ANCHORED, match.get(),
                       nullptr);
  check(rc > 0, "the split pattern does not match at a position", encoding);
  return pcre2_get_ovector_pointer(match.get())[1];
}

std::vector<Loaded> load_all() {
  std::vector<Loaded> all;
  for (auto encoding : {Encoding::cl100k_base, Encoding::o200k_base}) {
    auto tokenizer = tokenizer_for(encoding);
    if (!tokenizer) {
      std::fprintf(stderr, "tokenizer_fuzz: %s\n", tokenizer.error().message.c_str());
      std::exit(2);
    }
    std::ifstream in(tokenizer_data_dir() + "/" + std::string(encoding_name(encoding)) + ".tiktoken", std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    std::string error;
    auto ranks = RankTable::parse(text.str(), error);
    check(ranks.has_value(), "rank file does not parse", encoding);
    all.push_back({encoding, *tokenizer, std::move(*ranks), compile(encoding)});
  }
  return all;
}

const std::vector<Loaded>& loaded() {
  static const std::vector<Loaded> all = load_all();
  return all;
}

// The scan is quadratic: a piece longer than this is cut for the comparison.
constexpr std::size_t kMaxComparedPiece = 200;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  loaded();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string scratch, again;
  const std::string repaired(repair_utf8(input, scratch));
  for (const auto& [encoding, tokenizer, ranks, pattern] : loaded()) {
    check(repair_utf8(repaired, again) == repaired, "utf8_repair is not idempotent", encoding);
    const auto ids = tokenizer->encode(input);
    check(tokenizer->decode(ids) == repaired, "decode(encode(x)) != utf8_repair(x)", encoding);
    check(tokenizer->count(input) == ids.size(), "count(x) != encode(x).size()", encoding);
    const auto with_specials = tokenizer->encode(input, Specials::recognised);
    check(tokenizer->decode(with_specials) == repaired, "decode(encode(x, recognised)) != utf8_repair(x)", encoding);
    std::vector<Rank> scan, buckets;
    const auto piece = input.substr(0, kMaxComparedPiece);
    byte_pair_encode_with(MergeStrategy::scan, piece, ranks, scan);
    byte_pair_encode_with(MergeStrategy::buckets, piece, ranks, buckets);
    check(scan == buckets, "scan and bucket merges differ", encoding);
    for (std::size_t at = 0; at < repaired.size(); ++at) {
      std::size_t end = ascii_piece_end(encoding, repaired, at);
      if (end == kAsciiUndecided) continue;
      check(end == pcre2_piece_end(pattern.get(), repaired, at, encoding), "ASCII split differs from PCRE2", encoding);
    }
  }
  return 0;
}
