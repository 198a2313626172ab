// Weighted failover order for one request over a rotation's candidates.
#include "routing/selector.hpp"

#include <algorithm>
#include <cmath>

namespace aisbf::routing {

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double SplitMix64::uniform() {
  // The top 53 bits fill a double's mantissa exactly: uniform on [0, 1).
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

namespace {

// Anything not a positive finite number draws nothing: the candidate is a backup.
double weight_of(const Candidate& c) { return c.weight > 0 && std::isfinite(c.weight) ? c.weight : 0.0; }

}  // namespace

AttemptPlanner::AttemptPlanner(std::span<const Candidate> candidates, const RequestNeeds& needs, int max_attempts,
                               int max_per_model, std::uint64_t seed)
    : candidates_(candidates),
      overflow_(candidates.size() > kInlineSlots ? candidates.size() - kInlineSlots : 0),
      // A cap below 1 would serve nothing at all; a misconfigured cap still
      // allows the one attempt every request is owed.
      max_attempts_(std::max(max_attempts, 1)),
      max_per_model_(std::max(max_per_model, 1)),
      rng_(seed) {
  for (std::size_t i = 0; i < candidates.size(); ++i) slot(i).capable = can_serve(candidates[i], needs);
}

bool AttemptPlanner::any_capable() const {
  for (std::size_t i = 0; i < candidates_.size(); ++i) {
    if (slot(i).capable) return true;
  }
  return false;
}

bool AttemptPlanner::in_tier(std::size_t i, Tier tier) const {
  const Slot& s = slot(i);
  if (!s.capable || s.tries >= max_per_model_) return false;
  switch (tier) {
    case Tier::fresh_weighted:
      return s.tries == 0 && weight_of(candidates_[i]) > 0;
    case Tier::fresh_backup:
      return s.tries == 0 && weight_of(candidates_[i]) == 0;
    case Tier::retry:
      return s.tries > 0 && s.retry_ok;
  }
  return false;
}

// The pooled candidates are those with `pooled` set, between `first` and
// `last` (inclusive), in file order.
std::size_t AttemptPlanner::draw(std::size_t pooled, std::size_t first, std::size_t last) {
  if (pooled == 1) return first;
  double total = 0;
  for (std::size_t i = first; i <= last; ++i) {
    if (slot(i).pooled) total += weight_of(candidates_[i]);
  }
  // Only backups left to retry: no shares to draw by, so file order.
  if (!(total > 0)) return first;
  const double r = rng_.uniform() * total;
  double cumulative = 0;
  for (std::size_t i = first; i <= last; ++i) {
    if (!slot(i).pooled) continue;
    cumulative += weight_of(candidates_[i]);
    if (r < cumulative) return i;
  }
  // Rounding can leave r at the very top of the range: the last weighted one.
  for (std::size_t i = last + 1; i-- > first;) {
    if (slot(i).pooled && weight_of(candidates_[i]) > 0) return i;
  }
  return last;
}

void AttemptPlanner::take(std::size_t index) {
  Slot& s = slot(index);
  ++s.tries;
  ++attempts_;
  // A further try needs a fresh transient verdict from failed().
  s.retry_ok = false;
}

std::optional<std::size_t> AttemptPlanner::next(const std::function<bool(std::size_t)>& usable) {
  if (attempts_ >= max_attempts_) return std::nullopt;
  for (Tier tier : {Tier::fresh_weighted, Tier::fresh_backup, Tier::retry}) {
    std::size_t pooled = 0, first = 0, last = 0;
    for (std::size_t i = 0; i < candidates_.size(); ++i) {
      Slot& s = slot(i);
      s.pooled = false;
      if (!in_tier(i, tier) || !usable(i)) continue;
      s.pooled = true;
      if (pooled++ == 0) first = i;
      last = i;
      // Backups go in file order: the first usable one is the answer.
      if (tier == Tier::fresh_backup) break;
    }
    if (pooled == 0) continue;
    const std::size_t chosen = draw(pooled, first, last);
    take(chosen);
    return chosen;
  }
  return std::nullopt;
}

void AttemptPlanner::failed(std::size_t index, bool transient) {
  if (index < candidates_.size()) slot(index).retry_ok = transient;
}

void AttemptPlanner::skipped(std::size_t index) {
  if (index >= candidates_.size()) return;
  // Never sent: it spends no attempt, and is not offered again.
  if (attempts_ > 0) --attempts_;
  Slot& s = slot(index);
  s.tries = std::max(s.tries, max_per_model_);
  s.retry_ok = false;
}

}  // namespace aisbf::routing
