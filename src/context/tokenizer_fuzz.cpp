// libFuzzer target for the tokenizer (run by scripts/fuzz.sh, which points
// AISBF_TOKENIZER_DIR at the rank files). Any bytes, both encodings; checked:
//   - decode(encode(x)) == utf8_repair(x), with special tokens read as text
//     and recognised;
//   - count(x) == encode(x).size();
//   - utf8_repair is idempotent (its output is valid UTF-8 to itself);
//   - the two merge strategies (the short pieces' scan, the long pieces'
//     buckets) give the same ids on x taken as one piece.
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

#include "context/byte_pair.hpp"
#include "context/rank_table.hpp"
#include "context/tokenizer.hpp"
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
};

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
    all.push_back({encoding, *tokenizer, std::move(*ranks)});
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
  for (const auto& [encoding, tokenizer, ranks] : loaded()) {
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
  }
  return 0;
}
