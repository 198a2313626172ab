// Fault injection: the request's model name picks a fault (see README.md).
#pragma once

#include <cstdint>
#include <string_view>

namespace aisbf_mock {

enum class FaultKind : std::uint8_t {
  none,
  http_500,
  http_503,
  http_429,          // param: Retry-After seconds (default 7)
  http_401,
  http_400,
  hang,
  hang_after_first,
  cut,
  close,
  slow,              // param: delay in ms (default 50)
  bad_json,
  big_event,
  stream_error,
};

struct Fault {
  FaultKind kind = FaultKind::none;
  unsigned param = 0;
};

// The first fault (in the documented order) whose name the model contains.
Fault parse_fault(std::string_view model);

}  // namespace aisbf_mock
