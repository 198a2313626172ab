// Incremental NDJSON framing (PROTOCOLS.md §0): bytes in, one JSON text per
// line out. Empty lines are skipped, "\r\n" is accepted, and a last line
// without '\n' is handed out by finish() at end of stream. Pure C++.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aisbf::ndjson {

enum class Status { line, need_more, too_large };

class Splitter {
 public:
  explicit Splitter(std::size_t max_line_bytes) : max_(max_line_bytes) {}

  void feed(std::string_view bytes);
  // The next complete line (without its line ending); valid until the next
  // feed() or next() call.
  Status next(std::string_view& line);
  // At end of stream: the unterminated last line, if any (may be empty).
  std::string_view finish();

 private:
  std::size_t max_;
  std::string buf_;
  std::size_t begin_ = 0;  // start of the unread part of buf_
  std::size_t scan_ = 0;   // where to look for the next '\n'
  bool overflow_ = false;
};

}  // namespace aisbf::ndjson
