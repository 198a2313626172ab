// libsodium's one-time initialisation, shared by the auth primitives. Internal
// to auth/: callers of the public headers never need it.
#pragma once

namespace aisbf::auth {

// Runs sodium_init() once (thread-safe); aborts when the system gives no
// randomness, since no secret could be made safely after that.
void ensure_sodium();

// True when the `n` bytes at `a` and `b` are equal, in time that depends on
// `n` only: eight bytes per step, no early exit (cheaper than sodium_memcmp's
// byte loop on the request path).
bool equal_bytes_ct(const unsigned char* a, const unsigned char* b, unsigned long n);

}  // namespace aisbf::auth
