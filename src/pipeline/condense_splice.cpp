#include "pipeline/condense_splice.hpp"
#include "core/chat_roles.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_map>

namespace aisbf {

namespace {

bool is_instruction(Role role) { return role == Role::system || role == Role::developer; }

// Moves `tail_begin` back until no tool result in the tail answers a call
// before it: the pair then stays whole in the tail. One pass from the end
// (a crafted order of calls and results must not make it quadratic): every
// message from the end down to the moving start is read once.
std::size_t keep_pairs_whole(const ChatRequest& request, std::size_t tail_begin) {
  std::unordered_map<std::string_view, std::size_t> call_at;  // call id → its message
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    for (const auto& block : request.messages[i].content) {
      if (const auto* call = std::get_if<ToolCallBlock>(&block)) call_at.emplace(call->id, i);
    }
  }
  for (std::size_t i = request.messages.size(); i-- > tail_begin;) {
    for (const auto& block : request.messages[i].content) {
      const auto* r = std::get_if<ToolResultBlock>(&block);
      if (r == nullptr) continue;
      auto call = call_at.find(r->tool_call_id);
      if (call != call_at.end() && call->second < tail_begin) tail_begin = call->second;
    }
  }
  return tail_begin;
}

// The longest prefix of `text` of at most `max_bytes` that ends on a UTF-8 boundary.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

void append_block(std::string& out, const ContentBlock& block) {
  if (const auto* t = std::get_if<TextBlock>(&block)) {
    out += t->text;
  } else if (std::holds_alternative<ImageBlock>(block)) {
    out += "[image]";
  } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
    out += "[called tool " + call->name + " with " + call->arguments_json + "]";
  } else if (const auto* result = std::get_if<ToolResultBlock>(&block)) {
    out += result->is_error ? "[tool error] " : "[tool result] ";
    out += result->content;
  } else if (const auto* thinking = std::get_if<ThinkingBlock>(&block)) {
    out += "[reasoning] " + thinking->text;
  }
}

}  // namespace

std::optional<SummarySplit> split_for_summary(const ChatRequest& request) {
  const auto& messages = request.messages;
  auto last_user =
      std::find_if(messages.rbegin(), messages.rend(), [](const Message& m) { return m.role == Role::user; });
  if (last_user == messages.rend()) return std::nullopt;
  SummarySplit split;
  split.tail_begin = keep_pairs_whole(request, static_cast<std::size_t>(messages.rend() - last_user) - 1);
  for (std::size_t i = 0; i < split.tail_begin; ++i) {
    (is_instruction(messages[i].role) ? split.kept : split.summarised).push_back(i);
  }
  if (split.summarised.empty()) return std::nullopt;
  return split;
}

std::string condensation_transcript(const ChatRequest& request, const std::vector<std::size_t>& indices) {
  std::string out;
  for (std::size_t i : indices) {
    const Message& m = request.messages[i];
    if (!out.empty()) out += "\n\n";
    out += role_name(m.role);
    if (!m.name.empty()) out += " (" + m.name + ")";
    out += ": ";
    for (std::size_t b = 0; b < m.content.size(); ++b) {
      if (b > 0) out += '\n';
      append_block(out, m.content[b]);
    }
  }
  return out;
}

std::string last_user_text(const ChatRequest& request, std::size_t max_bytes) {
  for (auto it = request.messages.rbegin(); it != request.messages.rend(); ++it) {
    if (it->role != Role::user) continue;
    std::string text;
    for (const auto& block : it->content) {
      if (const auto* t = std::get_if<TextBlock>(&block)) text += (text.empty() ? "" : "\n") + t->text;
    }
    return std::string(utf8_prefix(text, max_bytes));
  }
  return {};
}

ChatRequest splice_summary(const ChatRequest& request, const SummarySplit& split, std::string_view heading,
                           std::string_view summary) {
  std::vector<Message> messages;
  messages.reserve(split.kept.size() + 1 + (request.messages.size() - split.tail_begin));
  for (std::size_t i : split.kept) messages.push_back(request.messages[i]);
  messages.push_back(Message{Role::user, {TextBlock{std::string(heading) + "\n\n" + std::string(summary)}}, {}});
  messages.insert(messages.end(), request.messages.begin() + static_cast<std::ptrdiff_t>(split.tail_begin),
                  request.messages.end());
  ChatRequest out = request;  // every other field as sent: model, tools, max_tokens, extensions…
  out.messages = std::move(messages);
  return out;
}

}  // namespace aisbf
