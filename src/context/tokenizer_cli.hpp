// `aisbf tokenize`: the tokenizer on the command line, one JSON line in, one
// out, so that a test can compare it with the npm `tiktoken` package through
// the real binary on any bytes (base64 in, so invalid UTF-8 arrives intact).
#pragma once

#include <iosfwd>
#include <string_view>

namespace aisbf::context {

// Reads lines `{"b64":"<bytes>"}` from `in` and writes `{"ids":[...]}` per
// line (tiktoken's `encode_ordinary`), or `{"error":"..."}` for a line it
// cannot read. Returns the exit status: 0, 1 when a line was bad, 2 when the
// encoding is unknown or its rank file does not load (the reason on `err`).
int run_tokenize(std::string_view encoding, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace aisbf::context
