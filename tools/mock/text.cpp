#include "text.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace aisbf_mock {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes that need no escape
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

std::size_t utf8_piece(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  auto is_continuation = [&](std::size_t i) {
    return (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
  };
  std::size_t cut = max_bytes;
  while (cut > 0 && is_continuation(cut)) --cut;
  if (cut > 0) return cut;
  // A character longer than max_bytes: take it whole.
  cut = 1;
  while (cut < s.size() && is_continuation(cut)) ++cut;
  return cut;
}

std::size_t count_words(std::string_view s) {
  std::size_t words = 0;
  bool in_word = false;
  for (char ch : s) {
    const bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

void append_base64(std::string& out, const unsigned char* data, std::size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i < size) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (i + 1 < size) v |= std::uint32_t{data[i + 1]} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < size ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 529: return "Site Overloaded";
    default: return "Unknown";
  }
}

void append_head(std::string& out, const Head& head) {
  out += "HTTP/1.1 ";
  append_uint(out, static_cast<std::uint64_t>(head.status));
  out.push_back(' ');
  out += reason_phrase(head.status);
  out += "\r\nServer: aisbf-mock\r\n";
  if (!head.content_type.empty()) {
    out += "Content-Type: ";
    out += head.content_type;
    out += "\r\n";
  }
  switch (head.framing) {
    case Framing::content_length:
      out += "Content-Length: ";
      append_uint(out, head.content_length);
      out += "\r\n";
      break;
    case Framing::chunked: out += "Transfer-Encoding: chunked\r\n"; break;
    case Framing::until_close: break;
  }
  if (head.close) {
    out += "Connection: close\r\n";
  } else if (head.keep_alive) {
    out += "Connection: keep-alive\r\n";
  }
  out += head.extra_headers;
  out += "\r\n";
}

void append_chunk_prefix(std::string& out, std::size_t size) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, size, 16);
  out.append(buf, end);
  out += "\r\n";
}

std::string percent_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex(s[i + 1]);
      const int lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

namespace {

bool iequal_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

bool find_header(std::string_view raw_headers, std::string_view name, std::string_view& value) {
  while (!raw_headers.empty()) {
    const std::size_t eol = raw_headers.find("\r\n");
    const std::string_view line = raw_headers.substr(0, eol);
    raw_headers = eol == std::string_view::npos ? std::string_view{} : raw_headers.substr(eol + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !iequal_ascii(line.substr(0, colon), name)) continue;
    value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    return true;
  }
  return false;
}

std::string_view header_value(std::string_view raw_headers, std::string_view name) {
  std::string_view value;
  return find_header(raw_headers, name, value) ? value : std::string_view{};
}

bool find_query(std::string_view target, std::string_view key, std::string_view& value) {
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return false;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) != key) continue;
    value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    return true;
  }
  return false;
}

void append_rfc3339(std::string& out, std::int64_t unix_seconds, std::uint32_t nanos, int frac_digits) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  out.append(buf, n);
  if (frac_digits > 0) {
    char digits[10];
    std::uint32_t v = nanos % 1000000000u;
    for (int i = 8; i >= 0; --i) {
      digits[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(std::min(frac_digits, 9)));
  }
  out.push_back('Z');
}

}  // namespace aisbf_mock
