#include "http/resp.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace aisbf::resp {

namespace {

constexpr std::size_t kMaxNumberLine = 24;        // "$", "*", ":" lines: a sign and 19 digits fit
constexpr std::size_t kMinCapacity = 16u << 10;   // the buffer's first size
constexpr std::size_t kKeptCapacity = 1u << 20;   // a buffer larger than this is released once empty

void append_decimal(std::string& out, std::size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

}  // namespace

void append_command(std::string& out, std::span<const std::string_view> args) {
  out += '*';
  append_decimal(out, args.size());
  out += "\r\n";
  for (std::string_view arg : args) {
    out += '$';
    append_decimal(out, arg.size());
    out += "\r\n";
    out.append(arg);
    out += "\r\n";
  }
}

// One pass over the buffered bytes from `begin`: measure() walks a reply
// to see whether it is whole (resuming where the last incomplete attempt
// stopped), reply() with `out` builds the reply measured before (its
// recursion depth bounded by max_depth).
struct Parser::Scan {
  enum class Outcome { done, need, bad };

  const char* data;
  std::size_t begin;
  std::size_t end;
  const Limits& limits;
  std::size_t pos;
  std::size_t elements = 0;
  std::size_t need = 0;  // when Outcome::need: bytes from `begin` that must be buffered first
  std::string error;

  Outcome fail(std::string message) {
    error = std::move(message);
    return Outcome::bad;
  }

  Outcome too_large() { return fail("reply larger than " + std::to_string(limits.max_reply_bytes) + " bytes"); }

  // The line at `pos` (without CRLF) into `line`; pos moves past its CRLF.
  Outcome line(std::string_view& line_out, bool number) {
    const std::size_t avail = end - pos;
    const std::size_t look = number ? std::min(avail, kMaxNumberLine + 1) : avail;
    const void* cr = std::memchr(data + pos, '\r', look);
    if (!cr) {
      if (number && avail > kMaxNumberLine) return fail("malformed length or integer line");
      if (end - begin > limits.max_reply_bytes) return too_large();
      need = end - begin + 1;
      return Outcome::need;
    }
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(cr) - data);
    if (at + 1 >= end) {
      need = at + 2 - begin;
      return Outcome::need;
    }
    if (data[at + 1] != '\n') return fail("CR without LF in a line");
    line_out = std::string_view(data + pos, at - pos);
    if (line_out.find('\n') != std::string_view::npos) return fail("LF inside a line");
    pos = at + 2;
    if (pos - begin > limits.max_reply_bytes) return too_large();
    return Outcome::done;
  }

  Outcome number(std::int64_t& value) {
    std::string_view text;
    if (auto o = line(text, true); o != Outcome::done) return o;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
      return fail("malformed length or integer line");
    }
    return Outcome::done;
  }

  Outcome reply(std::size_t depth, Reply* out) {
    if (pos >= end) {
      need = pos + 1 - begin;
      return Outcome::need;
    }
    const char type = data[pos++];
    switch (type) {
      case '+':
      case '-': {
        std::string_view text;
        if (auto o = line(text, false); o != Outcome::done) return o;
        if (out) {
          out->type = type == '+' ? Type::simple : Type::error;
          out->str.assign(text);
        }
        return Outcome::done;
      }
      case ':': {
        std::int64_t value = 0;
        if (auto o = number(value); o != Outcome::done) return o;
        if (out) {
          out->type = Type::integer;
          out->integer = value;
        }
        return Outcome::done;
      }
      case '$':
        return bulk(out);
      case '*':
        return array(depth, out);
      default:
        return fail("unknown reply type byte " + std::to_string(static_cast<unsigned char>(type)));
    }
  }

  Outcome bulk(Reply* out) {
    std::int64_t length = 0;
    if (auto o = number(length); o != Outcome::done) return o;
    if (length == -1) {
      if (out) out->type = Type::nil;
      return Outcome::done;
    }
    if (length < 0) return fail("negative bulk length");
    if (static_cast<std::uint64_t>(length) > limits.max_reply_bytes) return too_large();
    const std::size_t stop = pos + static_cast<std::size_t>(length) + 2;  // no overflow: both bounded
    if (stop - begin > limits.max_reply_bytes) return too_large();
    if (stop > end) {
      need = stop - begin;
      return Outcome::need;
    }
    if (data[stop - 2] != '\r' || data[stop - 1] != '\n') return fail("bulk string not followed by CRLF");
    if (out) {
      out->type = Type::bulk;
      out->str.assign(data + pos, static_cast<std::size_t>(length));
    }
    pos = stop;
    return Outcome::done;
  }

  // An array's length line (pos past the '*'), checked: -1 is nil.
  Outcome array_header(std::size_t depth, std::int64_t& count) {
    if (auto o = number(count); o != Outcome::done) return o;
    if (count == -1) return Outcome::done;
    if (count < 0) return fail("negative array length");
    if (static_cast<std::uint64_t>(count) > limits.max_elements - elements) {
      return fail("reply has more than " + std::to_string(limits.max_elements) + " array elements");
    }
    elements += static_cast<std::size_t>(count);
    if (count > 0 && depth + 1 > limits.max_depth) {
      return fail("arrays nested deeper than " + std::to_string(limits.max_depth));
    }
    return Outcome::done;
  }

  // Measures from `pos`, an element's start within the arrays `open` (the
  // elements each still owes), to the reply's end. On need, pos and `open`
  // are left at the last whole element: the next attempt resumes there, so
  // a large array arriving in small reads is walked once, not once a read.
  Outcome measure(std::vector<std::size_t>& open) {
    for (;;) {
      const std::size_t start = pos;
      std::int64_t children = 0;
      Outcome o;
      if (pos < end && data[pos] == '*') {
        ++pos;
        o = array_header(open.size(), children);
      } else {
        o = reply(open.size(), nullptr);  // not an array: no recursion
      }
      if (o != Outcome::done) {
        if (o == Outcome::need) pos = start;
        return o;
      }
      if (children > 0) {
        open.push_back(static_cast<std::size_t>(children));
        continue;
      }
      // A whole element: it may complete its array, and that one its own.
      while (!open.empty() && --open.back() == 0) open.pop_back();
      if (open.empty()) return Outcome::done;
    }
  }

  Outcome array(std::size_t depth, Reply* out) {
    std::int64_t count = 0;
    if (auto o = array_header(depth, count); o != Outcome::done) return o;
    if (count == -1) {
      if (out) out->type = Type::nil;
      return Outcome::done;
    }
    if (out) {
      out->type = Type::array;
      // Measured already: `count` elements are in the buffer.
      out->elements.resize(static_cast<std::size_t>(count));
    }
    for (std::int64_t i = 0; i < count; ++i) {
      if (auto o = reply(depth + 1, out ? &out->elements[static_cast<std::size_t>(i)] : nullptr); o != Outcome::done) {
        return o;
      }
    }
    return Outcome::done;
  }
};

Parser::Parser(Limits limits) : limits_(limits) {}

void Parser::reserve_tail(std::size_t n) {
  if (capacity_ - end_ >= n) return;
  const std::size_t held = end_ - begin_;
  if (begin_ > 0 && capacity_ - held >= n) {
    std::memmove(data_.get(), data_.get() + begin_, held);
  } else {
    const std::size_t capacity = std::max({capacity_ * 2, held + n, kMinCapacity});
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    if (held > 0) std::memcpy(bigger.get(), data_.get() + begin_, held);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }
  begin_ = 0;
  end_ = held;
}

void Parser::feed(std::string_view bytes) {
  auto room = prepare(bytes.size());
  if (!bytes.empty()) std::memcpy(room.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

std::span<char> Parser::prepare(std::size_t n) {
  reserve_tail(n);
  return {data_.get() + end_, capacity_ - end_};
}

void Parser::commit(std::size_t n) { end_ += std::min(n, capacity_ - end_); }

Parser::Status Parser::next(Reply& out) {
  if (failed()) return Status::error;
  if (begin_ == end_) {
    if (capacity_ > kKeptCapacity) {  // a large reply has gone: give its room back
      data_.reset();
      capacity_ = begin_ = end_ = 0;
    }
    need_ = 0;
    return Status::incomplete;
  }
  if (end_ - begin_ < need_) return Status::incomplete;
  const std::size_t from = begin_ + measured_;
  Scan measure{data_.get(), begin_, end_, limits_, from, elements_, 0, {}};
  const auto outcome = measure.measure(open_);
  scanned_ += (outcome == Scan::Outcome::done ? measure.pos : end_) - from;
  switch (outcome) {
    case Scan::Outcome::bad:
      error_ = std::move(measure.error);
      return Status::error;
    case Scan::Outcome::need:
      need_ = measure.need;
      measured_ = measure.pos - begin_;
      elements_ = measure.elements;
      return Status::incomplete;
    case Scan::Outcome::done:
      break;
  }
  out = Reply{};
  Scan build{data_.get(), begin_, end_, limits_, begin_, 0, 0, {}};
  build.reply(0, &out);
  begin_ = measure.pos;
  need_ = measured_ = elements_ = 0;
  open_.clear();
  if (begin_ == end_) begin_ = end_ = 0;
  return Status::reply;
}

}  // namespace aisbf::resp
