#include "auth/sodium_init.hpp"

#include <sodium.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace aisbf::auth {

void ensure_sodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fputs("aisbf: libsodium failed to initialise (no system randomness)\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

bool equal_bytes_ct(const unsigned char* a, const unsigned char* b, unsigned long n) {
  std::uint64_t acc = 0;
  unsigned long i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x = 0, y = 0;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    acc |= x ^ y;
  }
  for (; i < n; ++i) acc |= static_cast<std::uint64_t>(a[i] ^ b[i]);
  // An opaque barrier: the compiler may not turn the OR above into an early exit.
  __asm__ volatile("" : "+r"(acc));
  return acc == 0;
}

}  // namespace aisbf::auth
