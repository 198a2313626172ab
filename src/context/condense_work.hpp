// The working state the local condensation methods share: a request's
// messages with each one's token count cached (a message is counted once,
// and again only when a method rewrites it), the units that must be kept or
// dropped whole (a tool call with its results), which messages no method may
// touch, and the dropping of units with a labelled marker in their place.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "context/condense.hpp"
#include "core/chat_roles.hpp"

namespace aisbf::context {

// Messages [begin, end): one message, or an assistant message with tool
// calls and every message up to the last of their results.
struct Unit {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// The units of a conversation, in order, covering every message.
std::vector<Unit> find_units(const std::vector<Message>& messages);

// The index of the last message of role user (messages.size() when none).
std::size_t find_last_user(const std::vector<Message>& messages);

// Per message: no method may rewrite or drop it (system and developer
// messages, the last user message, the last turn's messages with images).
std::vector<bool> find_protected(const std::vector<Message>& messages);

class Conversation {
 public:
  Conversation(const ChatRequest& request, const CondenseGoal& goal, const TokenCounter& count);

  std::size_t size() const { return messages_.size(); }
  const Message& message(std::size_t i) const { return messages_[i]; }
  std::int64_t tokens(std::size_t i) const { return tokens_[i]; }
  std::int64_t total() const { return total_; }
  bool fits() const { return total_ <= goal_.max_prompt_tokens; }

  // The last message of role user (size() when there is none): where the
  // last turn starts.
  std::size_t last_user() const { return last_user_; }
  // System and developer messages, the last user message, and the messages
  // of the last turn that carry images: never rewritten nor dropped.
  bool is_protected(std::size_t i) const { return protected_[i]; }
  bool is_dropped(std::size_t i) const { return dropped_[i]; }
  // Every message before i is a system or developer message, or dropped:
  // message i is where the conversation now starts, which some upstreams
  // (Anthropic) require to be a user message.
  bool leads(std::size_t i) const;

  const std::vector<Unit>& units() const { return units_; }
  bool unit_protected(const Unit& unit) const;

  // Rewrites message i when that makes it smaller (a protected or dropped
  // message is never rewritten); returns whether it did.
  bool replace(std::size_t i, Message message);
  void drop(std::size_t i);
  // A message placed before message i (a summary or a marker). Its tokens
  // count as soon as it is placed.
  void insert_before(std::size_t i, Message message);
  void remove_insert(std::size_t i);
  std::int64_t insert_tokens(std::size_t i) const;

  // The condensed request, or nullopt when nothing changed or it is no
  // smaller than the request was.
  std::optional<ChatRequest> result() const;

 private:
  const ChatRequest& request_;
  CondenseGoal goal_;
  const TokenCounter& count_;
  std::vector<Message> messages_;
  std::vector<std::int64_t> tokens_;
  std::vector<bool> protected_;
  std::vector<bool> dropped_;
  std::map<std::size_t, std::pair<Message, std::int64_t>> inserts_;
  std::vector<Unit> units_;
  std::size_t last_user_ = 0;
  mutable std::size_t lead_ = 0;  // no message before it but instructions and dropped ones
  std::int64_t total_ = 0;
  std::int64_t initial_total_ = 0;
  bool changed_ = false;
};

// Drops units one at a time, keeping for each run of consecutive dropped
// units one marker message "[aisbf condensed: N earlier messages omitted by
// METHOD]" (none when the marker would cost more than the run, unless the
// run starts the conversation with a user message: the marker, a user
// message, keeps it starting with one), so that the model knows something
// was cut. The total stays exact after every drop.
class UnitDropper {
 public:
  UnitDropper(Conversation& conversation, std::string_view method);
  // False for a protected or already dropped unit.
  bool drop(std::size_t unit_index);

 private:
  struct Run {
    std::size_t last = 0;  // unit index
    std::int64_t cut = 0;  // the tokens its drops removed
  };
  void place_marker(std::size_t first, const Run& run);

  Conversation& conversation_;
  std::string method_;
  std::vector<bool> dropped_;
  std::map<std::size_t, Run> runs_;  // by first unit index
};

// Role of a message placed at position i: user before the last user
// message, assistant after it (a user message there would become the last
// one, which must stay the caller's).
Role inserted_role(const Conversation& conversation, std::size_t i);

Message text_message(Role role, std::string text);

// Which texts of a message rewrite_texts passes on.
enum class Texts { prose, results, both };

// Message i with its texts (text blocks, tool results, or both) passed
// through `rewrite(text, block)`, which returns the new text or nullopt to
// leave it; the message is replaced when that makes it smaller in tokens
// (never a protected or dropped one). Returns whether it was.
template <typename Rewrite>
bool rewrite_texts(Conversation& c, std::size_t i, Texts which, Rewrite&& rewrite) {
  if (c.is_protected(i) || c.is_dropped(i)) return false;
  Message m = c.message(i);
  bool changed = false;
  for (auto& block : m.content) {
    std::string* text = nullptr;
    if (auto* t = std::get_if<TextBlock>(&block); t != nullptr && which != Texts::results) text = &t->text;
    if (auto* r = std::get_if<ToolResultBlock>(&block); r != nullptr && which != Texts::prose) text = &r->content;
    if (text == nullptr) continue;
    std::optional<std::string> out = rewrite(std::string_view(*text), std::as_const(block));
    if (out && *out != *text) {
      *text = std::move(*out);
      changed = true;
    }
  }
  return changed && c.replace(i, std::move(m));
}

// A copy of every field of `request` but its messages.
ChatRequest without_messages(const ChatRequest& request);

// One line saying what a message held: its role, the first sentence of its
// text, its tool calls (name and the start of the arguments), the first line
// of its tool results and their length, its images.
std::string message_extract(const Message& message);

}  // namespace aisbf::context
