// Prometheus metrics, recorded without locks: each thread that records owns
// a Shard of fixed arrays (plain relaxed loads and stores by that thread
// only, no lock prefix, no allocation), indexed by small integers resolved
// from fixed sets (route row, status code, ingress format, error kind) or,
// for provider/model pairs, from TargetLabels (interned once per thread and
// pair). A scrape sums the shards and renders the text format 0.0.4.
// Label values come only from the configuration and fixed sets.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/per_thread.hpp"

namespace aisbf::ops {

// The owning thread's increment: a relaxed load and store (a scrape on
// another thread reads a recent value; no read-modify-write is needed as
// nobody else writes).
inline void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// Histogram bucket bounds in seconds (+Inf implied).
inline constexpr std::array<double, 15> kSecondsBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                       0.25,   0.5,   1,      2.5,   5,    10,    30};
struct HistogramSlots {
  std::array<std::atomic<std::uint64_t>, kSecondsBounds.size() + 1> buckets{};  // not cumulative; last: +Inf
  std::atomic<std::uint64_t> sum_us{0};
  void observe(std::chrono::microseconds d);
};

// Status codes counted exactly; any other is "other" (the last slot).
inline constexpr std::array<int, 25> kStatusCodes{200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405,
                                                  408, 409, 413, 415, 422, 429, 431, 499, 500, 502, 503, 504};
inline constexpr std::size_t kStatusSlots = kStatusCodes.size() + 1;
std::size_t status_slot(int status);
std::string_view status_label(std::size_t slot);

inline constexpr std::size_t kMaxRoutes = 256;   // route table rows (checked where the table is read)
inline constexpr std::size_t kMaxFormats = 8;    // ingress formats
inline constexpr std::size_t kMaxOutcomes = 16;  // 0: ok, 1 + ErrorKind
inline constexpr std::size_t kMaxTargets = 256;  // provider/model pairs; id 0 is "other"

// Per provider/model (the candidate of an attempt).
struct TargetSlots {
  std::array<std::atomic<std::uint64_t>, kMaxOutcomes> attempts{};  // by outcome
  std::array<std::atomic<std::uint64_t>, 6> served{};  // requests it answered last, by status class 1xx..5xx, other
  std::atomic<std::uint64_t> prompt_tokens{0}, completion_tokens{0}, cost_nano{0};
  HistogramSlots upstream;  // attempt time to the upstream's answer head (or failure)
};

enum class GaugeId : std::uint8_t { connections, requests, streams, kCount };

struct Shard {
  std::array<std::array<std::atomic<std::uint64_t>, kStatusSlots>, kMaxRoutes> requests{};
  std::array<std::atomic<std::uint64_t>, kMaxFormats> chat_by_format{};
  std::array<HistogramSlots, kMaxRoutes> duration{};  // whole request, by route
  HistogramSlots ttfb;                                // chat requests: start to the first byte to the client
  HistogramSlots overhead;                            // chat requests: ttfb less the serving attempt's upstream time
  std::array<TargetSlots, kMaxTargets> targets{};
  std::atomic<std::uint64_t> failovers{0}, rate_limit_waits{0}, rate_limit_wait_us{0};
  std::atomic<std::uint64_t> access_log_dropped{0};
  // Up and down on the same thread: a count that wraps below zero on one
  // shard sums right across them.
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(GaugeId::kCount)> gauges{};
  void gauge_add(GaugeId g, std::int64_t delta) {
    auto& slot = gauges[static_cast<std::size_t>(g)];
    slot.store(slot.load(std::memory_order_relaxed) + static_cast<std::uint64_t>(delta), std::memory_order_relaxed);
  }
};

// (provider, model) label pairs, interned for good (bounded by kMaxTargets;
// past it: id 0, "other"). intern() locks; lookups on the request path go
// through TargetLabels::local(), a per-thread cache.
class TargetLabels {
 public:
  TargetLabels();
  std::uint32_t intern(std::string_view provider, std::string_view model);
  struct Pair {
    std::string provider, model;
  };
  std::vector<Pair> pairs() const;  // index = id

 private:
  mutable std::mutex mutex_;
  std::vector<Pair> pairs_;
  std::unordered_map<std::string, std::uint32_t> ids_;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // This thread's shard (made on the thread's first use, under a lock).
  Shard& local() { return shards_.local(); }
  // The label id of a provider/model pair; cached per thread, so the lock
  // is taken once per thread and pair.
  std::uint32_t target(std::string_view provider, std::string_view model);
  TargetLabels& labels() { return labels_; }

  // Sums every shard into `into` (a scrape; `into` is not any thread's).
  void sum(Shard& into) const;

 private:
  const std::uint64_t id_;  // tells this object's per-thread label cache from an earlier one's
  PerThread<Shard> shards_;
  TargetLabels labels_;
};

// Writing the text format 0.0.4.
class TextWriter {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help);
  // `labels`: name/value pairs; values are escaped here.
  using Labels = std::span<const std::pair<std::string_view, std::string_view>>;
  void sample(std::string_view name, Labels labels, double value);
  void sample(std::string_view name, Labels labels, std::uint64_t value);
  void histogram(std::string_view name, Labels labels, const HistogramSlots& h);
  std::string take() { return std::move(out_); }

 private:
  void series(std::string_view name, Labels labels, std::string_view extra_name = {},
              std::string_view extra_value = {});
  std::string out_;
};

// A label value escaped for the text format (\\, \", \n).
std::string escape_label(std::string_view value);

}  // namespace aisbf::ops
