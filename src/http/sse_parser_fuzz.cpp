// libFuzzer target for sse::Parser (run by scripts/fuzz.sh).
//
// The first input byte picks where the rest is cut in two feeds. Checked:
//   - every block's raw bytes, then partial(), are the input exactly;
//   - the fields of the blocks, has_partial() and (with a small limit) the
//     too_large verdict do not depend on where the input was cut;
//   - with a limit, the blocks handed out before too_large are the same as
//     without one.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "http/sse_parser.hpp"

namespace {

using aisbf::sse::Event;
using aisbf::sse::Parser;
using aisbf::sse::Status;

struct Block {
  std::string event, data, id;
  bool has_data = false;
  bool operator==(const Block&) const = default;
};

struct Run {
  std::vector<Block> blocks;
  std::string raw;   // every block's raw, concatenated
  std::string rest;  // partial() at the end
  bool has_partial = false;
  bool too_large = false;
};

Run parse(std::string_view input, std::size_t cut, std::size_t max) {
  Parser parser(max);
  Run run;
  const std::string_view pieces[] = {input.substr(0, cut), input.substr(cut)};
  for (const std::string_view piece : pieces) {
    parser.feed(piece);
    Event ev;
    Status s;
    while ((s = parser.next(ev)) == Status::event) {
      // Copy at once: the views last only until the next call.
      run.blocks.push_back({std::string(ev.event), std::string(ev.data), std::string(ev.id), ev.has_data});
      run.raw += ev.raw;
    }
    if (s == Status::too_large) {
      run.too_large = true;
      break;
    }
  }
  run.rest = std::string(parser.partial());
  run.has_partial = parser.has_partial();
  return run;
}

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "sse_parser_fuzz: %s\n", what);
  std::abort();
}

bool is_prefix(const std::vector<Block>& part, const std::vector<Block>& all) {
  if (part.size() > all.size()) return false;
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (!(part[i] == all[i])) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t cut = static_cast<std::size_t>(data[0]) * input.size() / 255;
  constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();

  const Run split = parse(input, cut, kNoLimit);
  check(!split.too_large, "too_large without a limit");
  check(split.raw + split.rest == input, "raw blocks + partial() differ from the input");

  const Run whole = parse(input, input.size(), kNoLimit);
  check(whole.raw + whole.rest == input, "raw blocks + partial() differ from the input (one feed)");
  check(split.blocks == whole.blocks, "blocks depend on where the input was cut");
  check(split.has_partial == whole.has_partial, "has_partial() depends on where the input was cut");

  // A small limit (0..63 bytes) so that too_large is reached often.
  const std::size_t limit = data[0] % 64;
  const Run small_split = parse(input, cut, limit);
  const Run small_whole = parse(input, input.size(), limit);
  check(small_split.too_large == small_whole.too_large, "too_large depends on where the input was cut");
  check(small_split.blocks == small_whole.blocks, "blocks under a limit depend on where the input was cut");
  check(is_prefix(small_whole.blocks, whole.blocks), "a limit changed the blocks before too_large");
  if (!small_whole.too_large) check(small_whole.blocks == whole.blocks, "a limit dropped blocks without too_large");
  return 0;
}
