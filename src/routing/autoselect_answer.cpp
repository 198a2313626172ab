#include "routing/autoselect_answer.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace aisbf::routing {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Case-insensitive find of an ASCII needle.
std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from = 0) {
  if (needle.size() > hay.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

// The answer without its reasoning, in one pass per tag name. A close tag
// with no open tag before it (some APIs strip the opening <think>) drops
// everything before it.
std::string without_reasoning(std::string_view text) {
  static constexpr std::array<std::string_view, 3> kNames = {"think", "thinking", "reasoning"};
  std::string out(text);
  for (auto name : kNames) {
    const std::string open = "<" + std::string(name) + ">", close = "</" + std::string(name) + ">";
    std::string_view rest = out;
    const auto first_close = ifind(rest, close), first_open = ifind(rest, open);
    if (first_close != std::string_view::npos && (first_open == std::string_view::npos || first_close < first_open)) {
      rest.remove_prefix(first_close + close.size());
    }
    std::string kept;
    for (auto at = ifind(rest, open); at != std::string_view::npos; at = ifind(rest, open)) {
      kept.append(rest.substr(0, at));
      const auto end = ifind(rest, close, at + open.size());
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + close.size());
    }
    kept.append(rest);
    out = std::move(kept);
  }
  return out;
}

std::string_view trimmed(std::string_view s) {
  // Ids neither start nor end with a period ("gpt-4.1" keeps its own).
  static constexpr std::string_view kJunk = " \t\r\n`'\"*{}[].";
  const auto b = s.find_first_not_of(kJunk);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kJunk) - b + 1);
}

std::optional<std::string> named(std::string_view s, std::span<const std::string> candidates) {
  const auto id = trimmed(s);
  if (id.empty()) return std::nullopt;
  const auto it = std::find(candidates.begin(), candidates.end(), id);
  if (it == candidates.end()) return std::nullopt;
  return *it;
}

std::optional<std::string> from_tags(std::string_view text, std::span<const std::string> candidates) {
  static constexpr std::string_view kOpen = "<aisbf_model_autoselection>", kClose = "</aisbf_model_autoselection>";
  std::optional<std::string> last;
  for (auto at = ifind(text, kOpen); at != std::string_view::npos; at = ifind(text, kOpen, at + 1)) {
    const auto from = at + kOpen.size();
    const auto end = ifind(text, kClose, from);
    if (end == std::string_view::npos) break;
    if (auto id = named(text.substr(from, end - from), candidates)) last = std::move(id);
  }
  return last;
}

// A JSON string value at `at` (just past its opening quote), with the
// escapes model ids could need; nullopt at an unterminated string.
std::optional<std::string> json_string(std::string_view text, std::size_t at) {
  std::string out;
  for (std::size_t i = at; i < text.size(); ++i) {
    if (text[i] == '"') return out;
    if (text[i] == '\\' && i + 1 < text.size()) {
      ++i;
      out += text[i] == 'n' ? '\n' : text[i] == 't' ? '\t' : text[i];
    } else {
      out += text[i];
    }
  }
  return std::nullopt;
}

std::optional<std::string> from_json(std::string_view text, std::span<const std::string> candidates) {
  for (std::string_view key : {"\"model\"", "\"model_id\""}) {
    for (auto at = text.find(key); at != std::string_view::npos; at = text.find(key, at + 1)) {
      auto i = at + key.size();
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      if (i >= text.size() || text[i] != ':') continue;
      ++i;
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      if (i >= text.size() || text[i] != '"') continue;
      const auto value = json_string(text, i + 1);
      if (!value) continue;
      if (auto id = named(*value, candidates)) return id;
    }
  }
  return std::nullopt;
}

std::optional<std::string> from_lines(std::string_view text, std::span<const std::string> candidates) {
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (auto id = named(text.substr(start, end - start), candidates)) return id;
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> parse_autoselect_answer(std::string_view answer, std::span<const std::string> candidates) {
  const std::string text = without_reasoning(answer);
  if (auto id = from_tags(text, candidates)) return id;
  if (auto id = from_json(text, candidates)) return id;
  return from_lines(text, candidates);
}

}  // namespace aisbf::routing
