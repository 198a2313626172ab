// libFuzzer target for json_scan (run by scripts/fuzz.sh), differential
// against Boost.JSON's parser (same depth limit). Checked:
//   - validate() and Boost.JSON agree on whether the input is JSON, except
//     where Boost.JSON 1.81 rejects what RFC 8259 allows: lone \u surrogate
//     escapes (documented in json_scan.hpp) and exponents too large for it
//     (e.g. `1e+2222222222`; RFC 8259 §6 lets a parser limit numbers);
//   - scan_object() accepts exactly the valid objects, and each member's key
//     and value slice are what Boost.JSON reads there;
//   - decode_string() reads a string literal as Boost.JSON does;
//   - encode_string() always gives a valid literal that reads back as the
//     input (when the input is valid UTF-8).
#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_scan.hpp"

namespace {

namespace json = boost::json;
namespace scan = aisbf::json_scan;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "json_scan_fuzz: %s\n", what);
  std::abort();
}

// Where Boost.JSON stops on valid RFC 8259 text, json_scan goes on.
bool is_known_difference(const boost::system::error_code& ec) {
  return ec == json::error::illegal_leading_surrogate || ec == json::error::illegal_trailing_surrogate ||
         ec == json::error::exponent_overflow;
}

// Well-formed UTF-8 (RFC 3629), written apart from json_scan's own check.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0, min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i < n) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

json::value boost_parse(std::string_view text, boost::system::error_code& ec) {
  json::parse_options opts;
  opts.max_depth = scan::kMaxDepth;
  return json::parse(text, ec, {}, opts);
}

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void check_members(std::string_view text, const json::object& object) {
  std::vector<scan::Member> members;
  const auto err = scan::scan_object(text, [&](const scan::Member& m) { members.push_back(m); });
  check(!err, "scan_object() rejected a valid object");
  for (const scan::Member& m : members) {
    check(m.value_begin < m.value_end && m.value_end <= text.size(), "member value out of the input");
    check(!is_ws(text[m.value_begin]) && !is_ws(text[m.value_end - 1]), "member value slice has whitespace around it");
    const auto key = scan::decode_string("\"" + std::string(m.key_raw) + "\"");
    check(key.has_value(), "a member's key does not decode");
    check(scan::key_equals(m, *key), "key_equals() is false for the member's own decoded key");
    check(!scan::key_equals(m, *key + "x"), "key_equals() is true for a longer name");
    boost::system::error_code ec;
    const json::value v = boost_parse(text.substr(m.value_begin, m.value_end - m.value_begin), ec);
    check(!ec, "a member's value slice is not JSON");
    std::size_t same_key = 0;
    for (const scan::Member& other : members) same_key += scan::key_equals(other, *key) ? 1 : 0;
    if (same_key == 1) {
      const json::value* expected = object.if_contains(*key);
      check(expected != nullptr && *expected == v, "a member differs from Boost.JSON's");
    }
  }
  if (members.size() == object.size()) return;
  // Fewer keys in Boost.JSON's object only when some are repeated.
  check(members.size() > object.size(), "fewer members than Boost.JSON found");
}

void check_encode(std::string_view input) {
  const std::string literal = scan::encode_string(input);
  check(!scan::validate(literal), "encode_string() gave invalid JSON");
  boost::system::error_code ec;
  const json::value v = boost_parse(literal, ec);
  check(!ec && v.is_string(), "encode_string() gave what Boost.JSON does not read as a string");
  const auto decoded = scan::decode_string(literal);
  check(decoded.has_value() && *decoded == std::string_view(v.get_string()),
        "decode_string(encode_string(s)) differs from Boost.JSON");
  if (valid_utf8(input)) check(*decoded == input, "encode_string() did not round-trip valid UTF-8");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  boost::system::error_code ec;
  const json::value value = boost_parse(text, ec);
  const auto ours = scan::validate(text);
  if (ec && is_known_difference(ec)) {
    // Nothing to compare with; scan_object() must still not crash.
    (void)scan::scan_object(text, [](const scan::Member&) {});
  } else {
    if (ours.has_value() != static_cast<bool>(ec)) {
      std::fprintf(stderr, "json_scan_fuzz: json_scan says %s, Boost.JSON says %s\n",
                   ours ? ours->message.c_str() : "valid", ec ? ec.message().c_str() : "valid");
      std::abort();
    }
    if (ours) {
      check(ours->offset <= text.size(), "error offset beyond the input");
      check(scan::scan_object(text, [](const scan::Member&) {}).has_value(), "scan_object() accepted invalid JSON");
    } else if (value.is_object()) {
      check_members(text, value.get_object());
    } else {
      const auto err = scan::scan_object(text, [](const scan::Member&) {});
      check(err && err->message == "expected a JSON object", "scan_object() accepted a non-object");
    }
    if (size >= 2 && text.front() == '"' && text.back() == '"') {
      const auto decoded = scan::decode_string(text);
      const bool boost_string = !ec && value.is_string();
      check(decoded.has_value() == boost_string, "decode_string() and Boost.JSON disagree on a literal");
      if (decoded) check(*decoded == std::string_view(value.get_string()), "decode_string() differs from Boost.JSON");
    }
  }
  check_encode(text);
  return 0;
}
