#include "cache/entry.hpp"

#include <array>
#include <charconv>

namespace aisbf::cache {

// The layout, after the magic, one field per line:
//   "s" (a stream) or "w" (a whole body)
//   the usage, space-separated: prompt completion total cached cache_write
//   reasoning, then 1 when the upstream reported it (else 0: all zero)
//   the id, the provider, the model, the model asked for
// then the body to the end.

namespace {

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// The next line of `rest` (without its '\n'); false when there is none.
bool take_line(std::string_view& rest, std::string_view& line) {
  const auto eol = rest.find('\n');
  if (eol == std::string_view::npos) return false;
  line = rest.substr(0, eol);
  rest.remove_prefix(eol + 1);
  return true;
}

bool read_counts(std::string_view line, ScannedUsage& u) {
  std::int64_t reported = 0;
  std::array<std::int64_t*, 7> counts = {&u.prompt_tokens,  &u.completion_tokens,  &u.total_tokens,    &u.cached_tokens,
                                         &u.cache_write_tokens, &u.reasoning_tokens, &reported};
  const char* at = line.data();
  const char* end = line.data() + line.size();
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (i > 0) {
      if (at == end || *at != ' ') return false;
      ++at;
    }
    const auto [next, ec] = std::from_chars(at, end, *counts[i]);
    if (ec != std::errc() || *counts[i] < 0) return false;
    at = next;
  }
  u.reported = reported == 1;
  return at == end && reported <= 1;
}

}  // namespace

std::string encode_entry(const StoredAnswer& answer) {
  if (has_line_break(answer.id) || has_line_break(answer.provider) || has_line_break(answer.model) ||
      has_line_break(answer.asked)) {
    return {};
  }
  const ScannedUsage& u = answer.usage;
  std::string out;
  out.reserve(kEntryMagic.size() + 128 + answer.id.size() + answer.provider.size() + answer.model.size() +
              answer.asked.size() + answer.body.size());
  out += kEntryMagic;
  out += answer.streamed ? "s\n" : "w\n";
  for (const std::int64_t n : {u.prompt_tokens, u.completion_tokens, u.total_tokens, u.cached_tokens,
                               u.cache_write_tokens, u.reasoning_tokens, std::int64_t{u.reported ? 1 : 0}}) {
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n < 0 ? 0 : n);
    out.append(digits, end);
    out += ' ';
  }
  out.back() = '\n';
  ((out += answer.id) += '\n');
  ((out += answer.provider) += '\n');
  ((out += answer.model) += '\n');
  ((out += answer.asked) += '\n');
  out += answer.body;
  return out;
}

std::optional<StoredAnswer> decode_entry(std::string_view bytes) {
  if (bytes.substr(0, kEntryMagic.size()) != kEntryMagic) return std::nullopt;
  std::string_view rest = bytes.substr(kEntryMagic.size());
  StoredAnswer a;
  std::string_view shape, counts;
  if (!take_line(rest, shape) || (shape != "s" && shape != "w")) return std::nullopt;
  a.streamed = shape == "s";
  if (!take_line(rest, counts) || !read_counts(counts, a.usage)) return std::nullopt;
  if (!take_line(rest, a.id) || !take_line(rest, a.provider) || !take_line(rest, a.model) ||
      !take_line(rest, a.asked)) {
    return std::nullopt;
  }
  if (rest.empty()) return std::nullopt;  // an answer has a body
  a.body = rest;
  return a;
}

}  // namespace aisbf::cache
