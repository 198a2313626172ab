#include "limits/token_windows.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <mutex>

namespace aisbf::limits {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr std::size_t kWindowCount = 3;  // minute, hour, day; the day is the longest
constexpr std::array<Duration, kWindowCount> kWindows = {minutes(1), hours(1), hours(24)};
// Token counts are clamped so that running totals can never overflow.
constexpr std::int64_t kMaxTokens = 1'000'000'000'000;

std::optional<std::int64_t> limit_of(const TokenLimits& limits, std::size_t window) {
  const std::optional<std::int64_t>* all[] = {&limits.per_minute, &limits.per_hour, &limits.per_day};
  return *all[window];
}

// One admitted request. `cum` is a prefix sum: the tokens of every record of
// the key up to and including this one, so a window's usage is a difference
// of two prefix sums and the time a window frees enough room is a binary
// search. A settle rewrites the suffix after the record, which is short: only
// requests admitted while this one ran.
struct Record {
  TimePoint at;
  std::int64_t tokens = 0;
  std::int64_t cum = 0;
  std::uint64_t ticket = 0;
};

struct KeyWindows {
  std::deque<Record> records;                     // `at` and `ticket` ascending; nothing older than a day
  Duration horizon{};                             // the longest window with a limit, as last admitted
  std::int64_t total = 0;                         // prefix sum after the last record
  std::array<std::size_t, kWindowCount> first{};  // per window: first record still inside it

  std::int64_t prefix_before(std::size_t i) const {
    return i < records.size() ? records[i].cum - records[i].tokens : total;
  }
  std::int64_t used(std::size_t window) const { return total - prefix_before(first[window]); }

  // Moves each window's start past the records that left it, then drops
  // the records older than a day: amortized O(1) per record.
  void advance(TimePoint now) {
    for (std::size_t w = 0; w < kWindowCount; ++w) {
      while (first[w] < records.size() && records[first[w]].at + kWindows[w] <= now) ++first[w];
    }
    const std::size_t gone = first[kWindowCount - 1];
    records.erase(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(gone));
    for (auto& f : first) f -= gone;
  }

  // When `window` will have shed `need` tokens (or all it holds, when it
  // holds less): the expiry of the record that gets it there.
  TimePoint room_at(std::size_t window, std::int64_t need) const {
    const std::int64_t base = prefix_before(first[window]);
    const std::int64_t target = std::min(need, used(window));
    const auto begin = records.begin() + static_cast<std::ptrdiff_t>(first[window]);
    const auto it = std::partition_point(begin, records.end(), [&](const Record& r) { return r.cum - base < target; });
    return it->at + kWindows[window];  // exists: the last record reaches `used`
  }

  // Live while a limited window holds a record.
  TimePoint idle_since(TimePoint now) const { return records.empty() ? now : records.back().at + horizon; }

  // Usage at `now` without moving the window starts (for snapshot()).
  std::int64_t used_at(std::size_t window, TimePoint now) const {
    const auto it = std::partition_point(records.begin(), records.end(),
                                         [&](const Record& r) { return r.at + kWindows[window] <= now; });
    return total - prefix_before(static_cast<std::size_t>(it - records.begin()));
  }
};

class InProcessTokenWindows final : public TokenWindows {
 public:
  explicit InProcessTokenWindows(std::size_t max_keys) : keys_({max_keys, Duration::zero()}) {}

  TokenAdmission admit(std::string_view key, const TokenLimits& limits, std::int64_t estimate, TimePoint now) override {
    if (!limits.any()) return {true, 0, {}};
    estimate = std::clamp<std::int64_t>(estimate, 0, kMaxTokens);
    std::lock_guard lock(mutex_);
    Slot* slot = keys_.find_or_insert(key, now);
    // Every tracked key holds tokens in a limited window: no room to count this one.
    if (slot == nullptr) return {false, 0, keys_.room_at(now), true};
    KeyWindows& k = slot->value;
    k.advance(now);
    bool fits = true;
    TimePoint retry_at;
    for (std::size_t w = 0; w < kWindowCount; ++w) {
      const auto limit = limit_of(limits, w);
      if (!limit) continue;
      const std::int64_t cap = std::clamp<std::int64_t>(*limit, 0, kMaxTokens);
      const std::int64_t used = k.used(w);
      // An empty window takes anything: a request larger than the limit
      // could never run otherwise.
      if (used == 0 || used + estimate <= cap) continue;
      fits = false;
      // Every window only empties with time, so all fit at the latest of
      // the times each one fits.
      retry_at = std::max(retry_at, k.room_at(w, used + estimate - cap));
    }
    if (!fits) return {false, 0, retry_at};
    // Callers' clocks may interleave by a hair; keep the records ordered.
    const TimePoint at = k.records.empty() ? now : std::max(now, k.records.back().at);
    k.total += estimate;
    k.records.push_back({at, estimate, k.total, ++last_ticket_});
    for (std::size_t w = 0; w < kWindowCount; ++w) {
      if (limit_of(limits, w)) k.horizon = kWindows[w];  // ascending: the last set is the longest
    }
    keys_.set_idle_since(*slot, k.idle_since(now));
    return {true, last_ticket_, {}};
  }

  void settle(std::string_view key, std::uint64_t ticket, std::int64_t actual, TimePoint now) override {
    if (ticket == 0) return;
    actual = std::clamp<std::int64_t>(actual, 0, kMaxTokens);
    std::lock_guard lock(mutex_);
    Slot* slot = keys_.find(key, now);
    if (slot == nullptr) return;  // forgotten: no limited window holds the ticket any more
    KeyWindows& k = slot->value;
    k.advance(now);
    auto it = std::lower_bound(k.records.begin(), k.records.end(), ticket,
                               [](const Record& r, std::uint64_t t) { return r.ticket < t; });
    if (it == k.records.end() || it->ticket != ticket) return;  // unknown, or a day old and gone
    const std::int64_t delta = actual - it->tokens;
    it->tokens = actual;
    // Windows that no longer hold the record are unaffected: both ends of
    // their prefix-sum difference move by `delta`.
    for (; it != k.records.end(); ++it) it->cum += delta;
    k.total += delta;
  }

  std::vector<TokenWindowSnapshot> snapshot(TimePoint now) const override {
    std::lock_guard lock(mutex_);
    std::vector<TokenWindowSnapshot> out;
    keys_.for_each(now, [&](const std::string& key, const Slot& slot) {
      const KeyWindows& k = slot.value;
      const std::int64_t day = k.used_at(2, now);
      if (day != 0) out.push_back({key, k.used_at(0, now), k.used_at(1, now), day});
    });
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
  }

  void reset(std::string_view key) override {
    std::lock_guard lock(mutex_);
    keys_.erase_or_clear(key);
  }

  TrackedKeys tracked() const override {
    std::lock_guard lock(mutex_);
    return keys_.stats();
  }

 private:
  using Slot = BoundedKeys<KeyWindows>::Slot;

  mutable std::mutex mutex_;
  // Keys whose limited windows hold tokens: an idle key holds nothing.
  BoundedKeys<KeyWindows> keys_;
  std::uint64_t last_ticket_ = 0;  // tickets ascend, so a key's records are sorted by ticket
};

}  // namespace

std::unique_ptr<TokenWindows> make_in_process_token_windows(std::size_t max_keys) {
  return std::make_unique<InProcessTokenWindows>(max_keys);
}

}  // namespace aisbf::limits
