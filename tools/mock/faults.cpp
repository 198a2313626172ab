#include "faults.hpp"

#include <array>
#include <charconv>
#include <string>

namespace aisbf_mock {
namespace {

struct FaultName {
  std::string_view name;
  FaultKind kind;
  unsigned default_param;
};

// Checked in this order; the first name found wins.
constexpr std::array<FaultName, 15> kFaults{{
    {"fault-500", FaultKind::http_500, 0},
    {"fault-503", FaultKind::http_503, 0},
    {"fault-429", FaultKind::http_429, 7},
    {"fault-401", FaultKind::http_401, 0},
    {"fault-400", FaultKind::http_400, 0},
    {"fault-404", FaultKind::http_404, 0},
    {"fault-hang", FaultKind::hang, 0},  // but not "fault-hang-after-first"
    {"fault-hang-after-first", FaultKind::hang_after_first, 0},
    {"fault-cut", FaultKind::cut, 0},
    {"fault-close", FaultKind::close, 0},
    {"fault-slow", FaultKind::slow, 50},
    {"fault-badjson", FaultKind::bad_json, 0},
    {"fault-bigevent", FaultKind::big_event, 0},
    {"fault-stream-error", FaultKind::stream_error, 0},
    {"fault-preamble", FaultKind::preamble, 2048},
}};

constexpr std::string_view kAfterFirst = "-after-first";
constexpr std::string_view kHold = "fault-hold";

// Position of `name` in `model`, skipping "fault-hang-after-first" when
// looking for plain "fault-hang".
std::size_t find_name(std::string_view model, const FaultName& f) {
  std::size_t pos = model.find(f.name);
  while (pos != std::string_view::npos && f.kind == FaultKind::hang &&
         model.substr(pos + f.name.size()).starts_with(kAfterFirst)) {
    pos = model.find(f.name, pos + 1);
  }
  return pos;
}

// "-<digits>" right after the name overrides the default parameter.
unsigned parse_param(std::string_view rest, unsigned fallback) {
  if (rest.size() < 2 || rest[0] != '-') return fallback;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(rest.data() + 1, rest.data() + rest.size(), value);
  if (ec != std::errc() || end == rest.data() + 1) return fallback;
  return value;
}

constexpr std::string_view kFlaky = "flaky-";
constexpr unsigned kFlakyDefaultPercent = 50;

// What a `flaky-P` draw may inject: failures before the first byte (status,
// close) and after it (cut, mid-stream error); never a hang.
constexpr std::array<Fault, 6> kFlakyFaults{{
    {FaultKind::http_500, 0},
    {FaultKind::http_503, 0},
    {FaultKind::http_429, 1},
    {FaultKind::cut, 0},
    {FaultKind::close, 0},
    {FaultKind::stream_error, 0},
}};

}  // namespace

std::string fault_name(Fault fault) {
  if (fault.kind == FaultKind::none) return {};
  for (const auto& f : kFaults) {
    if (f.kind != fault.kind) continue;
    std::string out(f.name);
    if (f.default_param != 0) out += "-" + std::to_string(fault.param);
    return out;
  }
  return {};
}

void FaultDice::reseed(std::uint64_t seed) {
  std::lock_guard lock(mu_);
  state_ = seed;
}

// splitmix64: tiny, fast, and the same sequence on every platform.
std::uint64_t FaultDice::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Fault FaultDice::pick(std::string_view model) {
  const Fault explicit_fault = parse_fault(model);
  if (explicit_fault.kind != FaultKind::none) return explicit_fault;
  const std::size_t pos = model.find(kFlaky);
  if (pos == std::string_view::npos) return explicit_fault;  // a hold alone
  unsigned percent = kFlakyDefaultPercent;
  const std::string_view rest = model.substr(pos + kFlaky.size());
  unsigned value = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (ec == std::errc() && end != rest.data()) percent = value > 100 ? 100 : value;
  std::lock_guard lock(mu_);
  // Two draws per request whatever the outcome, so the sequence of draws
  // depends only on the order of the requests.
  const std::uint64_t roll = next() % 10000;
  const std::uint64_t which = next() % kFlakyFaults.size();
  Fault drawn = roll >= percent * 100ull ? Fault{} : kFlakyFaults[which];
  drawn.hold = explicit_fault.hold;
  return drawn;
}

Fault parse_fault(std::string_view model) {
  if (model.find("fault-") == std::string_view::npos) return {};
  unsigned hold = 0;
  if (const std::size_t at = model.find(kHold); at != std::string_view::npos) {
    hold = parse_param(model.substr(at + kHold.size()), 1);
  }
  for (const auto& f : kFaults) {
    const std::size_t pos = find_name(model, f);
    if (pos == std::string_view::npos) continue;
    unsigned param = f.default_param;
    if (f.default_param != 0) param = parse_param(model.substr(pos + f.name.size()), f.default_param);
    return {f.kind, param, hold};
  }
  return {FaultKind::none, 0, hold};
}

}  // namespace aisbf_mock
