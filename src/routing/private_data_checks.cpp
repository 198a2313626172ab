// The checksums that tell a card, an IBAN or a codice fiscale from any
// string of the same shape.
#include <array>

#include "routing/private_data.hpp"

namespace aisbf::routing {

bool luhn_valid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return false;
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

namespace {

// ISO 13616: letters count as 10..35, the four leading characters move to
// the end, and the whole number is 1 modulo 97.
int mod97_append(int rem, char c) {
  if (c >= '0' && c <= '9') return (rem * 10 + (c - '0')) % 97;
  const int v = c - 'A' + 10;
  return (rem * 100 + v) % 97;
}

}  // namespace

bool iban_valid(std::string_view compact) {
  if (compact.size() < 15 || compact.size() > 34) return false;
  for (std::size_t i = 0; i < compact.size(); ++i) {
    const char c = compact[i];
    const bool upper = c >= 'A' && c <= 'Z', digit = c >= '0' && c <= '9';
    if (i < 2 ? !upper : i < 4 ? !digit : !(upper || digit)) return false;
  }
  int rem = 0;
  for (char c : compact.substr(4)) rem = mod97_append(rem, c);
  for (char c : compact.substr(0, 4)) rem = mod97_append(rem, c);
  return rem == 1;
}

namespace {

// The letters that stand for digits in a codice fiscale whose digits were
// changed to tell two people apart (omocodia).
bool cf_digit(char c) {
  return (c >= '0' && c <= '9') || std::string_view("LMNPQRSTUV").find(c) != std::string_view::npos;
}

bool upper(char c) { return c >= 'A' && c <= 'Z'; }

// The value of the characters in odd positions (1st, 3rd, …) for the check
// letter (DM 23/12/1976): digits share the letters' values, A=0 and 0=1 …
constexpr std::array<int, 26> kOddValues = {1,  0,  5,  7,  9,  13, 15, 17, 19, 21, 2,  4,  18,
                                            20, 11, 3,  6,  8,  12, 14, 16, 10, 22, 25, 24, 23};

int cf_odd(char c) { return kOddValues[static_cast<std::size_t>(c >= 'A' ? c - 'A' : c - '0')]; }
int cf_even(char c) { return c >= 'A' ? c - 'A' : c - '0'; }

}  // namespace

bool codice_fiscale_valid(std::string_view s) {
  if (s.size() != 16) return false;
  // Surname and name (6 letters), year (2), month letter, day (2), place
  // (letter and 3), check letter.
  for (std::size_t i : {0, 1, 2, 3, 4, 5, 8, 11, 15}) {
    if (!upper(s[i])) return false;
  }
  for (std::size_t i : {6, 7, 9, 10, 12, 13, 14}) {
    if (!cf_digit(s[i])) return false;
  }
  if (std::string_view("ABCDEHLMPRST").find(s[8]) == std::string_view::npos) return false;
  int sum = 0;
  for (std::size_t i = 0; i < 15; ++i) sum += i % 2 == 0 ? cf_odd(s[i]) : cf_even(s[i]);
  return s[15] == static_cast<char>('A' + sum % 26);
}

}  // namespace aisbf::routing
