#include "context/request_split_text.hpp"

#include <algorithm>
#include <initializer_list>

namespace aisbf::context {

namespace {

bool continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::size_t next_char(std::string_view text, std::size_t pos) {
  ++pos;
  while (pos < text.size() && continuation_byte(text[pos])) ++pos;
  return pos;
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The end just after the last of `marks` in text[lo, hi), npos when none.
std::size_t after_last(std::string_view text, std::size_t lo, std::size_t hi,
                       std::initializer_list<std::string_view> marks) {
  std::size_t best = std::string_view::npos;
  const std::string_view window = text.substr(lo, hi - lo);
  for (std::string_view mark : marks) {
    const std::size_t at = window.rfind(mark);
    if (at == std::string_view::npos) continue;
    const std::size_t end = lo + at + mark.size();
    if (best == std::string_view::npos || end > best) best = end;
  }
  return best;
}

// A paragraph's end, else a sentence's, else a word's, in text[lo, hi).
std::size_t natural_end(std::string_view text, std::size_t lo, std::size_t hi) {
  if (lo >= hi) return std::string_view::npos;
  if (auto end = after_last(text, lo, hi, {"\n\n"}); end != std::string_view::npos) return end;
  if (auto end = after_last(text, lo, hi, {". ", "! ", "? ", ".\n", "!\n", "?\n", "\n"}); end != std::string_view::npos)
    return end;
  return after_last(text, lo, hi, {" ", "\t"});
}

// The largest character boundary that fits, given that lo fits: doubling
// steps from lo (so that a long rest is never counted whole: each probe
// costs its length), then bisection.
std::size_t largest_fitting(std::string_view text, std::size_t lo, const std::function<bool(std::size_t)>& fits) {
  if (lo >= text.size()) return lo;
  std::size_t hi = text.size();
  for (std::size_t step = 256;; step *= 2) {
    const std::size_t at = lo + step >= text.size() ? text.size() : char_start(text, lo + step);
    if (at <= lo) continue;
    if (!fits(at)) {
      hi = at;
      break;
    }
    lo = at;
    if (at == text.size()) return at;
  }
  while (true) {
    std::size_t mid = char_start(text, lo + (hi - lo) / 2);
    if (mid <= lo) mid = next_char(text, lo);
    if (mid >= hi) return lo;
    if (fits(mid)) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
}

}  // namespace

std::size_t char_start(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return text.size();
  while (pos > 0 && continuation_byte(text[pos])) --pos;
  return pos;
}

namespace {

// The cut at `guess`, moved back to a natural end in its second half, when
// that fits; a few shorter tries (1/16 less each) where the text's own
// encoding ran a little past what the piece alone counts. npos: none fits.
std::size_t cut_near(std::string_view text, std::size_t from, std::size_t guess,
                     const std::function<bool(std::size_t)>& fits) {
  std::size_t end = char_start(text, std::min(guess, text.size()));
  for (int tries = 0; tries < 4 && end > from; ++tries) {
    std::size_t cut = end;
    if (end < text.size()) {
      const std::size_t natural = natural_end(text, from + (end - from) / 2, end);
      if (natural != std::string_view::npos && natural > from) cut = natural;
    }
    if (fits(cut)) return cut;
    end = char_start(text, from + (end - from) * 15 / 16);
  }
  return std::string_view::npos;
}

}  // namespace

std::size_t fitting_end(std::string_view text, std::size_t from, const std::function<bool(std::size_t end)>& fits,
                        std::optional<std::size_t> guess) {
  if (from >= text.size()) return from;
  if (guess && *guess > from) {
    if (const std::size_t cut = cut_near(text, from, *guess, fits); cut != std::string_view::npos) return cut;
  }
  const std::size_t first = next_char(text, from);
  if (!fits(first)) return from;
  const std::size_t end = largest_fitting(text, first, fits);
  if (end == text.size()) return end;
  const std::size_t natural = natural_end(text, from + (end - from) / 2, end);
  if (natural != std::string_view::npos && natural > from && fits(natural)) return natural;
  return end;
}

std::size_t overlap_start(std::string_view text, std::size_t lo, std::size_t end, std::int64_t overlap,
                          const std::function<std::int64_t(std::string_view)>& tokens) {
  if (overlap <= 0 || end <= lo) return end;
  // No token of either encoding is near 64 bytes on average: the search
  // stays within the overlap's reach (past it, the overlap is only shorter).
  const auto reach = static_cast<std::size_t>(std::min<std::int64_t>(overlap, 1 << 20)) * 64;
  if (end - lo > reach) lo = char_start(text, end - reach);
  std::size_t good = end;  // its tail (nothing) is within the overlap
  if (tokens(text.substr(lo, end - lo)) <= overlap) {
    good = lo;
  } else {
    std::size_t bad = lo;
    while (true) {
      std::size_t mid = char_start(text, bad + (good - bad) / 2);
      if (mid <= bad) mid = next_char(text, bad);
      if (mid >= good) break;
      if (tokens(text.substr(mid, end - mid)) <= overlap) {
        good = mid;
      } else {
        bad = mid;
      }
    }
  }
  // Start at a word when the overlap begins inside one and holds another.
  if (good > lo && good < end && !blank(text[good - 1])) {
    for (std::size_t i = good; i + 1 < end; ++i) {
      if (blank(text[i]) && !blank(text[i + 1])) return i + 1;
    }
  }
  return good;
}

}  // namespace aisbf::context
