// `rate_limit`: a minimum time between two requests to a provider, and to a
// model. Requests reserve slots: the first waits for nothing, the next for
// `interval` after it, and so on, across every worker. A request whose slot
// would be further away than it may wait reserves nothing and learns when it
// could have gone.
//
// A reservation is one atomic operation on the keys at a time `now` the
// caller passes, answered with a value, so that a Redis-backed store can
// implement it for a cluster (README.md). A key whose next free time has
// passed holds nothing: it is forgotten `kSpacingIdleTtl` later. At most
// `max_keys` keys are tracked (idle ones evicted first); a request for a new
// key when every tracked key holds a future slot is refused until one frees
// (admitting it untracked would break its spacing).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "limits/bounded_keys.hpp"
#include "limits/clock.hpp"

namespace aisbf::limits {

struct SpacingKey {
  std::string_view key;  // "provider" or "provider/model"
  Duration interval;     // zero: no spacing for this key (ignored)
};

struct SpacingSlot {
  bool granted = false;
  // granted: the time the request may be sent (≥ now; wait until then).
  // refused: the earliest time a slot would be free.
  TimePoint at;
  bool table_full = false;  // refused because every tracked key holds a future slot
};

struct SpacingSnapshot {
  std::string key;
  Duration interval{};
  Duration next_free_in{};  // 0 when a request could go now
};

class RequestSpacing {
 public:
  virtual ~RequestSpacing() = default;

  // One slot for a request that touches every key in `keys` (a provider and
  // its model): the latest of their next free times. Granted only when that
  // is at most `max_wait` after `now`; then each key's next free time moves
  // to slot + its interval. Keys with a zero interval are ignored; when all
  // are, the slot is `now` and nothing is stored. Refused, with `at` when
  // there will be room, when a key is new and every tracked key still
  // holds a future slot.
  virtual SpacingSlot reserve(std::span<const SpacingKey> keys, TimePoint now, Duration max_wait) = 0;

  virtual std::vector<SpacingSnapshot> snapshot(TimePoint now) const = 0;
  // Forgets one key's reservations, or every key's when `key` is empty.
  virtual void reset(std::string_view key) = 0;
  virtual TrackedKeys tracked() const = 0;
};

inline constexpr Duration kSpacingIdleTtl = std::chrono::minutes(1);

std::unique_ptr<RequestSpacing> make_in_process_spacing(std::size_t max_keys = kDefaultMaxTrackedKeys);

}  // namespace aisbf::limits
