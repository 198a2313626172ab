#include "context/request_split.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "context/condense_work.hpp"
#include "context/request_split_text.hpp"

namespace aisbf::context {

namespace {

GatewayError refusal(std::string message) {
  auto e = make_error(ErrorKind::invalid_request, std::move(message));
  e.code = "request_too_large";
  e.param = "messages";
  return e;
}

bool has_tool_blocks(const Message& m) {
  return std::any_of(m.content.begin(), m.content.end(), [](const ContentBlock& b) {
    return std::holds_alternative<ToolCallBlock>(b) || std::holds_alternative<ToolResultBlock>(b);
  });
}

struct Piece {
  Message message;
  std::size_t overlap_bytes = 0;
};

// One message too large for a chunk, cut into messages of its role that
// each fit `room`: whole blocks where they fit, text blocks cut where
// request_split_text.hpp says, images and other blocks kept whole and in
// place. It stops after `max_pieces`: more would be refused anyway, and
// each piece costs a few counts of its text (a huge message over a small
// limit must not keep the thread busy).
class MessageCutter {
 public:
  MessageCutter(const Message& message, std::int64_t room, std::int64_t overlap, const TokenCounter& count,
                std::size_t max_pieces)
      : source_(message), room_(room), overlap_(std::min(overlap, room / 2)), count_(count), max_pieces_(max_pieces) {
    current_.message = empty();
    empty_text_ = count_.message(with_text({}));
  }

  Expected<std::vector<Piece>> cut() {
    for (const auto& block : source_.content) {
      if (pieces_.size() > max_pieces_) break;
      const auto* text = std::get_if<TextBlock>(&block);
      auto failed = text != nullptr ? cut_text(text->text) : add_whole(block);
      if (failed) return std::move(*failed);
    }
    flush();
    truncated_ = pieces_.size() > max_pieces_;
    return std::move(pieces_);
  }
  // Stopped at max_pieces: the pieces do not hold the whole message.
  bool truncated() const { return truncated_; }

 private:
  Message empty() const { return Message{source_.role, {}, source_.name}; }
  Message with_text(std::string_view text) const {
    Message m = empty();
    m.content.emplace_back(TextBlock{std::string(text)});
    return m;
  }

  void flush() {
    if (current_.message.content.empty()) return;
    pieces_.push_back(std::move(current_));
    current_ = Piece{empty(), 0};
  }

  std::optional<GatewayError> add_whole(const ContentBlock& block) {
    current_.message.content.push_back(block);
    if (count_.message(current_.message) <= room_) return std::nullopt;
    current_.message.content.pop_back();
    flush();
    current_.message.content.push_back(block);
    if (count_.message(current_.message) <= room_) return std::nullopt;
    return refusal(fmt::format("a part of a message (an image) alone is over the {} tokens a chunk has room for",
                               room_));
  }

  std::optional<GatewayError> cut_text(std::string_view text) {
    if (text.empty()) {
      current_.message.content.emplace_back(TextBlock{});
      return std::nullopt;
    }
    auto tokens = [&](std::string_view s) { return count_.message(with_text(s)) - empty_text_; };
    std::size_t pos = 0, previous = 0;
    std::int64_t overlap = overlap_;
    while (pos < text.size() && pieces_.size() <= max_pieces_) {
      const std::size_t from = pos > 0 ? overlap_start(text, previous, pos, overlap, tokens) : pos;
      auto fits = [&](std::size_t end) {
        Message trial = current_.message;
        trial.content.emplace_back(TextBlock{std::string(text.substr(from, end - from))});
        return count_.message(trial) <= room_;
      };
      const std::size_t end = fitting_end(text, pos, fits, guess_end(text, from));
      if (end == pos) {
        if (!current_.message.content.empty()) {
          flush();  // try again in a piece of its own
        } else if (from < pos) {
          overlap = 0;  // the overlap leaves no room: this piece goes without
        } else {
          return refusal(fmt::format("not one character of a message fits the {} tokens a chunk has room for",
                                     room_));
        }
        continue;
      }
      if (current_.message.content.empty()) current_.overlap_bytes = pos - from;
      current_.message.content.emplace_back(TextBlock{std::string(text.substr(from, end - from))});
      previous = from;
      pos = end;
      overlap = overlap_;
      if (pos < text.size()) flush();
    }
    return std::nullopt;
  }

  // Where the room left in the current piece runs out for text[from, …),
  // when the counter can tell without a search.
  std::optional<std::size_t> guess_end(std::string_view text, std::size_t from) const {
    Message base = current_.message;
    base.content.emplace_back(TextBlock{});
    const std::int64_t left = room_ - count_.message(base);
    if (left <= 0) return std::nullopt;
    auto n = count_.text_prefix_within(text.substr(from), left);
    if (!n) return std::nullopt;
    return from + *n;
  }

  const Message& source_;
  std::int64_t room_;
  std::int64_t overlap_;
  const TokenCounter& count_;
  std::size_t max_pieces_;
  bool truncated_ = false;
  std::int64_t empty_text_ = 0;
  Piece current_;
  std::vector<Piece> pieces_;
};

struct Packed {
  std::vector<Message> messages;
  std::vector<std::size_t> overlap;
  std::vector<std::int64_t> tokens;
  std::int64_t used = 0;

  void push_back(Message m, std::size_t overlap_bytes, std::int64_t n) {
    messages.push_back(std::move(m));
    overlap.push_back(overlap_bytes);
    tokens.push_back(n);
    used += n;
  }
};

// The messages after the leading system ones, packed into chunks of at
// most `room` tokens each (their share beside the prefix and tools).
class Packer {
 public:
  Packer(std::int64_t room, std::int64_t overlap, std::size_t max_chunks, const TokenCounter& count)
      : room_(room), overlap_(overlap), max_chunks_(max_chunks), count_(count) {}

  std::optional<GatewayError> add(const std::vector<Message>& messages, const Unit& unit) {
    std::int64_t cost = 0;
    std::vector<std::int64_t> costs;
    for (std::size_t i = unit.begin; i < unit.end; ++i) cost += costs.emplace_back(count_.message(messages[i]));
    if (open_.used + cost > room_) {
      if (cost <= room_) {
        close(cost);
      } else if (unit.end - unit.begin == 1 && !has_tool_blocks(messages[unit.begin])) {
        return add_cut(messages[unit.begin]);
      } else {
        return refusal(fmt::format(
            "a tool call with its results ({} messages, {} tokens) cannot be split, and a chunk has room for {} "
            "tokens beside the system messages and tools",
            unit.end - unit.begin, cost, room_));
      }
    }
    for (std::size_t i = unit.begin; i < unit.end; ++i) open_.push_back(messages[i], 0, costs[i - unit.begin]);
    return std::nullopt;
  }

  std::vector<Packed> finish() {
    if (!open_.messages.empty()) done_.push_back(std::move(open_));  // the last chunk: nothing to hand on to
    return std::move(done_);
  }
  // More chunks than max_chunks are needed (the packing stopped short).
  bool too_many() const { return too_many_ || done_.size() + (open_.messages.empty() ? 0 : 1) > max_chunks_; }

 private:
  std::optional<GatewayError> add_cut(const Message& message) {
    MessageCutter cutter(message, room_, overlap_, count_, max_chunks_);
    auto pieces = cutter.cut();
    if (!pieces) return pieces.take_error();
    if (cutter.truncated()) {
      too_many_ = true;
      return std::nullopt;
    }
    for (auto& piece : *pieces) {
      const std::int64_t n = count_.message(piece.message);
      if (open_.used + n > room_) close(n);
      open_.push_back(std::move(piece.message), piece.overlap_bytes, n);
    }
    return std::nullopt;
  }

  // Ends the open chunk. Its trailing plain assistant messages move on to
  // the next one when they fit there beside `next` tokens and something
  // stays: a chunk then ends on a user or tool message where it can.
  void close(std::int64_t next) {
    Packed carry;
    std::size_t keep = open_.messages.size();
    std::int64_t moved = 0;
    while (keep > 1 && open_.messages[keep - 1].role == Role::assistant &&
           !has_tool_blocks(open_.messages[keep - 1]) && moved + open_.tokens[keep - 1] + next <= room_) {
      moved += open_.tokens[--keep];
    }
    for (std::size_t i = keep; i < open_.messages.size(); ++i) {
      carry.push_back(std::move(open_.messages[i]), open_.overlap[i], open_.tokens[i]);
    }
    open_.messages.resize(keep);
    open_.overlap.resize(keep);
    open_.tokens.resize(keep);
    open_.used -= moved;
    if (!open_.messages.empty()) done_.push_back(std::move(open_));
    open_ = std::move(carry);
  }

  std::int64_t room_;
  std::int64_t overlap_;
  std::size_t max_chunks_;
  const TokenCounter& count_;
  Packed open_;
  std::vector<Packed> done_;
  bool too_many_ = false;
};

GatewayError too_many_chunks(std::int64_t tokens, const SplitLimits& limits) {
  return refusal(fmt::format(
      "this request's {} prompt tokens need more than {} chunks of at most {} tokens (the model's "
      "max_request_tokens); aisbf.json feature_controls.request_splitting.max_chunks is {}",
      tokens, limits.max_chunks, limits.max_prompt_tokens, limits.max_chunks));
}

}  // namespace

Expected<std::vector<SplitChunk>> split_request(const ChatRequest& request, const SplitLimits& limits,
                                                const TokenCounter& count) {
  std::vector<SplitChunk> out;
  const std::int64_t total = count.request(request);
  if (total <= limits.max_prompt_tokens) {
    out.push_back({request, std::vector<std::size_t>(request.messages.size(), 0)});
    return out;
  }
  ChatRequest base = without_messages(request);
  std::size_t lead = 0;
  while (lead < request.messages.size() &&
         (request.messages[lead].role == Role::system || request.messages[lead].role == Role::developer)) {
    base.messages.push_back(request.messages[lead++]);
  }
  const std::int64_t base_tokens = count.request(base);
  if (base_tokens >= limits.max_prompt_tokens) {
    return refusal(fmt::format(
        "the system messages and tool definitions alone are {} prompt tokens, which leaves no room under the "
        "model's max_request_tokens ({}) to split the rest of the request into",
        base_tokens, limits.max_prompt_tokens));
  }
  const std::vector<Message> rest(request.messages.begin() + static_cast<std::ptrdiff_t>(lead),
                                  request.messages.end());
  Packer packer(limits.max_prompt_tokens - base_tokens, limits.overlap_tokens, limits.max_chunks, count);
  for (const Unit& unit : find_units(rest)) {
    if (auto failed = packer.add(rest, unit)) return std::move(*failed);
    if (packer.too_many()) return too_many_chunks(total, limits);
  }
  std::vector<Packed> packed = packer.finish();
  if (packed.size() > limits.max_chunks) return too_many_chunks(total, limits);
  for (auto& chunk : packed) {
    SplitChunk& c = out.emplace_back(SplitChunk{base, std::vector<std::size_t>(lead, 0)});
    for (std::size_t i = 0; i < chunk.messages.size(); ++i) {
      c.request.messages.push_back(std::move(chunk.messages[i]));
      c.overlap_bytes.push_back(chunk.overlap[i]);
    }
  }
  return out;
}

}  // namespace aisbf::context
