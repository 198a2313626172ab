// Validating single-pass scan of JSON text without building a DOM.
//
// The hot path forwards a chat request body byte-exact with only `model`
// rewritten: scan_object() checks the whole body is RFC 8259 JSON and reports
// where each top-level member's value lies, so the caller can splice.
//
//   std::optional<Member> model;
//   auto err = json_scan::scan_object(body, [&](const json_scan::Member& m) {
//     if (json_scan::key_equals(m, "model")) model = m;
//   });
//   if (err) ... err->message, err->line, err->column ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace aisbf::json_scan {

struct Member {
  std::string_view key_raw;  // the key's text between its quotes, escapes NOT decoded
  std::size_t value_begin = 0, value_end = 0;  // byte offsets of the value in the input
};

struct ScanError {
  std::size_t offset = 0;            // byte offset where the problem was found
  std::size_t line = 1, column = 1;  // 1-based; column counts characters
  std::string message;               // e.g. "expected ',' or '}' after object member"
};

inline constexpr std::size_t kMaxDepth = 512;

// A non-owning reference to a callable (no allocation, one indirect call).
// Only for parameters: the callable must outlive the call it is passed to.
template <class Sig>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> && std::is_invocable_r_v<R, F&, Args...>)
  FunctionRef(F&& f) noexcept  // NOLINT(google-explicit-constructor): a lambda is passed directly
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* obj, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(obj))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(obj_, std::forward<Args>(args)...); }

 private:
  void* obj_;
  R (*call_)(void*, Args...);
};

using MemberCallback = FunctionRef<void(const Member&)>;

// Validates the whole text as one JSON value (only whitespace around it,
// nesting ≤ kMaxDepth, strings valid UTF-8; lone \u surrogate escapes are
// accepted as RFC 8259 allows). When it is an object, calls on_member for
// each top-level member in order, as soon as the member's value has been
// scanned: when an error is returned, discard what the callback collected.
// Returns the error, or "expected a JSON object" when the value is valid but
// not an object. Allocates nothing on valid input.
std::optional<ScanError> scan_object(std::string_view text, MemberCallback on_member);

// The same validation for any JSON value (no object requirement).
std::optional<ScanError> validate(std::string_view text);

// Whether the member's key, with escapes decoded, equals `name`
// ("mod\u0065l" equals "model"). No allocation.
bool key_equals(const Member& member, std::string_view name);

// Decodes a JSON string literal (with its quotes) into UTF-8: all escapes,
// surrogate pairs; a lone surrogate escape becomes U+FFFD. nullopt when the
// literal is not a valid JSON string.
std::optional<std::string> decode_string(std::string_view literal);

// A member's value that is a whole number ≥ 0 (`512`, not `512.5`, `-1`,
// `"512"`), saturated at INT64_MAX; nullopt otherwise.
std::optional<std::int64_t> whole_number(std::string_view value);

// Encodes UTF-8 text as a JSON string literal with quotes: escapes '"', '\\'
// and control characters; an invalid UTF-8 byte becomes U+FFFD so the result
// is always valid JSON.
std::string encode_string(std::string_view s);
void append_encoded(std::string& out, std::string_view s);

// Length (2..4) of the valid multi-byte UTF-8 sequence at p (p < end,
// *p >= 0x80), storing its code point; 0 when the bytes there are not valid
// UTF-8 (overlong, surrogate, beyond U+10FFFF, truncated).
inline std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end, char32_t& cp) {
  const unsigned char c = p[0];
  const std::size_t avail = static_cast<std::size_t>(end - p);
  auto cont = [](unsigned char b) { return (b & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) {
    if (avail < 2 || !cont(p[1])) return 0;
    cp = (char32_t(c & 0x1F) << 6) | (p[1] & 0x3F);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (avail < 3 || !cont(p[1]) || !cont(p[2])) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;  // overlong
    if (c == 0xED && p[1] > 0x9F) return 0;  // UTF-16 surrogate
    cp = (char32_t(c & 0x0F) << 12) | (char32_t(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (avail < 4 || !cont(p[1]) || !cont(p[2]) || !cont(p[3])) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;  // overlong
    if (c == 0xF4 && p[1] > 0x8F) return 0;  // > U+10FFFF
    cp = (char32_t(c & 0x07) << 18) | (char32_t(p[1] & 0x3F) << 12) | (char32_t(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    return 4;
  }
  return 0;
}

}  // namespace aisbf::json_scan
