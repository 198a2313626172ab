// algorithmic: deterministic compression in steps of growing loss, each
// run only while the request is still above the goal:
// 1. whitespace and lines repeated in a row collapsed;
// 2. exact duplicates: of two equal texts or tool outputs, the earlier goes
//    (a text message is dropped, a tool output replaced by a note, so that
//    its call keeps its result);
// 3. near duplicates (MinHash over word trigrams), likewise;
// 4. long tool outputs, oldest first, cut to head and tail with a marker
//    naming how many lines and bytes went.
#include <deque>
#include <unordered_map>

#include <fmt/format.h>

#include "context/condense_methods.hpp"
#include "context/condense_text.hpp"

namespace aisbf::context {

namespace {

constexpr std::int64_t kLongOutputTokens = 400;
constexpr std::size_t kHeadBytes = 1200;
constexpr std::size_t kTailBytes = 800;
constexpr std::size_t kNearWindow = 64;       // later candidates each text is compared with
constexpr std::size_t kNearEqualSlots = 13;   // of 16: an estimated Jaccard similarity ≥ 0.8
constexpr std::size_t kNearMinShingles = 24;  // shorter texts are left to the exact step

bool editable(const Conversation& c, std::size_t i) { return !c.is_protected(i) && !c.is_dropped(i); }

// The text of a message made only of text (no tool traffic, no image).
std::optional<std::string> plain_text(const Message& message) {
  std::string out;
  for (const auto& block : message.content) {
    const auto* t = std::get_if<TextBlock>(&block);
    if (t == nullptr) return std::nullopt;
    out += t->text;
    out += '\n';
  }
  return out;
}

const ToolResultBlock* only_result(const Message& message) {
  if (message.content.size() != 1) return nullptr;
  return std::get_if<ToolResultBlock>(&message.content.front());
}

// What two messages must share to be duplicates: a kind (the role, or tool
// output) and a text.
struct Comparable {
  int kind = -1;  // -1: not comparable
  std::string text;
};
Comparable comparable(const Message& message) {
  if (const auto* r = only_result(message)) return {100, r->content};
  if (auto text = plain_text(message)) return {static_cast<int>(message.role), std::move(*text)};
  return {};
}

void collapse(Conversation& c) {
  for (std::size_t i = 0; i < c.size() && !c.fits(); ++i) {
    rewrite_texts(c, i, Texts::both, [](std::string_view text, const ContentBlock&) -> std::optional<std::string> {
      return collapse_repeated_lines(collapse_whitespace(text));
    });
  }
}

// The earlier of two duplicates goes: a text message is dropped (or, when
// it starts the conversation, which must keep starting with the same role,
// becomes a note), a tool output becomes a note.
void remove_earlier(Conversation& c, std::size_t i, bool near) {
  const Message& m = c.message(i);
  std::string_view what = only_result(m) != nullptr ? "output" : "message";
  std::string note = near ? fmt::format("[aisbf condensed: a nearly identical {} follows later]", what)
                          : fmt::format("[aisbf condensed: the same {} appears again later]", what);
  if (only_result(m) == nullptr && !c.leads(i)) {
    c.drop(i);
    return;
  }
  Message out = m;
  if (only_result(m) != nullptr) {
    std::get<ToolResultBlock>(out.content.front()).content = std::move(note);
  } else {
    out.content = {TextBlock{std::move(note)}};
  }
  c.replace(i, std::move(out));
}

void drop_exact_duplicates(Conversation& c) {
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> later;  // hash → later messages
  std::vector<Comparable> texts(c.size());
  for (std::size_t i = c.size(); i-- > 0 && !c.fits();) {
    texts[i] = comparable(c.message(i));
    if (texts[i].kind < 0 || c.is_dropped(i)) continue;
    std::uint64_t h = fnv1a(texts[i].text) ^ static_cast<std::uint64_t>(texts[i].kind);
    auto& same = later[h];
    bool duplicate = std::any_of(same.begin(), same.end(), [&](std::size_t j) {
      return texts[j].kind == texts[i].kind && texts[j].text == texts[i].text;
    });
    if (duplicate && editable(c, i)) {
      remove_earlier(c, i, false);
    } else if (!duplicate) {
      same.push_back(i);
    }
  }
}

void drop_near_duplicates(Conversation& c) {
  struct Seen {
    int kind;
    MinHash hash;
  };
  std::deque<Seen> later;
  for (std::size_t i = c.size(); i-- > 0 && !c.fits();) {
    if (c.is_dropped(i)) continue;
    Comparable text = comparable(c.message(i));
    if (text.kind < 0) continue;
    MinHash hash = min_hash(text.text);
    if (hash.shingles < kNearMinShingles) continue;
    bool near = std::any_of(later.begin(), later.end(), [&](const Seen& s) {
      return s.kind == text.kind && equal_slots(s.hash, hash) >= kNearEqualSlots;
    });
    if (near && editable(c, i)) remove_earlier(c, i, true);
    later.push_front({text.kind, hash});
    if (later.size() > kNearWindow) later.pop_back();
  }
}

void shorten_long_outputs(Conversation& c) {
  for (std::size_t i = 0; i < c.size() && !c.fits(); ++i) {
    if (c.tokens(i) <= kLongOutputTokens) continue;
    rewrite_texts(c, i, Texts::results, [](std::string_view text, const ContentBlock&) -> std::optional<std::string> {
      return head_and_tail(text, kHeadBytes, kTailBytes);
    });
  }
}

}  // namespace

void condense_algorithmic(Conversation& conversation) {
  collapse(conversation);
  drop_exact_duplicates(conversation);
  drop_near_duplicates(conversation);
  shorten_long_outputs(conversation);
}

}  // namespace aisbf::context
