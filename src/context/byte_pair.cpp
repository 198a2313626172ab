#include "context/byte_pair.hpp"

#include <functional>
#include <limits>
#include <queue>
#include <utility>

namespace aisbf::context {
namespace {

constexpr Rank kNone = std::numeric_limits<Rank>::max();
// Below this length tiktoken's own quadratic scan is faster than a heap.
constexpr std::size_t kHeapThreshold = 128;

Rank rank_or_none(const RankTable& ranks, std::string_view bytes) {
  return ranks.find(bytes).value_or(kNone);
}

void emit(std::string_view bytes, const RankTable& ranks, std::vector<Rank>& out) {
  // Every part is a single byte or a merge the table produced, so it is present.
  out.push_back(rank_or_none(ranks, bytes));
}

// tiktoken's `_byte_pair_merge`: parts[i] holds the start of part i and the
// rank of the pair (part i, part i+1); the lowest rank merges, leftmost first.
void merge_by_scan(std::string_view piece, const RankTable& ranks, std::vector<Rank>& out) {
  std::vector<std::pair<std::size_t, Rank>> parts;
  parts.reserve(piece.size() + 1);
  for (std::size_t i = 0; i + 1 < piece.size(); ++i) parts.emplace_back(i, rank_or_none(ranks, piece.substr(i, 2)));
  parts.emplace_back(piece.size() - 1, kNone);
  parts.emplace_back(piece.size(), kNone);
  auto pair_rank = [&](std::size_t i) {
    if (i + 3 >= parts.size()) return kNone;
    return rank_or_none(ranks, piece.substr(parts[i].first, parts[i + 3].first - parts[i].first));
  };
  for (;;) {
    std::size_t best = 0;
    Rank best_rank = kNone;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (parts[i].second < best_rank) best_rank = parts[i].second, best = i;
    }
    if (best_rank == kNone) break;
    if (best > 0) parts[best - 1].second = pair_rank(best - 1);
    parts[best].second = pair_rank(best);
    parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    emit(piece.substr(parts[i].first, parts[i + 1].first - parts[i].first), ranks, out);
  }
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
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto consider = [&](std::size_t start, std::size_t mid) {
    if (mid >= n) return;
    std::size_t stop = end[mid];
    Rank r = rank_or_none(ranks, piece.substr(start, stop - start));
    if (r != kNone) heap.push({r, start, mid, stop});
  };
  for (std::size_t i = 0; i < n; ++i) end[i] = i + 1, prev[i] = i == 0 ? 0 : i - 1;
  for (std::size_t i = 0; i + 1 < n; ++i) consider(i, i + 1);
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    if (end[c.start] != c.mid || end[c.mid] != c.end) continue;
    end[c.start] = c.end;
    end[c.mid] = 0;
    if (c.end < n) prev[c.end] = c.start;
    if (c.start > 0) consider(prev[c.start], c.start);
    consider(c.start, c.end);
  }
  for (std::size_t i = 0; i < n; i = end[i]) emit(piece.substr(i, end[i] - i), ranks, out);
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
