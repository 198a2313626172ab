// Small std::string_view helpers shared across modules, so that each is
// written once. (Percent-encoding is Boost.URL's `encode` with
// `unreserved_chars`; percent-decoding is model_id.hpp's.)
#pragma once

#include <string_view>

namespace aisbf {

// `s` without leading and trailing spaces, tabs, CRs and LFs (HTTP's
// optional whitespace and the line ends of SSE and NDJSON data).
constexpr std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const std::size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

}  // namespace aisbf
