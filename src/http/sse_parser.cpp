// SSE framing. Work per byte is constant: the line scan resumes where it
// stopped (scan_), the search for '\n' is cached (lf_hint_) so a stream
// without '\n' (CR line endings) is not rescanned per line, and consumed
// bytes are dropped from the front at most once per feed(), moving only the
// unfinished block.
//
// The one ambiguity is a '\r' at the very end of the buffer: it ends a line,
// but a '\n' may follow and belong to it. For a field line that does not
// matter (skip_lf_ swallows the '\n' if it comes). For the blank line that
// ends a block it decides where the block's raw bytes end:
//   - if the stream has been using "\r\n", wait for the next byte, so the
//     block's raw ends with the whole "\r\n" (byte-exact, and the '\n' is
//     almost always already in flight);
//   - otherwise (lone-'\r' stream) dispatch now so the event is not held
//     back until the next event starts; a '\n' that then arrives is swallowed
//     and counted at the front of the next block's raw (lead_lf_).
#include "http/sse_parser.hpp"

#include <algorithm>
#include <cstring>

namespace aisbf::sse {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool equals(const char* p, std::size_t n, std::string_view lit) {
  return n == lit.size() && std::memcmp(p, lit.data(), n) == 0;
}

}  // namespace

Parser::Parser(std::size_t max_event_bytes) : max_(max_event_bytes) {}

void Parser::feed(std::string_view bytes) {
  if (done_) return;
  if (block_ > 0) {
    // Drop the blocks already handed out; views into them are void now.
    const std::size_t shift = block_;
    if (shift == buf_.size()) {
      buf_.clear();
    } else {
      buf_.erase(0, shift);
    }
    block_ = 0;
    line_ -= shift;
    scan_ -= shift;
    lf_hint_ = lf_hint_ > shift ? lf_hint_ - shift : 0;
    event_off_ = event_len_ ? event_off_ - shift : 0;
    id_off_ = id_len_ ? id_off_ - shift : 0;
    data_off_ = data_len_ ? data_off_ - shift : 0;
  }
  buf_.append(bytes);
}

std::size_t Parser::find_eol(std::size_t from) {
  const char* b = buf_.data();
  const std::size_t n = buf_.size();
  // No '\n' lies in [from, lf_hint_); buf_[lf_hint_] is one when in range.
  std::size_t lf = std::max(from, lf_hint_);
  if (lf >= n || b[lf] != '\n') {
    const void* q = lf < n ? std::memchr(b + lf, '\n', n - lf) : nullptr;
    lf = q ? static_cast<std::size_t>(static_cast<const char*>(q) - b) : n;
  }
  lf_hint_ = lf;
  if (const void* cr = std::memchr(b + from, '\r', lf - from)) {
    return static_cast<std::size_t>(static_cast<const char*>(cr) - b);
  }
  return lf < n ? lf : kNone;
}

void Parser::take_line(std::size_t begin, std::size_t end) {
  const char* line = buf_.data() + begin;
  const std::size_t len = end - begin;
  if (line[0] == ':') return;  // comment (keep-alive)
  const void* colon = std::memchr(line, ':', len);
  const std::size_t name_len = colon ? static_cast<std::size_t>(static_cast<const char*>(colon) - line) : len;
  std::size_t value_off = colon ? begin + name_len + 1 : end;
  if (value_off < end && buf_[value_off] == ' ') ++value_off;
  const std::size_t value_len = end - value_off;

  if (equals(line, name_len, "data")) {
    if (data_lines_ == 0) {
      data_off_ = value_off;
      data_len_ = value_len;
    } else {
      if (data_lines_ == 1) data_joined_.assign(buf_, data_off_, data_len_);
      data_joined_ += '\n';
      data_joined_.append(buf_, value_off, value_len);
    }
    ++data_lines_;
  } else if (equals(line, name_len, "event")) {
    event_off_ = value_off;
    event_len_ = value_len;
  } else if (equals(line, name_len, "id")) {
    // WHATWG: an id containing NUL is ignored.
    if (!std::memchr(buf_.data() + value_off, '\0', value_len)) {
      id_off_ = value_off;
      id_len_ = value_len;
    }
  }
  // `retry` and unknown fields are ignored.
}

void Parser::fill(Event& out, std::size_t raw_end) {
  const char* b = buf_.data();
  out.event = std::string_view(b + event_off_, event_len_);
  out.id = std::string_view(b + id_off_, id_len_);
  out.has_data = data_lines_ > 0;
  out.data = data_lines_ > 1 ? std::string_view(data_joined_) : std::string_view(b + data_off_, data_len_);
  out.raw = std::string_view(b + block_, raw_end - block_);
  event_off_ = event_len_ = id_off_ = id_len_ = data_off_ = data_len_ = data_lines_ = 0;
  block_ = line_ = scan_ = raw_end;
  lead_lf_ = false;
}

// Sizes leave out a swallowed leading '\n' so that where the input was cut
// never decides whether a block is too large.
Status Parser::overflow_or_need_more() {
  if (buf_.size() - block_ - (lead_lf_ ? 1 : 0) > max_) {
    done_ = true;
    return Status::too_large;
  }
  return Status::need_more;
}

Status Parser::next(Event& out) {
  if (done_) return Status::too_large;
  const std::size_t n = buf_.size();
  if (!bom_checked_) {
    // A UTF-8 byte-order mark at the very start is not part of the first line.
    const std::size_t have = std::min(n, kBom.size());
    if (buf_.compare(0, have, kBom, 0, have) == 0) {
      if (have < kBom.size()) return overflow_or_need_more();
      line_ = scan_ = kBom.size();
    }
    bom_checked_ = true;
  }
  for (;;) {
    if (skip_lf_) {
      if (line_ == n) return overflow_or_need_more();
      if (buf_[line_] == '\n') {
        if (line_ == block_) lead_lf_ = true;
        ++line_;
        scan_ = line_;
        last_crlf_ = true;
      }
      skip_lf_ = false;
    }
    const std::size_t eol = find_eol(scan_);
    if (eol == kNone) {
      scan_ = n;
      return overflow_or_need_more();
    }
    const bool blank = eol == line_;
    std::size_t next_line = eol + 1;
    if (buf_[eol] == '\r') {
      if (eol + 1 < n) {
        last_crlf_ = buf_[eol + 1] == '\n';
        next_line += last_crlf_ ? 1 : 0;
      } else if (blank && last_crlf_) {
        scan_ = eol;  // wait for the '\n' that completes "\r\n"
        return overflow_or_need_more();
      } else {
        skip_lf_ = true;
        last_crlf_ = false;
      }
    } else {
      last_crlf_ = false;
    }
    if (blank) {
      // Up to the first byte of the closing terminator: whether a '\n' follows
      // a '\r' at the end of a feed must not change the verdict.
      if (eol + 1 - block_ - (lead_lf_ ? 1 : 0) > max_) {
        done_ = true;
        return Status::too_large;
      }
      fill(out, next_line);
      return Status::event;
    }
    take_line(line_, eol);
    line_ = scan_ = next_line;
  }
}

bool Parser::has_partial() const {
  std::size_t from = block_;
  if (from < buf_.size() && buf_[from] == '\n' && (lead_lf_ || (skip_lf_ && line_ == from))) ++from;
  return from < buf_.size();
}

std::string_view Parser::partial() const { return std::string_view(buf_).substr(block_); }

}  // namespace aisbf::sse
