// Incremental server-sent-events framing (WHATWG rules, PROTOCOLS.md §0).
//
// Bytes are fed as they arrive, split anywhere; next() hands back each
// complete block (the lines up to and including a blank line) with its
// fields and its exact bytes, so a relay can forward a stream byte-exact
// while a decoder reads `data`. Pure C++, no I/O.
//
//   Parser parser(max_event_bytes);
//   parser.feed(bytes);
//   Event ev;
//   while (parser.next(ev) == Status::event) { ... }   // then need_more or too_large
//   // at end of stream: parser.has_partial() → the upstream cut the stream mid-event
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aisbf::sse {

struct Event {
  std::string_view event;  // the `event:` field, empty when absent
  std::string_view data;   // `data:` lines joined with '\n' (one optional space after ':' dropped)
  std::string_view id;     // this block's `id:` field, empty when absent (not carried over)
  bool has_data = false;   // false for comment-only / empty blocks (keep-alives)
  std::string_view raw;    // the exact bytes of this block, including its terminating blank line
};

enum class Status { event, need_more, too_large };

class Parser {
 public:
  // max_event_bytes bounds one block's raw size (the '\n' of the "\r\n"
  // that closes a block is not counted).
  explicit Parser(std::size_t max_event_bytes);

  // Appends bytes as they arrive (any split). Ignored once next() returned too_large.
  void feed(std::string_view bytes);

  // Pulls the next complete block. The views in `out` stay valid until the
  // next feed() or next() call. After too_large the parser is done and keeps
  // returning too_large.
  Status next(Event& out);

  // Bytes buffered that do not yet form a complete block. Meaningful once
  // next() returned need_more; true at end of stream means it was cut.
  bool has_partial() const;

  // The buffered bytes not returned in any block's `raw` yet. It can hold a
  // lone "\n" while has_partial() is false: the second half of a "\r\n" whose
  // "\r" ended a block at the end of a feed (see the .cpp); a relay that wants
  // every byte forwards it at end of stream.
  std::string_view partial() const;

 private:
  std::size_t find_eol(std::size_t from);
  void take_line(std::size_t begin, std::size_t end);
  void fill(Event& out, std::size_t raw_end);
  Status overflow_or_need_more();

  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  std::size_t max_;
  std::string buf_;
  // Offsets into buf_. [block_, line_) holds the current block's finished
  // lines; scan_ ≥ line_ is where the search for the end of the current line
  // resumes; lf_hint_ caches the next '\n' (or how far none was found).
  std::size_t block_ = 0, line_ = 0, scan_ = 0, lf_hint_ = 0;
  // Fields of the current block, as offsets into buf_.
  std::size_t event_off_ = 0, event_len_ = 0, id_off_ = 0, id_len_ = 0;
  std::size_t data_off_ = 0, data_len_ = 0, data_lines_ = 0;
  std::string data_joined_;  // used only when a block has several data lines
  bool skip_lf_ = false;     // a lone '\r' ended the last line at the end of the buffer
  bool lead_lf_ = false;     // the current block starts with that "\r\n"'s '\n'
  bool last_crlf_ = false;   // the last line ended with "\r\n"
  bool bom_checked_ = false;
  bool done_ = false;
};

}  // namespace aisbf::sse
