#include "context/byte_pair.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>

namespace aisbf::context {
namespace {

constexpr Rank kNone = kNoRank;
// Below this length tiktoken's own quadratic scan is faster than the buckets.
constexpr std::size_t kBucketThreshold = 128;

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

// The same merge order for long pieces, in about linear time. Candidates (a
// pair's rank at a part's start) wait in one bucket per rank; a heap holds
// only the distinct ranks that have a bucket. A merge almost always forms
// pairs of higher rank than its own (a token is made of older tokens), so the
// buckets are drained lowest first, each left to right, with O(1) work per
// candidate. Where a vocabulary breaks that rule, the lower rank's bucket is
// simply on top again: the order stays tiktoken's in every case.
class BucketMerge {
 public:
  BucketMerge(std::string_view piece, const RankTable& ranks) : piece_(piece), ranks_(ranks) {}
  BucketMerge(const BucketMerge&) = delete;
  BucketMerge& operator=(const BucketMerge&) = delete;
  // Leaves the shared buckets empty, also when a run ended in bad_alloc.
  ~BucketMerge() {
    while (!queue_.empty()) retire();
  }

  void run(std::vector<Rank>& out) {
    const auto n = static_cast<std::uint32_t>(piece_.size());
    // Not value-initialised: every field is written here first.
    parts_.reset(new Part[n]);
    for (std::uint32_t i = 0; i < n; ++i) {
      parts_[i].end = i + 1, parts_[i].prev = i == 0 ? 0 : i - 1;
      parts_[i].self = rank_or_none(ranks_, piece_.substr(i, 1));
    }
    for (std::uint32_t i = 0; i < n; ++i) update_pair(i);
    while (!queue_.empty()) {
      Bucket& bucket = top_bucket();
      if (bucket.head == bucket.starts.size()) {
        retire();
        continue;
      }
      if (!bucket.sorted) {
        std::sort(bucket.starts.begin() + static_cast<std::ptrdiff_t>(bucket.head), bucket.starts.end());
        bucket.sorted = true;
      }
      std::uint32_t start = bucket.starts[bucket.head++];
      if (parts_[start].end != 0 && parts_[start].pair == queue_.top()) merge(start);
    }
    for (std::uint32_t i = 0; i < n; i = parts_[i].end) out.push_back(parts_[i].self);
  }

 private:
  struct Bucket {
    std::vector<std::uint32_t> starts;  // part starts whose pair had this rank when pushed
    std::size_t head = 0;               // the next one to take
    bool sorted = true;
  };

  // The part at `start` absorbs the next one; its neighbours' pairs change.
  void merge(std::uint32_t start) {
    std::uint32_t mid = parts_[start].end;
    parts_[start].self = parts_[start].pair;
    parts_[start].end = parts_[mid].end;
    parts_[mid].end = 0;  // no longer a part
    if (parts_[start].end < piece_.size()) parts_[parts_[start].end].prev = start;
    update_pair(start);
    if (start > 0) update_pair(parts_[start].prev);
  }

  // The rank of the part at `start` with the next one, queued when a token.
  void update_pair(std::uint32_t start) {
    std::uint32_t mid = parts_[start].end;
    Rank rank = mid >= piece_.size() ? kNone : rank_or_none(ranks_, piece_.substr(start, parts_[mid].end - start));
    parts_[start].pair = rank;
    if (rank != kNone) push(rank, start);
  }

  void push(Rank rank, std::uint32_t start) {
    auto& slot = shared_.slot;
    if (rank >= slot.size()) slot.resize(std::size_t{rank} + 1, kFree);
    if (slot[rank] == kFree) {
      if (shared_.free.empty()) {
        shared_.free.push_back(static_cast<std::uint32_t>(shared_.buckets.size()));
        shared_.buckets.emplace_back();
      }
      slot[rank] = shared_.free.back();
      shared_.free.pop_back();
      queue_.push(rank);
    }
    Bucket& bucket = shared_.buckets[slot[rank]];
    if (!bucket.starts.empty() && start < bucket.starts.back()) bucket.sorted = false;
    bucket.starts.push_back(start);
  }

  // A drained bucket leaves the queue and goes back to the pool, emptied.
  void retire() {
    Rank rank = queue_.top();
    queue_.pop();
    Bucket& bucket = shared_.buckets[shared_.slot[rank]];
    bucket.starts.clear(), bucket.head = 0, bucket.sorted = true;
    // A 1 MB piece's bucket would otherwise keep megabytes per thread.
    if (bucket.starts.capacity() > kKeptCapacity) bucket.starts.shrink_to_fit();
    shared_.free.push_back(shared_.slot[rank]);
    shared_.slot[rank] = kFree;
  }

  Bucket& top_bucket() { return shared_.buckets[shared_.slot[queue_.top()]]; }

  // Reused by every long piece on a thread: the rank → bucket index (a
  // vocabulary's worth, all kFree between pieces) and the buckets.
  struct Shared {
    std::vector<std::uint32_t> slot;
    std::vector<Bucket> buckets;
    std::vector<std::uint32_t> free;
  };
  static constexpr std::uint32_t kFree = 0xFFFFFFFFu;
  static constexpr std::size_t kKeptCapacity = 1 << 16;
  static inline thread_local Shared shared_;

  std::string_view piece_;
  const RankTable& ranks_;
  // By a part's start, side by side (one cache line serves a merge).
  struct Part {
    std::uint32_t end, prev;  // end 0: merged away
    Rank self, pair;          // the part's own rank; its pair's with the next part
  };
  std::unique_ptr<Part[]> parts_;
  std::priority_queue<Rank, std::vector<Rank>, std::greater<>> queue_;  // ranks with a bucket
};
}  // namespace

void byte_pair_encode(std::string_view piece, const RankTable& ranks, std::vector<Rank>& out) {
  if (piece.empty()) return;
  if (auto whole = ranks.find(piece)) {
    out.push_back(*whole);
    return;
  }
  byte_pair_encode_with(piece.size() < kBucketThreshold ? MergeStrategy::scan : MergeStrategy::buckets, piece, ranks,
                        out);
}

void byte_pair_encode_with(MergeStrategy strategy, std::string_view piece, const RankTable& ranks,
                           std::vector<Rank>& out) {
  if (piece.empty()) return;
  if (strategy == MergeStrategy::scan) {
    merge_by_scan(piece, ranks, out);
  } else {
    BucketMerge(piece, ranks).run(out);
  }
}

}  // namespace aisbf::context
