// Request framing checks beyond what Beast's parser enforces: a body whose
// length the server could judge differently from a proxy in front of it is
// refused, and the connection closed, so that no byte of it is ever read as
// the next request (request smuggling; RFC 9112 §6.1 and §6.3).
#pragma once

#include <optional>
#include <string>

#include "http/exchange.hpp"

namespace aisbf::http {

struct FramingProblem {
  int status = 400;  // 400, or 501 for a transfer coding aisbf does not implement
  std::string code;
  std::string message;
};

// `request` holds the parsed head. Beast's parser treats a Transfer-Encoding
// whose codings are not exactly one final "chunked" (`xchunked`, `chunked,
// gzip`, `chunked, chunked`) as no body at all, and one that ends in
// "chunked" (`gzip, chunked`) as plain chunked; both are refused here.
std::optional<FramingProblem> framing_problem(const Request& request);

}  // namespace aisbf::http
