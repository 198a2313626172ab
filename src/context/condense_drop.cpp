// The methods that drop whole units, each in its own order, until the
// request fits: sliding_window (oldest first), importance_based (lowest
// score first), entity_aware (fewest mentions of what the last turn is
// about first). A labelled marker stands where units went.
#include <algorithm>
#include <cctype>
#include <numeric>
#include <unordered_set>

#include "context/condense_methods.hpp"
#include "context/condense_text.hpp"

namespace aisbf::context {

namespace {

// Calls fn(text) for every text a message carries: its text, its tool
// calls' names and arguments, its tool results, its reasoning.
template <typename Fn>
void for_each_text(const Message& message, Fn&& fn) {
  for (const auto& block : message.content) {
    if (const auto* t = std::get_if<TextBlock>(&block)) {
      fn(std::string_view(t->text));
    } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
      fn(std::string_view(call->name));
      fn(std::string_view(call->arguments_json));
    } else if (const auto* r = std::get_if<ToolResultBlock>(&block)) {
      fn(std::string_view(r->content));
    } else if (const auto* th = std::get_if<ThinkingBlock>(&block)) {
      fn(std::string_view(th->text));
    }
  }
}

// Units in the given order, dropped until the request fits.
void drop_in_order(Conversation& conversation, const std::vector<std::size_t>& order, std::string_view method) {
  UnitDropper dropper(conversation, method);
  for (std::size_t u : order) {
    if (conversation.fits()) return;
    dropper.drop(u);
  }
}

// Unprotected units sorted by (key, position): the lowest key goes first,
// the older of equal keys first.
template <typename Key>
std::vector<std::size_t> order_by(const Conversation& conversation, Key&& key) {
  std::vector<std::pair<std::int64_t, std::size_t>> keyed;
  for (std::size_t u = 0; u < conversation.units().size(); ++u) {
    if (!conversation.unit_protected(conversation.units()[u])) keyed.emplace_back(key(u), u);
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::size_t> order;
  order.reserve(keyed.size());
  for (const auto& [k, u] : keyed) order.push_back(u);
  return order;
}

bool looks_like_error(std::string_view text) {
  for (std::string_view word : {"error", "Error", "ERROR", "FAIL", "failed", "Traceback", "exception"}) {
    if (text.find(word) != std::string_view::npos) return true;
  }
  return false;
}

// What a unit is worth keeping: what the user said and asked most, errors
// and code next, answers, then routine tool traffic; recent units more.
std::int64_t importance(const Conversation& conversation, std::size_t u) {
  const Unit& unit = conversation.units()[u];
  const Message& head = conversation.message(unit.begin);
  std::int64_t score = head.role == Role::user ? 3 : head.role == Role::assistant ? 1 : 0;
  bool question = false, error = false, code = false, calls = false;
  for (std::size_t i = unit.begin; i < unit.end; ++i) {
    for (const auto& block : conversation.message(i).content) {
      if (const auto* t = std::get_if<TextBlock>(&block)) {
        question = question || t->text.find('?') != std::string::npos;
        code = code || has_fenced_code(t->text);
      } else if (const auto* r = std::get_if<ToolResultBlock>(&block)) {
        error = error || r->is_error || looks_like_error(r->content);
      } else if (std::holds_alternative<ToolCallBlock>(block)) {
        calls = true;
      }
    }
  }
  if (head.role == Role::assistant && !calls) score += 1;  // an answer, not a step
  if (question && head.role == Role::user) score += 1;
  if (error) score += 2;
  if (code) score += 1;
  return score + static_cast<std::int64_t>(4 * u / conversation.units().size());
}

bool is_word_char(char c) {
  auto b = static_cast<unsigned char>(c);
  return std::isalnum(b) != 0 || c == '_' || c == '.' || c == '/' || c == '-' || c == '@' || b >= 0x80;
}

// Names worth following: identifiers with '_' or inner capitals, paths and
// dotted names, e-mail addresses, numbers of three digits or more.
bool is_entity(std::string_view w) {
  if (w.size() < 3) return false;
  bool digit = false, inner_sep = false, camel = false;
  for (std::size_t i = 0; i < w.size(); ++i) {
    auto c = static_cast<unsigned char>(w[i]);
    digit = digit || std::isdigit(c) != 0;
    if (w[i] == '_' || w[i] == '@') inner_sep = true;
    if ((w[i] == '.' || w[i] == '/') && i > 0 && i + 1 < w.size()) inner_sep = true;
    if (i > 0 && std::isupper(c) != 0 && std::islower(static_cast<unsigned char>(w[i - 1])) != 0) camel = true;
  }
  return inner_sep || camel || digit;
}

template <typename Fn>
void for_each_entity(std::string_view text, Fn&& fn) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_word_char(text[i])) ++i;
    std::size_t start = i;
    while (i < text.size() && is_word_char(text[i])) ++i;
    std::string_view w = text.substr(start, i - start);
    while (!w.empty() && (w.back() == '.' || w.back() == '-' || w.back() == '/')) w.remove_suffix(1);
    while (!w.empty() && (w.front() == '.' || w.front() == '-')) w.remove_prefix(1);
    if (is_entity(w)) fn(w);
  }
}

}  // namespace

void condense_sliding_window(Conversation& conversation) {
  std::vector<std::size_t> order(conversation.units().size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  drop_in_order(conversation, order, "sliding_window");
}

void condense_importance_based(Conversation& conversation) {
  auto order = order_by(conversation, [&](std::size_t u) { return importance(conversation, u); });
  drop_in_order(conversation, order, "importance_based");
}

void condense_entity_aware(Conversation& conversation) {
  std::size_t focus_start = conversation.last_user() < conversation.size() ? conversation.last_user() : 0;
  std::unordered_set<std::string_view> focus;
  for (std::size_t i = focus_start; i < conversation.size(); ++i) {
    for_each_text(conversation.message(i),
                  [&](std::string_view text) { for_each_entity(text, [&](std::string_view e) { focus.insert(e); }); });
  }
  auto mentions = [&](std::size_t u) {
    std::unordered_set<std::string_view> found;
    const Unit& unit = conversation.units()[u];
    for (std::size_t i = unit.begin; i < unit.end; ++i) {
      for_each_text(conversation.message(i), [&](std::string_view text) {
        for_each_entity(text, [&](std::string_view e) {
          if (focus.contains(e)) found.insert(e);
        });
      });
    }
    return static_cast<std::int64_t>(found.size());
  };
  drop_in_order(conversation, order_by(conversation, mentions), "entity_aware");
}

}  // namespace aisbf::context
