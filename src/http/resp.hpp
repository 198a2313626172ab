// RESP2, the Redis wire protocol, as plain C++ (no Asio): an encoder of
// commands and an incremental reply parser, both over buffers so that they
// are tested and fuzzed without a socket (http/redis_client.hpp does the I/O).
//
// The parser takes bytes split anywhere and hands out whole replies in
// order. It is bounded: a reply larger than Limits::max_reply_bytes, arrays
// nested deeper than max_depth, more than max_elements array elements in one
// reply, a bulk length below -1, an unknown type byte or a malformed line is
// an error, after which the parser stays failed (the connection it reads
// must be dropped: nothing after the bad byte can be trusted). It never
// buffers more than the reply it is reading plus what one read added.
//
// We write RESP2 only (no HELLO 3), so RESP3's types are errors here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aisbf::resp {

enum class Type : std::uint8_t {
  simple,   // +OK
  error,    // -ERR message (a Redis error reply: a value, not a broken connection)
  integer,  // :42
  bulk,     // $3\r\nabc
  nil,      // $-1 or *-1
  array,    // *2\r\n…
};

struct Reply {
  Type type = Type::nil;
  std::int64_t integer = 0;     // integer
  std::string str;              // simple, error, bulk
  std::vector<Reply> elements;  // array

  bool is_error() const { return type == Type::error; }
  bool is_nil() const { return type == Type::nil; }
  bool operator==(const Reply&) const = default;
};

// Appends one command (an array of bulk strings) to `out`.
void append_command(std::string& out, std::span<const std::string_view> args);

struct Limits {
  std::size_t max_reply_bytes = 64u << 20;  // one reply on the wire, headers included
  std::size_t max_depth = 8;                // arrays within arrays
  std::size_t max_elements = 1u << 20;      // array elements in one reply, at every depth

  bool operator==(const Limits&) const = default;
};

class Parser {
 public:
  enum class Status { reply, incomplete, error };

  explicit Parser(Limits limits = {});

  // Adds bytes received.
  void feed(std::string_view bytes);
  // Or, to read straight into the buffer: room for at least `n` bytes at its
  // end, then commit() how many were written there.
  std::span<char> prepare(std::size_t n);
  void commit(std::size_t n);

  // The next whole reply into `out`; incomplete: feed more; error: failed
  // for good (error_message() says why).
  Status next(Reply& out);

  const std::string& error_message() const { return error_; }
  bool failed() const { return !error_.empty(); }
  std::size_t buffered() const { return end_ - begin_; }  // bytes received, not yet handed out
  // Bytes the completeness checks have walked over, in all: about the bytes
  // received, however they were split (a test holds it to that).
  std::uint64_t scanned_bytes() const { return scanned_; }

 private:
  struct Scan;
  void reserve_tail(std::size_t n);

  Limits limits_;
  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;  // first byte of the reply being read
  std::size_t end_ = 0;    // one past the last byte received
  std::size_t need_ = 0;   // the reply is incomplete until this many bytes (from begin_) are buffered
  // Where measuring the incomplete reply stopped: the next element (from
  // begin_), the elements each open array still owes, the elements counted.
  std::size_t measured_ = 0;
  std::vector<std::size_t> open_;
  std::size_t elements_ = 0;
  std::uint64_t scanned_ = 0;
  std::string error_;
};

}  // namespace aisbf::resp
