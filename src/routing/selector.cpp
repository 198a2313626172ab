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
      capable_(candidates.size()),
      tries_(candidates.size(), 0),
      retry_ok_(candidates.size(), false),
      // A cap below 1 would serve nothing at all; a misconfigured cap still
      // allows the one attempt every request is owed.
      max_attempts_(std::max(max_attempts, 1)),
      max_per_model_(std::max(max_per_model, 1)),
      rng_(seed) {
  for (std::size_t i = 0; i < candidates.size(); ++i) capable_[i] = can_serve(candidates[i], needs);
  pool_.reserve(candidates.size());
}

bool AttemptPlanner::any_capable() const { return std::find(capable_.begin(), capable_.end(), true) != capable_.end(); }

bool AttemptPlanner::in_tier(std::size_t i, Tier tier) const {
  if (!capable_[i] || tries_[i] >= max_per_model_) return false;
  switch (tier) {
    case Tier::fresh_weighted:
      return tries_[i] == 0 && weight_of(candidates_[i]) > 0;
    case Tier::fresh_backup:
      return tries_[i] == 0 && weight_of(candidates_[i]) == 0;
    case Tier::retry:
      return tries_[i] > 0 && retry_ok_[i];
  }
  return false;
}

std::size_t AttemptPlanner::draw() {
  if (pool_.size() == 1) return pool_.front();
  double total = 0;
  for (std::size_t i : pool_) total += weight_of(candidates_[i]);
  // Only backups left to retry: no shares to draw by, so file order.
  if (!(total > 0)) return pool_.front();
  const double r = rng_.uniform() * total;
  double cumulative = 0;
  for (std::size_t i : pool_) {
    cumulative += weight_of(candidates_[i]);
    if (r < cumulative) return i;
  }
  // Rounding can leave r at the very top of the range: the last weighted one.
  for (auto it = pool_.rbegin(); it != pool_.rend(); ++it) {
    if (weight_of(candidates_[*it]) > 0) return *it;
  }
  return pool_.back();
}

void AttemptPlanner::take(std::size_t index) {
  ++tries_[index];
  ++attempts_;
  // A further try needs a fresh transient verdict from failed().
  retry_ok_[index] = false;
}

std::optional<std::size_t> AttemptPlanner::next(const std::function<bool(std::size_t)>& usable) {
  if (attempts_ >= max_attempts_) return std::nullopt;
  for (Tier tier : {Tier::fresh_weighted, Tier::fresh_backup, Tier::retry}) {
    pool_.clear();
    for (std::size_t i = 0; i < candidates_.size(); ++i) {
      if (!in_tier(i, tier) || !usable(i)) continue;
      pool_.push_back(i);
      // Backups go in file order: the first usable one is the answer.
      if (tier == Tier::fresh_backup) break;
    }
    if (pool_.empty()) continue;
    const std::size_t chosen = draw();
    take(chosen);
    return chosen;
  }
  return std::nullopt;
}

void AttemptPlanner::failed(std::size_t index, bool transient) {
  if (index < retry_ok_.size()) retry_ok_[index] = transient;
}

void AttemptPlanner::skipped(std::size_t index) {
  if (index >= tries_.size()) return;
  // Never sent: it spends no attempt, and is not offered again.
  if (attempts_ > 0) --attempts_;
  tries_[index] = std::max(tries_[index], max_per_model_);
  retry_ok_[index] = false;
}

}  // namespace aisbf::routing
