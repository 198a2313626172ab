#include "context/condense_text.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace aisbf::context {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// Calls `fn(line)` for each line (without its '\n'); a final line without
// one counts too, an empty text has no lines.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    fn(text.substr(start, end - start));
    start = end + 1;
  }
}

std::string cut(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return std::string(utf8_prefix(text, max_bytes)) + "…";
}

bool is_fence(std::string_view line) {
  std::size_t indent = 0;
  while (indent < line.size() && indent < 3 && line[indent] == ' ') ++indent;
  line.remove_prefix(indent);
  return line.starts_with("```") || line.starts_with("~~~");
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // not inside a character
  return text.substr(0, n);
}

std::string first_line(std::string_view text, std::size_t max_bytes) {
  std::string_view found;
  for_each_line(text, [&](std::string_view line) {
    if (found.empty()) found = trim(line);
  });
  return cut(found, max_bytes);
}

std::string first_sentence(std::string_view text, std::size_t max_bytes) {
  std::string line = first_line(text, std::numeric_limits<std::size_t>::max());
  std::string_view s = line;
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if ((s[i] == '.' || s[i] == '!' || s[i] == '?') && s[i + 1] == ' ') {
      s = s.substr(0, i + 1);
      break;
    }
  }
  return cut(s, max_bytes);
}

std::size_t line_count(std::string_view text) {
  if (text.empty()) return 0;
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + (text.back() == '\n' ? 0 : 1);
}

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t blank_run = 0;
  bool first = true;
  for_each_line(text, [&](std::string_view line) {
    while (!line.empty() && is_blank(line.back())) line.remove_suffix(1);
    blank_run = line.empty() ? blank_run + 1 : 0;
    if (blank_run > 1) return;
    if (!first) out += '\n';
    first = false;
    std::size_t indent = 0;
    while (indent < line.size() && is_blank(line[indent])) ++indent;
    out.append(line.substr(0, indent));
    for (std::size_t i = indent; i < line.size(); ++i) {
      if (line[i] == ' ' && !out.empty() && out.back() == ' ' && i > indent) continue;
      out += line[i];
    }
  });
  if (!text.empty() && text.back() == '\n' && blank_run <= 1) out += '\n';
  return out;
}

std::string collapse_repeated_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for_each_line(text, [&](std::string_view line) { lines.push_back(line); });
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < lines.size();) {
    std::size_t j = i + 1;
    while (j < lines.size() && lines[j] == lines[i]) ++j;
    if (i > 0) out += '\n';
    out.append(lines[i]);
    if (j - i >= 3) {
      out += fmt::format("\n[previous line repeated {} more times]", j - i - 1);
    } else {
      for (std::size_t k = i + 1; k < j; ++k) out.append("\n").append(lines[k]);
    }
    i = j;
  }
  if (!text.empty() && text.back() == '\n') out += '\n';
  return out;
}

std::string head_and_tail(std::string_view text, std::size_t head_bytes, std::size_t tail_bytes) {
  if (text.size() <= head_bytes + tail_bytes + 64) return std::string(text);
  // The head ends after the last line break within head_bytes (or mid-line
  // when the first line alone is longer); the tail likewise from the end.
  std::string_view head = utf8_prefix(text, head_bytes);
  if (auto nl = head.rfind('\n'); nl != std::string_view::npos) head = head.substr(0, nl + 1);
  std::size_t tail_start = text.size() - tail_bytes;
  while (tail_start < text.size() && (static_cast<unsigned char>(text[tail_start]) & 0xC0) == 0x80) ++tail_start;
  if (auto nl = text.find('\n', tail_start); nl != std::string_view::npos && nl + 1 < text.size()) tail_start = nl + 1;
  std::string_view middle = text.substr(head.size(), tail_start - head.size());
  std::size_t lines = line_count(middle);
  std::string marker = fmt::format("[… {} line{}, {} bytes omitted …]", lines, lines == 1 ? "" : "s", middle.size());
  std::string out;
  out.reserve(head.size() + marker.size() + text.size() - tail_start + 2);
  out.append(head);
  if (!head.empty() && head.back() != '\n') out += '\n';
  out += marker;
  out += '\n';
  out.append(text.substr(tail_start));
  return out.size() < text.size() ? out : std::string(text);
}

std::vector<TextSegment> split_fenced_code(std::string_view text) {
  std::vector<TextSegment> segments;
  std::size_t segment_start = 0;
  bool in_code = false;
  std::size_t start = 0;
  auto close = [&](std::size_t end, bool code) {
    if (end > segment_start) segments.push_back({text.substr(segment_start, end - segment_start), code});
    segment_start = end;
  };
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
    if (is_fence(text.substr(start, next - start))) {
      if (!in_code) {
        close(start, false);
      } else {
        close(next, true);
      }
      in_code = !in_code;
    }
    start = next;
  }
  close(text.size(), in_code);
  return segments;
}

bool has_fenced_code(std::string_view text) {
  return text.find("```") != std::string_view::npos || text.find("~~~") != std::string_view::npos;
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

MinHash min_hash(std::string_view text) {
  MinHash out;
  out.slots.fill(std::numeric_limits<std::uint64_t>::max());
  std::array<std::uint64_t, 3> words{};
  std::size_t seen = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (is_blank(text[i]) || text[i] == '\n')) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_blank(text[i]) && text[i] != '\n') ++i;
    if (i == start) break;
    words = {words[1], words[2], fnv1a(text.substr(start, i - start))};
    if (++seen < 3) continue;
    std::uint64_t shingle = mix(words[0] ^ mix(words[1] ^ mix(words[2])));
    ++out.shingles;
    for (std::size_t k = 0; k < kMinHashSlots; ++k) {
      out.slots[k] = std::min(out.slots[k], mix(shingle + 0x9e3779b97f4a7c15ULL * (k + 1)));
    }
  }
  return out;
}

std::size_t equal_slots(const MinHash& a, const MinHash& b) {
  std::size_t n = 0;
  for (std::size_t k = 0; k < kMinHashSlots; ++k) n += a.slots[k] == b.slots[k] ? 1 : 0;
  return n;
}

}  // namespace aisbf::context
