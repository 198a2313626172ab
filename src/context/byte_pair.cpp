#include "context/byte_pair.hpp"

#include <functional>
#include <queue>

namespace aisbf::context {
namespace {

constexpr Rank kNone = kNoRank;
// Below this length tiktoken's own quadratic scan is faster than a heap.
constexpr std::size_t kHeapThreshold = 128;

Rank rank_or_none(const RankTable& ranks, std::string_view bytes) { return ranks.find(bytes).value_or(kNone); }

// tiktoken's `_byte_pair_merge`: parts[i] holds the start of part i and the
// rank of the pair (part i, part i+1); the lowest rank merges, leftmost first.
void merge_by_scan(std::string_view piece, const RankTable& ranks, std::vector<Rank>& out) {
  // Each part's own rank is kept as it forms (a byte's, then the merge's), so
  // the output needs no second lookup.
  struct Part {
    std::size_t start;
    Rank pair, self;
  };
  // Reused per thread: most pieces are short and an allocation each cost more than the merge.
  thread_local std::vector<Part> parts;
  parts.clear();
  for (std::size_t i = 0; i < piece.size(); ++i) {
    Rank pair = i + 1 < piece.size() ? rank_or_none(ranks, piece.substr(i, 2)) : kNone;
    parts.push_back({i, pair, rank_or_none(ranks, piece.substr(i, 1))});
  }
  parts.push_back({piece.size(), kNone, kNone});
  auto pair_rank = [&](std::size_t i) {
    if (i + 3 >= parts.size()) return kNone;
    return rank_or_none(ranks, piece.substr(parts[i].start, parts[i + 3].start - parts[i].start));
  };
  for (;;) {
    std::size_t best = 0;
    Rank best_rank = kNone;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (parts[i].pair < best_rank) best_rank = parts[i].pair, best = i;
    }
    if (best_rank == kNone) break;
    if (best > 0) parts[best - 1].pair = pair_rank(best - 1);
    parts[best].pair = pair_rank(best);
    parts[best].self = best_rank;
    parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) out.push_back(parts[i].self);
}

// The same merge order with a min-heap of candidate pairs over a linked list
// of parts. Stale candidates (a side already merged) are skipped when popped.
struct Candidate {
  Rank rank;
  std::size_t start, mid, end;  // left part [start, mid), right part [mid, end)
  bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : start > o.start; }
};

void merge_by_heap(std::string_view piece, const RankTable& ranks, std::vector<Rank>& out) {
  const std::size_t n = piece.size();
  std::vector<std::size_t> end(n), prev(n);  // indexed by a part's start; end 0: merged away
  std::vector<Rank> self(n);                 // a part's own rank, by its start
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto consider = [&](std::size_t start, std::size_t mid) {
    if (mid >= n) return;
    std::size_t stop = end[mid];
    Rank r = rank_or_none(ranks, piece.substr(start, stop - start));
    if (r != kNone) heap.push({r, start, mid, stop});
  };
  for (std::size_t i = 0; i < n; ++i) {
    end[i] = i + 1, prev[i] = i == 0 ? 0 : i - 1;
    self[i] = rank_or_none(ranks, piece.substr(i, 1));
  }
  for (std::size_t i = 0; i + 1 < n; ++i) consider(i, i + 1);
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    if (end[c.start] != c.mid || end[c.mid] != c.end) continue;
    end[c.start] = c.end;
    end[c.mid] = 0;
    self[c.start] = c.rank;
    if (c.end < n) prev[c.end] = c.start;
    if (c.start > 0) consider(prev[c.start], c.start);
    consider(c.start, c.end);
  }
  for (std::size_t i = 0; i < n; i = end[i]) out.push_back(self[i]);
}

}  // namespace

void byte_pair_encode(std::string_view piece, const RankTable& ranks, std::vector<Rank>& out) {
  if (piece.empty()) return;
  if (auto whole = ranks.find(piece)) {
    out.push_back(*whole);
    return;
  }
  if (piece.size() < kHeapThreshold) {
    merge_by_scan(piece, ranks, out);
  } else {
    merge_by_heap(piece, ranks, out);
  }
}

}  // namespace aisbf::context
