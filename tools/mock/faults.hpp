// Fault injection: the request's model name picks a fault (see README.md).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace aisbf_mock {

enum class FaultKind : std::uint8_t {
  none,
  http_500,
  http_503,
  http_429,          // param: Retry-After seconds (default 7)
  http_401,
  http_400,
  http_404,          // the model does not exist on this upstream
  hang,
  hang_after_first,
  cut,
  close,
  slow,              // param: delay in ms (default 50)
  bad_json,
  big_event,
  stream_error,
  preamble,          // param: 1 KiB chunks of SSE comment lines before the first event (default 2048)
};

struct Fault {
  FaultKind kind = FaultKind::none;
  unsigned param = 0;
  // `fault-hold[-N]`, alongside any fault: a stream waits after its first N
  // events (default 1) until POST /__mock/release. 0: it does not.
  unsigned hold = 0;
};

struct Plan;

// fault-preamble on an SSE stream: param chunks of `: keep-alive` comment
// lines (1022 bytes each) before the first event (call once the events are
// built; defined in chat_common.cpp). Does nothing for other faults.
void add_preamble(Fault fault, Plan& plan);

// The first fault (in the documented order) whose name the model contains.
Fault parse_fault(std::string_view model);

// The fault's name as recorded in /__mock/requests: "fault-500", and for the
// parameterised ones the parameter too ("fault-429-7", "fault-slow-50").
// Empty for FaultKind::none.
std::string fault_name(Fault fault);

// The `flaky-P` model family: with probability P/100 one of a fixed set of
// faults (500, 503, 429-1, cut, close, stream-error), chosen uniformly.
// One seeded generator for the whole process, so a run is reproducible at
// the level of the sequence of draws. Thread-safe.
class FaultDice {
 public:
  explicit FaultDice(std::uint64_t seed = 1) : state_(seed) {}
  void reseed(std::uint64_t seed);
  // parse_fault(model), or else a draw when the model contains "flaky-".
  Fault pick(std::string_view model);

 private:
  std::uint64_t next();  // needs mu_

  std::mutex mu_;
  std::uint64_t state_;
};

}  // namespace aisbf_mock
