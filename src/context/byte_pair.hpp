// Byte-pair merging of one pre-tokenised piece, as tiktoken does it: the
// adjacent pair whose concatenation has the lowest rank merges first (the
// leftmost on a tie) until no pair is in the table.
#pragma once

#include <string_view>
#include <vector>

#include "context/rank_table.hpp"

namespace aisbf::context {

// Appends the piece's token ids to `out`. Every single byte must be in the
// table (true of the tiktoken vocabularies). Long pieces use a heap over a
// linked list of parts, so a run of one character costs O(n log n), not O(n²).
void byte_pair_encode(std::string_view piece, const RankTable& ranks, std::vector<Rank>& out);

}  // namespace aisbf::context
