#include "context/condense_splice.hpp"

#include <fmt/format.h>

#include "context/condense_text.hpp"
#include "context/condense_work.hpp"

namespace aisbf::context {

namespace {

void append_message(std::string& out, const Message& m) {
  out += role_name(m.role);
  out += ":";
  for (const auto& block : m.content) {
    if (const auto* t = std::get_if<TextBlock>(&block)) {
      out += " " + t->text;
    } else if (std::holds_alternative<ImageBlock>(block)) {
      out += " [image]";
    } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
      out += fmt::format(" [called {} {}]", call->name, call->arguments_json);
    } else if (const auto* r = std::get_if<ToolResultBlock>(&block)) {
      out += fmt::format(" [{}result: {}]", r->is_error ? "error " : "", r->content);
    }
  }
  out += "\n";
}

}  // namespace

std::optional<SummarySpan> span_to_summarise(const ChatRequest& request, std::size_t keep_recent_units) {
  const auto& messages = request.messages;
  std::vector<Unit> units = find_units(messages);
  std::vector<bool> guarded = find_protected(messages);
  std::size_t last_user = find_last_user(messages);
  auto unit_guarded = [&](const Unit& u) {
    for (std::size_t i = u.begin; i < u.end; ++i) {
      if (guarded[i]) return true;
    }
    return false;
  };
  // Two candidate regions of units, [from, to): before the last user
  // message, and after it less the most recent units.
  auto span_in = [&](std::size_t from, std::size_t to) -> std::optional<SummarySpan> {
    while (from < to && unit_guarded(units[from])) ++from;
    std::size_t end = from;
    while (end < to && !unit_guarded(units[end])) ++end;
    if (end == from) return std::nullopt;
    return SummarySpan{units[from].begin, units[end - 1].end};
  };
  std::size_t user_unit = units.size();
  for (std::size_t u = 0; u < units.size(); ++u) {
    if (units[u].begin <= last_user && last_user < units[u].end) user_unit = u;
  }
  if (user_unit < units.size()) {
    if (auto span = span_in(0, user_unit)) return span;
    std::size_t tail = units.size() > keep_recent_units ? units.size() - keep_recent_units : 0;
    return span_in(user_unit + 1, std::max(tail, user_unit + 1));
  }
  std::size_t tail = units.size() > keep_recent_units ? units.size() - keep_recent_units : 0;
  return span_in(0, tail);
}

std::string span_transcript(const ChatRequest& request, SummarySpan span, std::size_t max_bytes) {
  std::string out;
  for (std::size_t i = span.begin; i < span.end && i < request.messages.size(); ++i) {
    append_message(out, request.messages[i]);
  }
  if (out.size() <= max_bytes) return out;
  return head_and_tail(out, max_bytes * 2 / 5, max_bytes * 2 / 5);
}

ChatRequest splice_summary(const ChatRequest& request, SummarySpan span, std::string_view method,
                           std::string_view summary) {
  ChatRequest out = without_messages(request);
  out.messages.reserve(request.messages.size() - (span.end - span.begin) + 1);
  std::size_t last_user = find_last_user(request.messages);
  bool before_last_user = last_user < request.messages.size() && span.begin <= last_user;
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    if (i == span.begin) {
      out.messages.push_back(text_message(
          before_last_user ? Role::user : Role::assistant,
          fmt::format("[aisbf condensed: {} messages summarised by {}]\n{}", span.end - span.begin, method, summary)));
    }
    if (i < span.begin || i >= span.end) out.messages.push_back(request.messages[i]);
  }
  return out;
}

}  // namespace aisbf::context
