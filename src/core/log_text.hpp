// Text from clients and upstreams, made safe for one log line: a model name
// with "\n" must not forge a second line, and a 20 KB tool name must not make
// a 20 KB line. Every log call that prints such text passes it through here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aisbf {

// Default cap for one field of a log line: a few fields of it stay well under
// the 4 KB a line may take.
inline constexpr std::size_t kLogFieldBytes = 512;

// A copy of `text` with control characters (C0, DEL) and backslashes escaped
// (\n, \r, \t, \\, \xNN) and cut to at most `max` bytes of output, never in
// the middle of an escape or a UTF-8 character; a cut copy ends with
// "…(N bytes)" giving the original size; the result never exceeds `max`
// (for max >= 32).
std::string log_text(std::string_view text, std::size_t max = kLogFieldBytes);

}  // namespace aisbf
