// Byte-pair merging of one pre-tokenised piece, as tiktoken does it: the
// adjacent pair whose concatenation has the lowest rank merges first (the
// leftmost on a tie) until no pair is in the table.
#pragma once

#include <string_view>
#include <vector>

#include "context/rank_table.hpp"

namespace aisbf::context {

// Appends the piece's token ids to `out`. Every single byte must be in the
// table (true of the tiktoken vocabularies). Long pieces merge through one
// bucket per rank over a linked list of parts, so a run of one character
// costs about linear time, not tiktoken's O(n²).
void byte_pair_encode(std::string_view piece, const RankTable& ranks, std::vector<Rank>& out);

// One merge strategy forced, whatever the length: for the tests and the fuzz
// target, which check that both give byte_pair_encode's result.
enum class MergeStrategy { scan, buckets };
void byte_pair_encode_with(MergeStrategy strategy, std::string_view piece, const RankTable& ranks,
                           std::vector<Rank>& out);

}  // namespace aisbf::context
