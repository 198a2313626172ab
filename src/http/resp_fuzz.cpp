// libFuzzer target for resp::Parser (run by scripts/fuzz.sh; seeds in
// tests/fixtures/resp/, each starting with the cut byte).
//
// The first input byte picks where the rest is cut in two feeds, and a small
// set of limits. Checked:
//   - the replies, and whether the parser failed, do not depend on the cut;
//   - under small limits, the replies before a failure are those that the
//     default limits give, and no reply breaks a limit;
//   - the parser never holds more than it was fed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "http/resp.hpp"

namespace {

using aisbf::resp::Limits;
using aisbf::resp::Parser;
using aisbf::resp::Reply;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "resp_fuzz: %s\n", what);
  std::abort();
}

// The first n replies of both are equal.
bool same(const std::vector<Reply>& a, const std::vector<Reply>& b, std::size_t n) {
  return a.size() >= n && b.size() >= n && std::equal(a.begin(), a.begin() + n, b.begin());
}

std::size_t depth_of(const Reply& r) {
  std::size_t d = 0;
  for (const auto& e : r.elements) d = std::max(d, depth_of(e) + 1);
  return d;
}

struct Run {
  std::vector<Reply> replies;
  bool failed = false;
};

Run parse(std::string_view input, std::size_t cut, const Limits& limits) {
  Parser parser(limits);
  Run run;
  const std::string_view pieces[] = {input.substr(0, cut), input.substr(cut)};
  std::size_t fed = 0;
  for (const std::string_view piece : pieces) {
    parser.feed(piece);
    fed += piece.size();
    check(parser.buffered() <= fed, "holds more than it was fed");
    Reply r;
    Parser::Status s;
    while ((s = parser.next(r)) == Parser::Status::reply) run.replies.push_back(r);
    if (s == Parser::Status::error) {
      check(!parser.error_message().empty(), "failed without a message");
      run.failed = true;
      break;
    }
  }
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t cut = static_cast<std::size_t>(data[0]) * input.size() / 255;

  const Limits wide{};
  const Run split = parse(input, cut, wide);
  const Run whole = parse(input, input.size(), wide);
  check(split.failed == whole.failed, "failure depends on where the input was cut");
  check(split.replies.size() == whole.replies.size(), "reply count depends on where the input was cut");
  check(same(split.replies, whole.replies, whole.replies.size()), "replies depend on where the input was cut");

  const Limits small{.max_reply_bytes = 8u + data[0] % 64, .max_depth = 1u + data[0] % 4, .max_elements = data[0] % 16u};
  const Run narrow = parse(input, cut, small);
  check(narrow.replies.size() <= whole.replies.size(), "small limits gave more replies");
  check(same(narrow.replies, whole.replies, narrow.replies.size()), "small limits changed the replies before a failure");
  if (!narrow.failed) check(narrow.replies.size() == whole.replies.size(), "small limits dropped replies without failing");
  for (const auto& r : narrow.replies) {
    check(depth_of(r) <= small.max_depth, "a reply deeper than max_depth");
    check(r.str.size() <= small.max_reply_bytes, "a string larger than max_reply_bytes");
  }
  return 0;
}
