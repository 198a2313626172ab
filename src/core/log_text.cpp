#include "core/log_text.hpp"

#include <fmt/format.h>

#include "core/redact.hpp"

namespace aisbf {

namespace {

// The escape for byte `c`, written to `out`; its length (0: `c` is plain).
std::size_t escape(unsigned char c, char (&out)[4]) {
  switch (c) {
    case '\n': out[0] = '\\', out[1] = 'n'; return 2;
    case '\r': out[0] = '\\', out[1] = 'r'; return 2;
    case '\t': out[0] = '\\', out[1] = 't'; return 2;
    case '\\': out[0] = '\\', out[1] = '\\'; return 2;
    default: break;
  }
  if (c >= 0x20 && c != 0x7f) return 0;
  static constexpr char kHex[] = "0123456789abcdef";
  out[0] = '\\', out[1] = 'x', out[2] = kHex[c >> 4], out[3] = kHex[c & 0xf];
  return 4;
}

// Bytes of the UTF-8 character starting with lead byte `c` (1 for anything
// that is not a lead byte: it is copied as one byte).
std::size_t char_bytes(unsigned char c) {
  if (c >= 0xf0 && c <= 0xf4) return 4;
  if (c >= 0xe0) return 3;
  if (c >= 0xc2 && c <= 0xdf) return 2;
  return 1;
}

}  // namespace

std::string log_text(std::string_view raw, std::size_t max) {
  // Secrets first (core/redact.hpp: Bearer credentials, api_key/key/token/
  // password values, provider keys): an upstream's error may quote the key
  // it refused, a URL may carry key=…
  const std::string redacted = redact_text(raw);
  const std::string_view text = redacted;
  std::size_t escaped = 0;
  char esc[4];
  for (char c : text) {
    const std::size_t n = escape(static_cast<unsigned char>(c), esc);
    escaped += n != 0 ? n : 1;
  }
  // Cut texts keep room for the "…(N bytes)" marker.
  constexpr std::size_t kMarker = 32;  // "…(" + 20 digits + " bytes)" at most
  const bool cut = escaped > max;
  const std::size_t budget = !cut ? escaped : max > kMarker ? max - kMarker : 0;
  std::string out;
  out.reserve(budget + (cut ? kMarker : 0));
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = escape(c, esc);
    const std::size_t len = n != 0 ? 1 : std::min(char_bytes(c), text.size() - i);
    if (out.size() + (n != 0 ? n : len) > budget) break;
    if (n != 0) {
      out.append(esc, n);
    } else {
      out.append(text.data() + i, len);
    }
    i += len;
  }
  if (cut) out += fmt::format("…({} bytes)", raw.size());
  return out;
}

}  // namespace aisbf
