#include "context/tokenizer_ascii_split.hpp"

#include <cstdint>

namespace aisbf::context {
namespace {

// A position the matcher had to read: the byte's class, or past the end.
enum class Kind : std::uint8_t { end, upper, lower, digit, newline, space, other, beyond };

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  // `beyond` (not ASCII) makes the whole answer undecided.
  Kind at(std::size_t i) const {
    if (i >= text_.size()) return Kind::end;
    auto c = static_cast<unsigned char>(text_[i]);
    if (c >= 0x80) return Kind::beyond;
    if (c >= 'A' && c <= 'Z') return Kind::upper;
    if (c >= 'a' && c <= 'z') return Kind::lower;
    if (c >= '0' && c <= '9') return Kind::digit;
    if (c == '\r' || c == '\n') return Kind::newline;
    if (c == ' ' || (c >= '\t' && c <= '\f')) return Kind::space;
    return Kind::other;
  }
  char byte(std::size_t i) const { return text_[i]; }

  // The end of the run from `i` of kinds accepted by `in`; npos when a byte
  // past ASCII stops it (it might belong to the run).
  template <class Pred>
  std::size_t run(std::size_t i, Pred in) const {
    for (;; ++i) {
      Kind k = at(i);
      if (k == Kind::beyond) return std::string_view::npos;
      if (!in(k)) return i;
    }
  }

  // (?i:'s|'t|'re|'ve|'m|'ll|'d) at `i`: its end, `i` when none, npos when undecided.
  std::size_t contraction(std::size_t i) const {
    if (at(i) != Kind::other || byte(i) != '\'') return i;
    Kind k1 = at(i + 1);
    if (k1 == Kind::beyond) return std::string_view::npos;
    if (k1 != Kind::upper && k1 != Kind::lower) return i;
    char a = lower(byte(i + 1));
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
    if (a != 'r' && a != 'v' && a != 'l') return i;
    Kind k2 = at(i + 2);
    if (k2 == Kind::beyond) return std::string_view::npos;
    if (k2 != Kind::upper && k2 != Kind::lower) return i;
    return lower(byte(i + 2)) == (a == 'l' ? 'l' : 'e') ? i + 3 : i;
  }

 private:
  static char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
  std::string_view text_;
};

constexpr std::size_t npos = std::string_view::npos;
constexpr auto is_letter = [](Kind k) { return k == Kind::upper || k == Kind::lower; };
constexpr auto is_upper = [](Kind k) { return k == Kind::upper; };
constexpr auto is_lower = [](Kind k) { return k == Kind::lower; };
constexpr auto is_other = [](Kind k) { return k == Kind::other; };
constexpr auto is_white = [](Kind k) { return k == Kind::space || k == Kind::newline; };

// [^\r\n\p{L}\p{N}]: the optional first character of a word.
bool is_prefix(Kind k) { return k == Kind::space || k == Kind::other; }

std::size_t digits(const Scanner& s, std::size_t at) {
  std::size_t i = at + 1;
  for (; i < at + 3; ++i) {
    Kind k = s.at(i);
    if (k == Kind::beyond) return npos;
    if (k != Kind::digit) break;
  }
  return i;
}

// ` ?[^\s\p{L}\p{N}]+` then `tail`* (cl100k: [\r\n]; o200k: [\r\n/]); 0 when
// it does not match.
std::size_t punctuation(const Scanner& s, std::size_t at, bool slash_too) {
  std::size_t i = at;
  if (s.at(i) == Kind::space && s.byte(i) == ' ') {
    Kind next = s.at(i + 1);
    if (next == Kind::beyond) return npos;
    if (next != Kind::other) return 0;
    ++i;
  }
  if (s.at(i) != Kind::other) return 0;
  i = s.run(i, is_other);
  if (i == npos) return npos;
  while (s.at(i) == Kind::newline || (slash_too && s.at(i) == Kind::other && s.byte(i) == '/')) ++i;
  return i;
}

// `\s*[\r\n]+|\s+(?!\S)|\s+` at a space or newline.
std::size_t whitespace(const Scanner& s, std::size_t at) {
  std::size_t end = s.run(at, is_white);
  if (end == npos) return npos;
  for (std::size_t i = end; i > at; --i) {
    if (s.at(i - 1) == Kind::newline) return i;  // through the last newline of the run
  }
  if (s.at(end) == Kind::end) return end;
  return end - at >= 2 ? end - 1 : end;  // the last space goes with what follows
}

// cl100k_base: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
std::size_t cl100k_end(const Scanner& s, std::size_t at) {
  Kind c = s.at(at);
  std::size_t end = s.contraction(at);
  if (end != at) return end;
  if (is_letter(c)) return s.run(at, is_letter);
  if (is_prefix(c)) {
    Kind next = s.at(at + 1);
    if (next == Kind::beyond) return npos;
    if (is_letter(next)) return s.run(at + 1, is_letter);
  }
  if (c == Kind::digit) return digits(s, at);
  end = punctuation(s, at, false);
  return end != 0 ? end : whitespace(s, at);
}

// The two word alternatives of o200k_base, from `start` (a letter):
// U*L+C? where U is upper case, L lower case and C a contraction, else U+L*C?
// (in ASCII no letter is both, so neither needs to backtrack).
std::size_t o200k_word(const Scanner& s, std::size_t start) {
  std::size_t end = s.run(start, is_upper);
  if (end == npos) return npos;
  if (s.at(end) == Kind::lower) end = s.run(end, is_lower);
  return end == npos ? npos : s.contraction(end);
}

// o200k_base: the two word alternatives, each after an optional
// [^\r\n\p{L}\p{N}], then \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]* and the
// three whitespace alternatives of cl100k_base.
std::size_t o200k_end(const Scanner& s, std::size_t at) {
  Kind c = s.at(at);
  if (is_letter(c)) return o200k_word(s, at);
  if (is_prefix(c)) {
    Kind next = s.at(at + 1);
    if (next == Kind::beyond) return npos;
    if (is_letter(next)) return o200k_word(s, at + 1);
  }
  if (c == Kind::digit) return digits(s, at);
  std::size_t end = punctuation(s, at, true);
  return end != 0 ? end : whitespace(s, at);
}

}  // namespace

std::size_t ascii_piece_end(Encoding encoding, std::string_view text, std::size_t at) {
  Scanner scanner(text);
  if (scanner.at(at) == Kind::beyond || scanner.at(at) == Kind::end) return kAsciiUndecided;
  std::size_t end = encoding == Encoding::cl100k_base ? cl100k_end(scanner, at) : o200k_end(scanner, at);
  return end == npos ? kAsciiUndecided : end;
}

}  // namespace aisbf::context
