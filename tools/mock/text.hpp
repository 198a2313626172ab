// Small text helpers for aisbf-mock: JSON string escaping, UTF-8 aware
// splitting, word counting, base64 and raw HTTP/1.1 response heads.
// Plain C++ (no Asio/Beast): everything here is cheap to compile and to test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aisbf_mock {

// Appends `s` as a quoted JSON string. `s` is assumed valid UTF-8 (it comes
// from a parsed JSON document); only `"`, `\` and control bytes are escaped.
void append_json_string(std::string& out, std::string_view s);

void append_uint(std::string& out, std::uint64_t v);

// Length of the next piece of `s` of at most `max_bytes` bytes that ends on a
// UTF-8 character boundary (never 0 when `s` is not empty).
std::size_t utf8_piece(std::string_view s, std::size_t max_bytes);

// Number of maximal runs of non-whitespace bytes.
std::size_t count_words(std::string_view s);

void append_base64(std::string& out, const unsigned char* data, std::size_t size);

std::string_view reason_phrase(int status);

// How the body of a response is delimited.
enum class Framing : std::uint8_t { content_length, chunked, until_close };

struct Head {
  int status = 200;
  std::string_view content_type;
  std::string_view extra_headers;  // complete "Name: value\r\n" lines
  Framing framing = Framing::content_length;
  std::size_t content_length = 0;
  bool close = false;       // add "Connection: close"
  bool keep_alive = false;  // add "Connection: keep-alive" (HTTP/1.0 clients)
};

// Appends "HTTP/1.1 <status> <reason>\r\n...\r\n\r\n".
void append_head(std::string& out, const Head& head);

// Appends the chunked-encoding prefix "<hex size>\r\n".
void append_chunk_prefix(std::string& out, std::size_t size);

// Decodes %XX escapes (for model ids in URLs); invalid escapes are kept.
std::string percent_decode(std::string_view s);

// Finds header `name` (ASCII case-insensitive) in raw "Name: value\r\n"
// lines; true with its first value when present (the value may be empty).
bool find_header(std::string_view raw_headers, std::string_view name, std::string_view& value);
// The first value of header `name`, empty when absent.
std::string_view header_value(std::string_view raw_headers, std::string_view name);

// Finds `key` in the query of `target` ("/p?a=1&key=x"); the value is not decoded.
bool find_query(std::string_view target, std::string_view key, std::string_view& value);

// Appends unix time as RFC 3339 UTC, "2025-01-02T03:04:05Z", with
// `frac_digits` (0-9) digits of `nanos` before the Z.
void append_rfc3339(std::string& out, std::int64_t unix_seconds, std::uint32_t nanos, int frac_digits);

}  // namespace aisbf_mock
