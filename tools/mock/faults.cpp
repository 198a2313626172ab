#include "faults.hpp"

#include <array>
#include <charconv>

namespace aisbf_mock {
namespace {

struct FaultName {
  std::string_view name;
  FaultKind kind;
  unsigned default_param;
};

// Checked in this order; the first name found wins.
constexpr std::array<FaultName, 13> kFaults{{
    {"fault-500", FaultKind::http_500, 0},
    {"fault-503", FaultKind::http_503, 0},
    {"fault-429", FaultKind::http_429, 7},
    {"fault-401", FaultKind::http_401, 0},
    {"fault-400", FaultKind::http_400, 0},
    {"fault-hang", FaultKind::hang, 0},  // but not "fault-hang-after-first"
    {"fault-hang-after-first", FaultKind::hang_after_first, 0},
    {"fault-cut", FaultKind::cut, 0},
    {"fault-close", FaultKind::close, 0},
    {"fault-slow", FaultKind::slow, 50},
    {"fault-badjson", FaultKind::bad_json, 0},
    {"fault-bigevent", FaultKind::big_event, 0},
    {"fault-stream-error", FaultKind::stream_error, 0},
}};

constexpr std::string_view kAfterFirst = "-after-first";

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

}  // namespace

Fault parse_fault(std::string_view model) {
  if (model.find("fault-") == std::string_view::npos) return {};
  for (const auto& f : kFaults) {
    const std::size_t pos = find_name(model, f);
    if (pos == std::string_view::npos) continue;
    unsigned param = f.default_param;
    if (f.default_param != 0) param = parse_param(model.substr(pos + f.name.size()), f.default_param);
    return {f.kind, param};
  }
  return {};
}

}  // namespace aisbf_mock
