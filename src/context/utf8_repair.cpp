#include "context/utf8_repair.hpp"

#include <cstdint>
#include <cstring>

namespace aisbf::context {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

struct Lead {
  int continuations;       // bytes that must follow; -1: never a valid lead
  std::uint8_t low, high;  // the range of the first continuation byte
};

Lead lead_of(std::uint8_t b) {
  if (b >= 0xC2 && b <= 0xDF) return {1, 0x80, 0xBF};
  if (b == 0xE0) return {2, 0xA0, 0xBF};
  if (b == 0xED) return {2, 0x80, 0x9F};  // no surrogates
  if (b >= 0xE1 && b <= 0xEF) return {2, 0x80, 0xBF};
  if (b == 0xF0) return {3, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {3, 0x80, 0xBF};
  if (b == 0xF4) return {3, 0x80, 0x8F};  // nothing past U+10FFFF
  return {-1, 0, 0};
}

// The length of the valid sequence at `i`, or 0 with `bad` set to the length
// of the maximal invalid subpart there.
std::size_t sequence_at(std::string_view s, std::size_t i, std::size_t& bad) {
  auto b = static_cast<std::uint8_t>(s[i]);
  if (b < 0x80) return 1;
  Lead lead = lead_of(b);
  bad = 1;
  if (lead.continuations < 0) return 0;
  for (int k = 1; k <= lead.continuations; ++k) {
    if (i + k >= s.size()) return 0;
    auto c = static_cast<std::uint8_t>(s[i + k]);
    std::uint8_t low = k == 1 ? lead.low : 0x80, high = k == 1 ? lead.high : 0xBF;
    if (c < low || c > high) return 0;
    bad = static_cast<std::size_t>(k) + 1;
  }
  return static_cast<std::size_t>(lead.continuations) + 1;
}

// The end of the ASCII run from `i`, eight bytes a step (most text is ASCII).
std::size_t skip_ascii(std::string_view s, std::size_t i) {
  for (std::uint64_t word = 0; i + 8 <= s.size(); i += 8) {
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ull) break;
  }
  while (i < s.size() && static_cast<std::uint8_t>(s[i]) < 0x80) ++i;
  return i;
}

}  // namespace

std::string_view repair_utf8(std::string_view text, std::string& scratch) {
  std::size_t i = 0, bad = 0;
  while ((i = skip_ascii(text, i)) < text.size()) {
    std::size_t len = sequence_at(text, i, bad);
    if (len == 0) break;
    i += len;
  }
  if (i == text.size()) return text;
  scratch.assign(text.substr(0, i));
  while (i < text.size()) {
    std::size_t len = sequence_at(text, i, bad);
    if (len > 0) {
      scratch.append(text.substr(i, len));
      i += len;
    } else {
      scratch.append(kReplacement);
      i += bad;
    }
  }
  return scratch;
}

}  // namespace aisbf::context
