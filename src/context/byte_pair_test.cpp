// The bucket merge (long pieces) against the scan (tiktoken's own loop), on
// the real vocabularies and on a small one that breaks the rule the buckets
// count on (a merge forming a token of lower rank than its own).
#include "context/byte_pair.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "context/tokenizer.hpp"

namespace aisbf::context {
namespace {

std::vector<Rank> merged(MergeStrategy strategy, std::string_view piece, const RankTable& ranks) {
  std::vector<Rank> out;
  byte_pair_encode_with(strategy, piece, ranks, out);
  return out;
}

RankTable parse(std::string_view text) {
  std::string error;
  auto table = RankTable::parse(text, error);
  if (!table) throw std::runtime_error(error);
  return std::move(*table);
}

RankTable vocabulary(Encoding encoding) {
  std::ifstream in(tokenizer_data_dir() + "/" + std::string(encoding_name(encoding)) + ".tiktoken", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str());
}

std::string random_piece(std::mt19937& rng, std::string_view alphabet, std::size_t length) {
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out.push_back(alphabet[rng() % alphabet.size()]);
  return out;
}

TEST(BytePair, BucketsEqualTheScanOnTheRealVocabularies) {
  std::mt19937 rng(7);
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  for (auto encoding : {Encoding::cl100k_base, Encoding::o200k_base}) {
    auto ranks = vocabulary(encoding);
    ASSERT_GT(ranks.size(), 100000u);
    for (std::string_view alphabet : {std::string_view("abcdefghijklmnopqrstuvwxyz"), std::string_view("a"),
                                      std::string_view(" \n"), std::string_view("ab "), std::string_view(bytes)}) {
      for (std::size_t length : {2u, 3u, 17u, 200u, 900u}) {
        auto piece = random_piece(rng, alphabet, length);
        EXPECT_EQ(merged(MergeStrategy::buckets, piece, ranks), merged(MergeStrategy::scan, piece, ranks))
            << encoding_name(encoding) << " " << piece.substr(0, 40);
      }
    }
  }
}

// "abc" ranks below "ab": after "ab" merges, the lower rank must come first,
// as tiktoken's scan has it.
TEST(BytePair, BucketsKeepTheOrderWhereAMergeFormsALowerRank) {
  auto ranks = parse("YQ== 0\nYg== 1\nYw== 2\nYWI= 5\nYmM= 6\nYWJj 3\nY2E= 4\nYWJjYWJj 7\n");
  EXPECT_EQ(merged(MergeStrategy::buckets, "abc", ranks), (std::vector<Rank>{3}));
  EXPECT_EQ(merged(MergeStrategy::scan, "abc", ranks), (std::vector<Rank>{3}));
  std::mt19937 rng(3);
  for (int round = 0; round < 200; ++round) {
    auto piece = random_piece(rng, "abc", 1 + rng() % 300);
    ASSERT_EQ(merged(MergeStrategy::buckets, piece, ranks), merged(MergeStrategy::scan, piece, ranks)) << piece;
  }
}

}  // namespace
}  // namespace aisbf::context
