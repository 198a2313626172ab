#include "context/condense_work.hpp"
#include "core/chat_roles.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

#include <fmt/format.h>

#include "context/condense_text.hpp"

namespace aisbf::context {

namespace {

bool has_image(const Message& message) {
  return std::any_of(message.content.begin(), message.content.end(),
                     [](const ContentBlock& b) { return std::holds_alternative<ImageBlock>(b); });
}

}  // namespace

ChatRequest without_messages(const ChatRequest& request) {
  ChatRequest out;
  out.model = request.model;
  out.tools = request.tools;
  out.tool_choice = request.tool_choice;
  out.max_tokens = request.max_tokens;
  out.temperature = request.temperature;
  out.top_p = request.top_p;
  out.stop = request.stop;
  out.stream = request.stream;
  out.include_usage = request.include_usage;
  out.extensions = request.extensions;
  return out;
}

Message text_message(Role role, std::string text) {
  Message m;
  m.role = role;
  m.content.emplace_back(TextBlock{std::move(text)});
  return m;
}

std::string message_extract(const Message& message) {
  std::string out = fmt::format("- {}:", role_name(message.role));
  for (const auto& block : message.content) {
    if (const auto* t = std::get_if<TextBlock>(&block)) {
      if (auto s = first_sentence(t->text, 160); !s.empty()) out += " " + s;
    } else if (std::holds_alternative<ImageBlock>(block)) {
      out += " [image]";
    } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
      out += fmt::format(" called {} {}", call->name, first_line(call->arguments_json, 80));
    } else if (const auto* r = std::get_if<ToolResultBlock>(&block)) {
      std::size_t lines = line_count(r->content);
      out += fmt::format(" {}{} ({} line{})", r->is_error ? "error: " : "", first_line(r->content, 100), lines,
                         lines == 1 ? "" : "s");
    }
  }
  return out;
}

Conversation::Conversation(const ChatRequest& request, const CondenseGoal& goal, const TokenCounter& count)
    : request_(request), goal_(goal), count_(count), messages_(request.messages) {
  // The prompt's fixed part (the reply's priming, the tool definitions),
  // counted once without the messages: every message is then counted alone.
  ChatRequest fixed;
  fixed.tools = request.tools;
  total_ = count_.request(fixed);
  tokens_.reserve(messages_.size());
  for (const auto& m : messages_) {
    tokens_.push_back(count_.message(m));
    total_ += tokens_.back();
  }
  initial_total_ = total_;
  dropped_.assign(messages_.size(), false);
  protected_ = find_protected(messages_);
  last_user_ = find_last_user(messages_);
  units_ = find_units(messages_);
}

std::size_t find_last_user(const std::vector<Message>& messages) {
  for (std::size_t i = messages.size(); i-- > 0;) {
    if (messages[i].role == Role::user) return i;
  }
  return messages.size();
}

std::vector<bool> find_protected(const std::vector<Message>& messages) {
  std::vector<bool> out(messages.size(), false);
  std::size_t last_user = find_last_user(messages);
  std::size_t last_turn = last_user == messages.size() ? 0 : last_user;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Role role = messages[i].role;
    out[i] =
        role == Role::system || role == Role::developer || i == last_user || (i >= last_turn && has_image(messages[i]));
  }
  return out;
}

// A unit grows until it holds the last result of every call it contains;
// the messages between come with it, so that dropping a unit never leaves a
// call without its result nor a result without its call.
std::vector<Unit> find_units(const std::vector<Message>& messages) {
  std::unordered_map<std::string_view, std::size_t> last_result;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    for (const auto& block : messages[i].content) {
      if (const auto* r = std::get_if<ToolResultBlock>(&block)) last_result[r->tool_call_id] = i;
    }
  }
  std::vector<Unit> units;
  for (std::size_t begin = 0; begin < messages.size();) {
    std::size_t end = begin + 1;
    for (std::size_t i = begin; i < end; ++i) {
      for (const auto& block : messages[i].content) {
        const auto* call = std::get_if<ToolCallBlock>(&block);
        if (call == nullptr) continue;
        if (auto it = last_result.find(call->id); it != last_result.end() && it->second >= end) end = it->second + 1;
      }
    }
    units.push_back({begin, end});
    begin = end;
  }
  return units;
}

bool Conversation::unit_protected(const Unit& unit) const {
  for (std::size_t i = unit.begin; i < unit.end; ++i) {
    if (protected_[i]) return true;
  }
  return false;
}

// Messages are dropped, never restored, so the first one still open only
// moves forward: leads() is amortised O(1).
bool Conversation::leads(std::size_t i) const {
  while (lead_ < messages_.size() &&
         (dropped_[lead_] || messages_[lead_].role == Role::system || messages_[lead_].role == Role::developer)) {
    ++lead_;
  }
  return i <= lead_;
}

bool Conversation::replace(std::size_t i, Message message) {
  if (protected_[i] || dropped_[i]) return false;
  std::int64_t n = count_.message(message);
  if (n >= tokens_[i]) return false;
  total_ += n - tokens_[i];
  tokens_[i] = n;
  messages_[i] = std::move(message);
  changed_ = true;
  return true;
}

void Conversation::drop(std::size_t i) {
  if (protected_[i] || dropped_[i]) return;
  dropped_[i] = true;
  total_ -= tokens_[i];
  changed_ = true;
}

void Conversation::insert_before(std::size_t i, Message message) {
  remove_insert(i);
  std::int64_t n = count_.message(message);
  total_ += n;
  inserts_.emplace(i, std::make_pair(std::move(message), n));
  changed_ = true;
}

void Conversation::remove_insert(std::size_t i) {
  if (auto it = inserts_.find(i); it != inserts_.end()) {
    total_ -= it->second.second;
    inserts_.erase(it);
  }
}

std::int64_t Conversation::insert_tokens(std::size_t i) const {
  auto it = inserts_.find(i);
  return it == inserts_.end() ? 0 : it->second.second;
}

std::optional<ChatRequest> Conversation::result() const {
  if (!changed_ || total_ >= initial_total_) return std::nullopt;
  ChatRequest out = without_messages(request_);
  out.messages.reserve(messages_.size() + inserts_.size());
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    if (auto it = inserts_.find(i); it != inserts_.end()) out.messages.push_back(it->second.first);
    if (!dropped_[i]) out.messages.push_back(messages_[i]);
  }
  return out;
}

Role inserted_role(const Conversation& conversation, std::size_t i) {
  return i <= conversation.last_user() && conversation.last_user() < conversation.size() ? Role::user : Role::assistant;
}

UnitDropper::UnitDropper(Conversation& conversation, std::string_view method)
    : conversation_(conversation), method_(method), dropped_(conversation.units().size(), false) {}

bool UnitDropper::drop(std::size_t u) {
  const auto& units = conversation_.units();
  if (dropped_[u] || conversation_.unit_protected(units[u])) return false;
  dropped_[u] = true;
  Run run{u, 0};
  for (std::size_t i = units[u].begin; i < units[u].end; ++i) {
    if (conversation_.is_dropped(i)) continue;
    run.cut += conversation_.tokens(i);
    conversation_.drop(i);
  }
  std::size_t first = u;
  if (u > 0 && dropped_[u - 1]) {
    auto it = std::prev(runs_.upper_bound(u - 1));  // the run holding u - 1
    first = it->first;
    run.cut += it->second.cut;
    conversation_.remove_insert(units[first].begin);
    runs_.erase(it);
  }
  if (auto it = runs_.find(u + 1); it != runs_.end()) {
    run.last = it->second.last;
    run.cut += it->second.cut;
    conversation_.remove_insert(units[u + 1].begin);
    runs_.erase(it);
  }
  runs_[first] = run;
  place_marker(first, run);
  return true;
}

void UnitDropper::place_marker(std::size_t first, const Run& run) {
  const auto& units = conversation_.units();
  std::size_t begin = units[first].begin, end = units[run.last].end;
  Message marker = text_message(inserted_role(conversation_, begin),
                                fmt::format("[aisbf condensed: {} earlier message{} omitted by {}]", end - begin,
                                            end - begin == 1 ? "" : "s", method_));
  conversation_.insert_before(begin, std::move(marker));
  bool starts = conversation_.leads(begin) && conversation_.message(begin).role == Role::user;
  if (!starts && conversation_.insert_tokens(begin) >= run.cut) conversation_.remove_insert(begin);
}

}  // namespace aisbf::context
