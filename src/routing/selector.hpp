// Which candidate of a rotation to try next.
//
// Weighted random: a candidate's chance is its weight over the total weight
// of the candidates that can be tried now. Preference, in tiers:
//  1. weighted candidates not tried yet;
//  2. backups (weight 0) not tried yet, in file order;
//  3. second tries of candidates whose failure was transient (a 5xx, a
//     timeout, a cut), weighted;
// never more than `max_per_model` tries of one candidate nor
// `max_attempts` in all. Candidates that declare capabilities the request
// needs and lack are never chosen. Deterministic for a given seed.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "routing/rotation.hpp"

namespace aisbf::routing {

// A small fast generator (splitmix64), enough for traffic shares.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  double uniform();  // [0, 1)

 private:
  std::uint64_t state_;
};

class AttemptPlanner {
 public:
  AttemptPlanner(std::span<const Candidate> candidates, const RequestNeeds& needs, int max_attempts,
                 int max_per_model, std::uint64_t seed);

  // The next candidate to try, or nullopt when none is left. `usable(i)`
  // says whether candidate i may take a request now (health, limits); it is
  // asked only about candidates the tiers above allow.
  std::optional<std::size_t> next(const std::function<bool(std::size_t)>& usable);
  // Candidate i failed; `transient` allows a second try of it.
  void failed(std::size_t index, bool transient);
  // Candidate i, just chosen, could not be claimed (its limits refused it at
  // the last moment): the attempt is given back and i is not offered again.
  void skipped(std::size_t index);

  int attempts() const { return attempts_; }  // requests actually sent
  // Whether some candidate has the capabilities the request needs.
  bool any_capable() const;
  bool capable(std::size_t index) const { return slot(index).capable; }
  int tries(std::size_t index) const { return slot(index).tries; }

 private:
  enum class Tier { fresh_weighted, fresh_backup, retry };
  // What the planner knows of one candidate. Held inline for the usual few
  // candidates, so that a request's planner allocates nothing.
  struct Slot {
    int tries = 0;
    bool capable = false;
    bool retry_ok = false;  // its last failure was transient: another try is allowed
    bool pooled = false;    // usable in the tier next() is drawing from
  };
  static constexpr std::size_t kInlineSlots = 8;
  Slot& slot(std::size_t i) { return i < kInlineSlots ? inline_[i] : overflow_[i - kInlineSlots]; }
  const Slot& slot(std::size_t i) const { return i < kInlineSlots ? inline_[i] : overflow_[i - kInlineSlots]; }
  bool in_tier(std::size_t index, Tier tier) const;
  std::size_t draw(std::size_t pooled, std::size_t first, std::size_t last);  // a weighted pick among the pooled
  void take(std::size_t index);

  std::span<const Candidate> candidates_;
  std::array<Slot, kInlineSlots> inline_{};
  std::vector<Slot> overflow_;  // candidates past kInlineSlots
  int max_attempts_;
  int max_per_model_;
  int attempts_ = 0;
  SplitMix64 rng_;
};

}  // namespace aisbf::routing
