#include "ops/metrics.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace aisbf::ops {

namespace {

std::atomic<std::uint64_t> g_metrics_ids{0};

void add(std::atomic<std::uint64_t>& into, const std::atomic<std::uint64_t>& from) {
  into.store(into.load(std::memory_order_relaxed) + from.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

template <std::size_t N>
void add_all(std::array<std::atomic<std::uint64_t>, N>& into, const std::array<std::atomic<std::uint64_t>, N>& from) {
  for (std::size_t i = 0; i < N; ++i) add(into[i], from[i]);
}

void add_histogram(HistogramSlots& into, const HistogramSlots& from) {
  add_all(into.buckets, from.buckets);
  add(into.sum_us, from.sum_us);
}

void add_target(TargetSlots& into, const TargetSlots& from) {
  add_all(into.attempts, from.attempts);
  add_all(into.served, from.served);
  add(into.prompt_tokens, from.prompt_tokens);
  add(into.completion_tokens, from.completion_tokens);
  add(into.cost_nano, from.cost_nano);
  add_histogram(into.upstream, from.upstream);
}

std::string pair_key(std::string_view provider, std::string_view model) {
  std::string key(provider);
  key.push_back('\0');
  key.append(model);
  return key;
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

void HistogramSlots::observe(std::chrono::microseconds d) {
  const double seconds = static_cast<double>(d.count()) / 1e6;
  const auto it = std::lower_bound(kSecondsBounds.begin(), kSecondsBounds.end(), seconds);
  bump(buckets[static_cast<std::size_t>(it - kSecondsBounds.begin())]);
  bump(sum_us, static_cast<std::uint64_t>(std::max<std::int64_t>(0, d.count())));
}

std::size_t status_slot(int status) {
  const auto it = std::lower_bound(kStatusCodes.begin(), kStatusCodes.end(), status);
  if (it != kStatusCodes.end() && *it == status) return static_cast<std::size_t>(it - kStatusCodes.begin());
  return kStatusCodes.size();
}

std::string_view status_label(std::size_t slot) {
  static const auto labels = [] {
    std::array<std::string, kStatusSlots> out;
    for (std::size_t i = 0; i < kStatusCodes.size(); ++i) out[i] = std::to_string(kStatusCodes[i]);
    out[kStatusCodes.size()] = "other";
    return out;
  }();
  return slot < labels.size() ? std::string_view(labels[slot]) : std::string_view("other");
}

TargetLabels::TargetLabels() { pairs_.push_back({"other", "other"}); }

std::uint32_t TargetLabels::intern(std::string_view provider, std::string_view model) {
  auto key = pair_key(provider, model);
  std::lock_guard lock(mutex_);
  if (auto it = ids_.find(key); it != ids_.end()) return it->second;
  if (pairs_.size() >= kMaxTargets) return 0;
  const auto id = static_cast<std::uint32_t>(pairs_.size());
  pairs_.push_back({std::string(provider), std::string(model)});
  ids_.emplace(std::move(key), id);
  return id;
}

std::vector<TargetLabels::Pair> TargetLabels::pairs() const {
  std::lock_guard lock(mutex_);
  return pairs_;
}

Metrics::Metrics() : id_(g_metrics_ids.fetch_add(1, std::memory_order_relaxed) + 1) {}
Metrics::~Metrics() = default;

std::uint32_t Metrics::target(std::string_view provider, std::string_view model) {
  struct Cache {
    std::uint64_t owner = 0;
    std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> ids;
  };
  thread_local Cache cache;
  if (cache.owner != id_) {
    cache.ids.clear();
    cache.owner = id_;
  }
  thread_local std::string key;  // reused: no allocation once grown
  key.assign(provider);
  key.push_back('\0');
  key.append(model);
  if (auto it = cache.ids.find(std::string_view(key)); it != cache.ids.end()) return it->second;
  const auto id = labels_.intern(provider, model);
  if (cache.ids.size() < 4 * kMaxTargets) cache.ids.emplace(key, id);
  return id;
}

void Metrics::sum(Shard& into) const {
  for (const Shard* s : shards_.all()) {
    for (std::size_t r = 0; r < kMaxRoutes; ++r) {
      add_all(into.requests[r], s->requests[r]);
      add_histogram(into.duration[r], s->duration[r]);
    }
    add_all(into.chat_by_format, s->chat_by_format);
    add_histogram(into.ttfb, s->ttfb);
    add_histogram(into.overhead, s->overhead);
    for (std::size_t t = 0; t < kMaxTargets; ++t) add_target(into.targets[t], s->targets[t]);
    add(into.failovers, s->failovers);
    add(into.rate_limit_waits, s->rate_limit_waits);
    add(into.rate_limit_wait_us, s->rate_limit_wait_us);
    add(into.access_log_dropped, s->access_log_dropped);
    add_all(into.gauges, s->gauges);
  }
}

std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    if (ch == '\\')
      out += "\\\\";
    else if (ch == '"')
      out += "\\\"";
    else if (ch == '\n')
      out += "\\n";
    else
      out.push_back(ch);
  }
  return out;
}

void TextWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void TextWriter::series(std::string_view name, Labels labels, std::string_view extra_name,
                        std::string_view extra_value) {
  out_.append(name);
  if (labels.empty() && extra_name.empty()) {
    out_.push_back(' ');
    return;
  }
  out_.push_back('{');
  bool first = true;
  auto one = [&](std::string_view k, std::string_view v) {
    if (!first) out_.push_back(',');
    first = false;
    out_.append(k);
    out_.append("=\"");
    out_.append(escape_label(v));
    out_.push_back('"');
  };
  for (const auto& [k, v] : labels) one(k, v);
  if (!extra_name.empty()) one(extra_name, extra_value);
  out_.append("} ");
}

void TextWriter::sample(std::string_view name, Labels labels, double value) {
  series(name, labels);
  fmt::format_to(std::back_inserter(out_), "{}\n", value);
}

void TextWriter::sample(std::string_view name, Labels labels, std::uint64_t value) {
  series(name, labels);
  fmt::format_to(std::back_inserter(out_), "{}\n", value);
}

void TextWriter::histogram(std::string_view name, Labels labels, const HistogramSlots& h) {
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.buckets.size(); ++i) {
    cumulative += h.buckets[i].load(std::memory_order_relaxed);
    const std::string le = i < kSecondsBounds.size() ? fmt::format("{}", kSecondsBounds[i]) : "+Inf";
    series(bucket, labels, "le", le);
    fmt::format_to(std::back_inserter(out_), "{}\n", cumulative);
  }
  series(std::string(name) + "_sum", labels);
  fmt::format_to(std::back_inserter(out_), "{}\n", static_cast<double>(h.sum_us.load(std::memory_order_relaxed)) / 1e6);
  series(std::string(name) + "_count", labels);
  fmt::format_to(std::back_inserter(out_), "{}\n", cumulative);
}

}  // namespace aisbf::ops
