#include "http/framing.hpp"

#include <vector>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <fmt/format.h>

namespace aisbf::http {

namespace bhttp = boost::beast::http;

namespace {

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Every coding of every Transfer-Encoding line, in order (several lines
// count as one comma-separated list; empty list elements are allowed).
std::vector<std::string_view> codings(const Request& request) {
  std::vector<std::string_view> out;
  auto [first, last] = request.equal_range(bhttp::field::transfer_encoding);
  for (auto it = first; it != last; ++it) {
    std::string_view value = it->value();
    while (!value.empty()) {
      auto comma = value.find(',');
      auto element = trim_ows(value.substr(0, comma));
      if (!element.empty()) out.push_back(element);
      value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    }
  }
  return out;
}

FramingProblem bad(std::string message) { return {400, "bad_transfer_encoding", std::move(message)}; }

}  // namespace

std::optional<FramingProblem> framing_problem(const Request& request) {
  if (request.find(bhttp::field::transfer_encoding) == request.end()) return std::nullopt;
  if (request.version() < 11) return bad("Transfer-Encoding in an HTTP/1.0 request");
  auto list = codings(request);
  if (list.empty() || !boost::beast::iequals(list.back(), "chunked"))
    return bad("the final transfer coding must be chunked: the body length cannot be determined");
  for (std::size_t i = 0; i + 1 < list.size(); ++i) {
    if (boost::beast::iequals(list[i], "chunked")) return bad("chunked is applied more than once");
    std::string coding(list[i].substr(0, 64));
    for (auto& c : coding) {
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') c = '?';  // it is quoted in a JSON string
    }
    return FramingProblem{501, "unsupported_transfer_coding",
                          fmt::format("transfer coding '{}' is not supported (only chunked)", coding)};
  }
  if (request.find(bhttp::field::content_length) != request.end())
    return bad("both Transfer-Encoding and Content-Length");
  return std::nullopt;
}

}  // namespace aisbf::http
