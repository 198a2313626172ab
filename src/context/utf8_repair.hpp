// Invalid UTF-8 → U+FFFD, one replacement per maximal invalid subpart (the
// WHATWG decoder's rule, which Node's and browsers' TextDecoder follow). The
// split patterns match code points, so text must be valid before it is split;
// a client whose text went through any of those decoders sees the same tokens.
#pragma once

#include <string>
#include <string_view>

namespace aisbf::context {

// Returns `text` itself when it is valid UTF-8, else a repaired copy in `scratch`.
std::string_view repair_utf8(std::string_view text, std::string& scratch);

}  // namespace aisbf::context
