// One pass, no recursion, no allocation: containers are tracked with a
// 512-bit stack (bit set = object). Strings, where request bodies spend their
// bytes, are skipped eight bytes at a time until a byte that needs a look
// ('"', '\\', a control character or non-ASCII).
#include "core/json_scan.hpp"

#include <limits>

#include <array>
#include <cstring>

namespace aisbf::json_scan {

namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// Whether any of the eight bytes is '"', '\\', < 0x20 or >= 0x80.
inline bool has_special(std::uint64_t w) {
  const std::uint64_t quote = w ^ (kOnes * '"');
  const std::uint64_t slash = w ^ (kOnes * '\\');
  const std::uint64_t hits = ((quote - kOnes) & ~quote) | ((slash - kOnes) & ~slash) | ((w - kOnes * 0x20) & ~w) | w;
  return (hits & kHighs) != 0;
}

// Bytes that may appear unescaped in a string and need no further look.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses four hex digits at p (the caller checked they are in range).
inline bool hex4(const char* p, char32_t& out) {
  char32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const int d = hex_value(p[i]);
    if (d < 0) return false;
    v = (v << 4) | static_cast<char32_t>(d);
  }
  out = v;
  return true;
}

inline std::size_t encode_utf8(char32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

inline std::size_t utf8_at(const char* p, const char* end) {
  char32_t cp;
  return utf8_sequence(reinterpret_cast<const unsigned char*>(p), reinterpret_cast<const unsigned char*>(end), cp);
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : begin_(text.data()), end_(text.data() + text.size()), p_(begin_) {}

  // Scans the text; on_member (may be null) gets the root object's members.
  bool run(const MemberCallback* on_member);

  bool root_is_object() const { return root_is_object_; }
  ScanError error() const;
  ScanError not_object_error() const;

 private:
  bool fail(const char* at, const char* message) {
    err_at_ = at;
    err_message_ = message;
    return false;
  }
  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool scan_string();
  bool scan_number();
  bool scan_literal(std::string_view word);
  bool scan_scalar();
  bool scan_key(bool top, const char* message);
  ScanError make_error(const char* at, std::string message) const;

  const char* const begin_;
  const char* const end_;
  const char* p_;
  const char* root_ = nullptr;
  bool root_is_object_ = false;
  bool empty_ = false;
  const char* err_at_ = nullptr;
  const char* err_message_ = nullptr;
  // The root object's member being scanned.
  const char* key_begin_ = nullptr;
  const char* key_end_ = nullptr;
  const char* value_begin_ = nullptr;
};

bool Scanner::scan_string() {
  const char* open = p_;
  ++p_;
  for (;;) {
    while (end_ - p_ >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p_, 8);
      if (has_special(w)) break;
      p_ += 8;
    }
    while (p_ < end_ && kPlain[static_cast<unsigned char>(*p_)]) ++p_;
    if (p_ == end_) return fail(open, "unterminated string");
    const auto c = static_cast<unsigned char>(*p_);
    if (c == '"') {
      ++p_;
      return true;
    }
    if (c == '\\') {
      if (end_ - p_ < 2) return fail(open, "unterminated string");
      switch (p_[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          p_ += 2;
          continue;
        case 'u': {
          char32_t ignored;
          if (end_ - p_ < 6 || !hex4(p_ + 2, ignored)) {
            return fail(p_, "invalid \\u escape in string (expected 4 hex digits)");
          }
          p_ += 6;
          continue;
        }
        default:
          return fail(p_, "invalid escape sequence in string");
      }
    }
    if (c < 0x20) return fail(p_, "unescaped control character in string");
    const std::size_t n = utf8_at(p_, end_);
    if (n == 0) return fail(p_, "invalid UTF-8 in string");
    p_ += n;
  }
}

bool Scanner::scan_number() {
  const char* start = p_;
  if (*p_ == '-') {
    ++p_;
    if (p_ < end_ && *p_ == 'I') return fail(start, "Infinity is not valid JSON");
    if (p_ == end_ || !is_digit(*p_)) return fail(p_, "expected a digit after '-'");
  }
  if (*p_ == '0') {
    ++p_;
    if (p_ < end_ && is_digit(*p_)) return fail(start, "numbers must not have leading zeros");
  } else {
    while (p_ < end_ && is_digit(*p_)) ++p_;
  }
  if (p_ < end_ && *p_ == '.') {
    ++p_;
    if (p_ == end_ || !is_digit(*p_)) return fail(p_, "expected a digit after the decimal point");
    while (p_ < end_ && is_digit(*p_)) ++p_;
  }
  if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
    ++p_;
    if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (p_ == end_ || !is_digit(*p_)) return fail(p_, "expected a digit in the exponent");
    while (p_ < end_ && is_digit(*p_)) ++p_;
  }
  return true;
}

bool Scanner::scan_literal(std::string_view word) {
  if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) {
    return fail(p_, "invalid literal (expected true, false or null)");
  }
  p_ += word.size();
  return true;
}

bool Scanner::scan_scalar() {
  switch (*p_) {
    case '"': return scan_string();
    case 't': return scan_literal("true");
    case 'f': return scan_literal("false");
    case 'n': return scan_literal("null");
    case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
      return scan_number();
    case 'N': return fail(p_, "NaN is not valid JSON");
    case 'I': return fail(p_, "Infinity is not valid JSON");
    case '\'': return fail(p_, "single quotes are not valid JSON (use double quotes)");
    default: return fail(p_, "expected a JSON value");
  }
}

// At a key (whitespace skipped); leaves p_ at the member's value.
bool Scanner::scan_key(bool top, const char* message) {
  if (p_ == end_ || *p_ != '"') {
    if (p_ < end_ && *p_ == '\'') return fail(p_, "single quotes are not valid JSON (use double quotes)");
    return fail(p_, message);
  }
  const char* key = p_ + 1;
  if (!scan_string()) return false;
  if (top) {
    key_begin_ = key;
    key_end_ = p_ - 1;
  }
  skip_ws();
  if (p_ == end_ || *p_ != ':') return fail(p_, "expected ':' after object key");
  ++p_;
  skip_ws();
  if (top) value_begin_ = p_;
  return true;
}

bool Scanner::run(const MemberCallback* on_member) {
  std::uint64_t objects[kMaxDepth / 64] = {};  // bit d: the container at depth d+1 is an object
  std::size_t depth = 0;
  skip_ws();
  if (p_ == end_) {
    empty_ = true;
    return fail(p_, "empty input, expected a JSON value");
  }
  root_ = p_;
  root_is_object_ = *p_ == '{';
  if (!root_is_object_) on_member = nullptr;
  for (;;) {
    // A value starts at p_.
    if (p_ == end_) return fail(p_, "expected a JSON value");
    if (*p_ == '{' || *p_ == '[') {
      if (depth == kMaxDepth) return fail(p_, "nesting deeper than 512 levels");
      const bool object = *p_ == '{';
      const std::uint64_t bit = std::uint64_t{1} << (depth % 64);
      objects[depth / 64] = object ? (objects[depth / 64] | bit) : (objects[depth / 64] & ~bit);
      ++depth;
      ++p_;
      skip_ws();
      if (p_ < end_ && *p_ == (object ? '}' : ']')) {
        ++p_;
        --depth;
      } else if (object) {
        if (!scan_key(depth == 1, "expected a string key or '}'")) return false;
        continue;
      } else {
        continue;
      }
    } else if (!scan_scalar()) {
      return false;
    }
    // The value ending at p_ is complete: report it, then close finished containers.
    for (;;) {
      if (depth == 0) {
        skip_ws();
        if (p_ != end_) return fail(p_, "unexpected characters after the JSON value");
        return true;
      }
      if (depth == 1 && on_member) {
        (*on_member)(Member{std::string_view(key_begin_, static_cast<std::size_t>(key_end_ - key_begin_)),
                            static_cast<std::size_t>(value_begin_ - begin_), static_cast<std::size_t>(p_ - begin_)});
      }
      skip_ws();
      const bool object = (objects[(depth - 1) / 64] >> ((depth - 1) % 64)) & 1;
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        skip_ws();
        if (object) {
          if (p_ < end_ && *p_ == '}') return fail(p_, "trailing comma before '}'");
          if (!scan_key(depth == 1, "expected a string key after ','")) return false;
        } else if (p_ < end_ && *p_ == ']') {
          return fail(p_, "trailing comma before ']'");
        }
        break;  // the next value
      }
      if (p_ < end_ && *p_ == (object ? '}' : ']')) {
        ++p_;
        --depth;
        continue;
      }
      return fail(p_, object ? "expected ',' or '}' after object member" : "expected ',' or ']' after array element");
    }
  }
}

ScanError Scanner::make_error(const char* at, std::string message) const {
  ScanError e;
  e.offset = static_cast<std::size_t>(at - begin_);
  const char* line_start = begin_;
  for (const char* q = begin_; q < at; ++q) {
    if (*q == '\n') {
      ++e.line;
      line_start = q + 1;
    }
  }
  for (const char* q = line_start; q < at; ++q) {
    if ((static_cast<unsigned char>(*q) & 0xC0) != 0x80) ++e.column;
  }
  e.message = std::move(message);
  return e;
}

ScanError Scanner::error() const {
  std::string message = err_message_;
  if (err_at_ == end_ && !empty_) message.insert(0, "unexpected end of input, ");
  return make_error(err_at_, std::move(message));
}

ScanError Scanner::not_object_error() const { return make_error(root_, "expected a JSON object"); }

enum class Decoded { ok, invalid, stopped };

// Decodes the body of a string literal (between its quotes), handing the
// decoded bytes to sink(const char*, size_t) -> bool (false stops).
template <class Sink>
Decoded decode_body(const char* p, const char* end, Sink&& sink) {
  while (p < end) {
    const char* run = p;
    while (p < end) {
      const auto c = static_cast<unsigned char>(*p);
      if (kPlain[c]) {
        ++p;
      } else if (c >= 0x80) {
        const std::size_t n = utf8_at(p, end);
        if (n == 0) return Decoded::invalid;
        p += n;
      } else {
        break;
      }
    }
    if (p > run && !sink(run, static_cast<std::size_t>(p - run))) return Decoded::stopped;
    if (p == end) break;
    if (*p != '\\' || end - p < 2) return Decoded::invalid;  // '"', control character, lone '\\'
    char out[4];
    std::size_t len = 1;
    switch (p[1]) {
      case '"': out[0] = '"'; break;
      case '\\': out[0] = '\\'; break;
      case '/': out[0] = '/'; break;
      case 'b': out[0] = '\b'; break;
      case 'f': out[0] = '\f'; break;
      case 'n': out[0] = '\n'; break;
      case 'r': out[0] = '\r'; break;
      case 't': out[0] = '\t'; break;
      case 'u': {
        char32_t cp;
        if (end - p < 6 || !hex4(p + 2, cp)) return Decoded::invalid;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          char32_t low;
          if (end - p >= 12 && p[6] == '\\' && p[7] == 'u' && hex4(p + 8, low) && low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            p += 6;
          } else {
            cp = 0xFFFD;  // lone high surrogate
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;  // lone low surrogate
        }
        len = encode_utf8(cp, out);
        p += 4;
        break;
      }
      default:
        return Decoded::invalid;
    }
    p += 2;
    if (!sink(out, len)) return Decoded::stopped;
  }
  return Decoded::ok;
}

}  // namespace

std::optional<ScanError> scan_object(std::string_view text, MemberCallback on_member) {
  Scanner scanner(text);
  if (!scanner.run(&on_member)) return scanner.error();
  if (!scanner.root_is_object()) return scanner.not_object_error();
  return std::nullopt;
}

std::optional<ScanError> validate(std::string_view text) {
  Scanner scanner(text);
  if (!scanner.run(nullptr)) return scanner.error();
  return std::nullopt;
}

bool key_equals(const Member& member, std::string_view name) {
  const std::string_view key = member.key_raw;
  if (!std::memchr(key.data(), '\\', key.size())) return key == name;
  std::size_t matched = 0;
  const Decoded result = decode_body(key.data(), key.data() + key.size(), [&](const char* d, std::size_t n) {
    if (name.size() - matched < n || std::memcmp(name.data() + matched, d, n) != 0) return false;
    matched += n;
    return true;
  });
  return result == Decoded::ok && matched == name.size();
}

std::optional<std::int64_t> whole_number(std::string_view value) {
  if (value.empty() || value.front() < '0' || value.front() > '9') return std::nullopt;
  std::int64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, c - '0', &n))
      return std::numeric_limits<std::int64_t>::max();
  }
  return n;
}

std::optional<std::string> decode_string(std::string_view literal) {
  if (literal.size() < 2 || literal.front() != '"' || literal.back() != '"') return std::nullopt;
  std::string out;
  out.reserve(literal.size() - 2);
  const Decoded result = decode_body(literal.data() + 1, literal.data() + literal.size() - 1,
                                     [&](const char* d, std::size_t n) {
                                       out.append(d, n);
                                       return true;
                                     });
  if (result != Decoded::ok) return std::nullopt;
  return out;
}

void append_encoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  const char* p = s.data();
  const char* const end = p + s.size();
  const char* run = p;
  while (p < end) {
    const auto c = static_cast<unsigned char>(*p);
    if (kPlain[c]) {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      if (const std::size_t n = utf8_at(p, end)) {
        p += n;
        continue;
      }
    }
    out.append(run, static_cast<std::size_t>(p - run));
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          out.append(esc, 6);
        } else {
          out += "\xEF\xBF\xBD";  // invalid UTF-8 byte → U+FFFD
        }
    }
    ++p;
    run = p;
  }
  out.append(run, static_cast<std::size_t>(p - run));
  out += '"';
}

std::string encode_string(std::string_view s) {
  std::string out;
  append_encoded(out, s);
  return out;
}

}  // namespace aisbf::json_scan
