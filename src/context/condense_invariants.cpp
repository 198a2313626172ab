#include "context/condense_invariants.hpp"

#include <algorithm>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

namespace aisbf::context {

namespace {

bool same_block(const ContentBlock& a, const ContentBlock& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b);
        if constexpr (std::is_same_v<T, TextBlock>) return x.text == y.text;
        if constexpr (std::is_same_v<T, ImageBlock>) {
          return std::tie(x.url, x.media_type, x.data_base64, x.detail) ==
                 std::tie(y.url, y.media_type, y.data_base64, y.detail);
        }
        if constexpr (std::is_same_v<T, ToolCallBlock>) {
          return std::tie(x.id, x.name, x.arguments_json) == std::tie(y.id, y.name, y.arguments_json);
        }
        if constexpr (std::is_same_v<T, ToolResultBlock>) {
          return std::tie(x.tool_call_id, x.content, x.is_error) == std::tie(y.tool_call_id, y.content, y.is_error);
        }
        if constexpr (std::is_same_v<T, ThinkingBlock>) return x.text == y.text && x.signature == y.signature && x.encrypted_content == y.encrypted_content;
      },
      a);
}

std::optional<std::string> broken_field(const ChatRequest& a, const ChatRequest& b) {
  if (a.model != b.model) return "the model changed";
  if (a.tools.size() != b.tools.size()) return "the tools changed";
  for (std::size_t i = 0; i < a.tools.size(); ++i) {
    const auto &x = a.tools[i], &y = b.tools[i];
    if (x.name != y.name || x.description != y.description || x.parameters != y.parameters) {
      return fmt::format("tool {} changed", x.name);
    }
  }
  if (a.tool_choice.mode != b.tool_choice.mode || a.tool_choice.name != b.tool_choice.name) {
    return "tool_choice changed";
  }
  if (a.max_tokens != b.max_tokens) return "max_tokens changed";
  if (a.temperature != b.temperature || a.top_p != b.top_p) return "the sampling parameters changed";
  if (a.stop != b.stop) return "stop changed";
  if (a.stream != b.stream || a.include_usage != b.include_usage) return "stream or include_usage changed";
  if (a.extensions != b.extensions) return "the extensions changed";
  return std::nullopt;
}

std::vector<const Message*> instructions(const ChatRequest& r) {
  std::vector<const Message*> out;
  for (const auto& m : r.messages) {
    if (m.role == Role::system || m.role == Role::developer) out.push_back(&m);
  }
  return out;
}

std::size_t last_user(const ChatRequest& r) {
  for (std::size_t i = r.messages.size(); i-- > 0;) {
    if (r.messages[i].role == Role::user) return i;
  }
  return r.messages.size();
}

bool starts_with_user(const ChatRequest& r) {
  for (const auto& m : r.messages) {
    if (m.role != Role::system && m.role != Role::developer) return m.role == Role::user;
  }
  return false;
}

using ImageKey = std::tuple<std::string, std::string, std::string, std::string>;

std::multiset<ImageKey> last_turn_images(const ChatRequest& r) {
  std::size_t from = last_user(r);
  if (from == r.messages.size()) from = 0;
  std::multiset<ImageKey> out;
  for (std::size_t i = from; i < r.messages.size(); ++i) {
    for (const auto& block : r.messages[i].content) {
      if (const auto* image = std::get_if<ImageBlock>(&block)) {
        out.emplace(image->url, image->media_type, image->data_base64, image->detail);
      }
    }
  }
  return out;
}

// Where each call and each result sits, and whether each result is among
// the tool messages directly after its call's message.
struct Pairing {
  std::unordered_map<std::string, std::size_t> call_at;
  std::unordered_map<std::string, std::size_t> result_at;
  std::unordered_set<std::string> adjacent;  // call ids whose result follows directly
};

bool only_results(const Message& m) {
  return !m.content.empty() && std::all_of(m.content.begin(), m.content.end(), [](const ContentBlock& b) {
    return std::holds_alternative<ToolResultBlock>(b);
  });
}

Pairing pairing(const ChatRequest& r) {
  Pairing p;
  for (std::size_t i = 0; i < r.messages.size(); ++i) {
    for (const auto& block : r.messages[i].content) {
      if (const auto* call = std::get_if<ToolCallBlock>(&block)) p.call_at.emplace(call->id, i);
      if (const auto* res = std::get_if<ToolResultBlock>(&block)) p.result_at.emplace(res->tool_call_id, i);
    }
  }
  for (const auto& [id, at] : p.result_at) {
    auto call = p.call_at.find(id);
    if (call == p.call_at.end() || call->second >= at) continue;
    bool direct = true;
    for (std::size_t j = call->second + 1; j <= at && direct; ++j) direct = only_results(r.messages[j]);
    if (direct) p.adjacent.insert(id);
  }
  return p;
}

std::optional<std::string> broken_pairs(const ChatRequest& before, const ChatRequest& after) {
  Pairing b = pairing(before), a = pairing(after);
  for (const auto& [id, at] : a.result_at) {
    auto call = a.call_at.find(id);
    bool paired_before = b.call_at.contains(id) && b.result_at.contains(id);
    if (!paired_before) continue;  // an orphan the caller sent stays the caller's
    if (call == a.call_at.end() || call->second >= at) return fmt::format("tool result {} has no call before it", id);
    if (b.adjacent.contains(id) && !a.adjacent.contains(id)) {
      return fmt::format("tool result {} no longer follows its call directly", id);
    }
  }
  for (const auto& [id, at] : a.call_at) {
    if (b.result_at.contains(id) && !a.result_at.contains(id)) return fmt::format("tool call {} lost its result", id);
  }
  return std::nullopt;
}

}  // namespace

bool same_message(const Message& a, const Message& b) {
  if (a.role != b.role || a.name != b.name || a.content.size() != b.content.size()) return false;
  for (std::size_t i = 0; i < a.content.size(); ++i) {
    if (!same_block(a.content[i], b.content[i])) return false;
  }
  return true;
}

std::optional<std::string> broken_invariant(const ChatRequest& before, const ChatRequest& after) {
  if (auto broken = broken_field(before, after)) return broken;
  auto sa = instructions(before), sb = instructions(after);
  if (sa.size() != sb.size()) return "the system messages changed";
  for (std::size_t i = 0; i < sa.size(); ++i) {
    if (!same_message(*sa[i], *sb[i])) return fmt::format("system message {} changed", i);
  }
  std::size_t ub = last_user(before), ua = last_user(after);
  if (ub < before.messages.size() &&
      (ua == after.messages.size() || !same_message(before.messages[ub], after.messages[ua]))) {
    return "the last user message changed";
  }
  if (starts_with_user(before) && !starts_with_user(after))
    return "the conversation no longer starts with a user message";
  auto images = last_turn_images(before), kept = last_turn_images(after);
  if (!std::includes(kept.begin(), kept.end(), images.begin(), images.end()))
    return "an image of the last turn is lost";
  return broken_pairs(before, after);
}

}  // namespace aisbf::context
