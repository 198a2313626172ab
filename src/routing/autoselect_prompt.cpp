#include "routing/autoselect_prompt.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "context/condense_text.hpp"
#include "core/chat_roles.hpp"
#include "routing/autoselect_answer.hpp"

namespace aisbf::routing {

namespace {

// A tool result says little about what the conversation needs next, and can
// be megabytes: its first bytes are enough to tell what it was.
constexpr std::size_t kToolResultBytes = 200;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Whether `text` at `at` starts with `word` (lower-case ASCII), ignoring case.
bool starts_with_at(std::string_view text, std::size_t at, std::string_view word) {
  if (text.size() - at < word.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    if (lower(text[at + k]) != word[k]) return false;
  }
  return true;
}

// `<` followed by one of `names` (each with its optional `/`) becomes `&lt;`.
std::string neutralise(std::string_view text, std::span<const std::string_view> names) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<') {
      const std::size_t name_at = i + 1 < text.size() && text[i + 1] == '/' ? i + 2 : i + 1;
      if (std::any_of(names.begin(), names.end(), [&](auto n) { return starts_with_at(text, name_at, n); })) {
        out += "&lt;";
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

constexpr std::array<std::string_view, 1> kOurTags = {"aisbf_"};
// `<model>`, `<model_id>`, `<model_description>`: the list's own tags.
constexpr std::array<std::string_view, 2> kListTags = {"aisbf_", "model"};

// One message as a `role: text` line (with its line end), or empty when
// nothing of it is shown (a message of reasoning alone).
std::string render_message(const Message& message) {
  std::string body;
  auto part = [&](std::string_view text) {
    if (!body.empty()) body += '\n';
    body.append(text);
  };
  for (const auto& block : message.content) {
    if (const auto* t = std::get_if<TextBlock>(&block)) {
      if (!t->text.empty()) part(t->text);
    } else if (std::holds_alternative<ImageBlock>(block)) {
      part("[image]");
    } else if (const auto* c = std::get_if<ToolCallBlock>(&block)) {
      part("[tool call " + c->name + "]");
    } else if (const auto* r = std::get_if<ToolResultBlock>(&block)) {
      const auto head = context::utf8_prefix(r->content, kToolResultBytes);
      part("[tool result] " + std::string(head) + (head.size() < r->content.size() ? "…" : ""));
    }
  }
  if (body.empty()) return {};
  std::string line = std::string(role_name(message.role)) + ": " + neutralise(body, kOurTags);
  line += '\n';
  return line;
}

std::int64_t count_line(const std::string& line, Role role, const context::TokenCounter& counter) {
  Message m{role, {}, {}};
  m.content.emplace_back(TextBlock{line});
  return counter.message(m);
}

// Tokens are rarely longer than a few bytes: a message of more than this
// many bytes per token of the budget is cut before it is counted, so that a
// megabyte paste is not tokenized whole only to be cut.
constexpr std::int64_t kBytesPerTokenCap = 16;

bool surely_over(const std::string& line, std::int64_t budget) {
  return static_cast<std::int64_t>(line.size()) / kBytesPerTokenCap > budget;
}

// Whether an older message's `line` may fit the `left` tokens of the
// budget, found without reading more of it than the budget could hold: a
// line of more than kBytesPerTokenCap bytes a token is over unread, and the
// tokenizer's prefix search (TokenCounter::text_prefix_within) stops where
// the budget runs out. A counter that cannot search says "may": the caller
// counts the line, at most kBytesPerTokenCap bytes a token of the budget.
bool may_fit(const std::string& line, Role role, std::int64_t left, const context::TokenCounter& counter) {
  if (left <= 0 || surely_over(line, left)) return false;
  const std::int64_t overhead = count_line({}, role, counter);
  const auto prefix = counter.text_prefix_within(line, left - overhead);
  return !prefix || *prefix >= line.size();
}

// The newest message's line cut to its head and tail until it fits `budget`:
// each try keeps a share of the bytes in proportion to the overshoot.
std::string cut_to_budget(std::string line, Role role, std::int64_t budget, const context::TokenCounter& counter) {
  const std::string prefix = std::string(role_name(role)) + ": ";
  const std::string body = line.substr(prefix.size(), line.size() - prefix.size() - 1);
  std::size_t keep = body.size();
  if (surely_over(line, budget)) {
    keep = static_cast<std::size_t>(budget * kBytesPerTokenCap);
    line = prefix + context::head_and_tail(body, keep / 2, keep / 2) + '\n';
  }
  for (int attempt = 0; attempt < 12; ++attempt) {
    const std::int64_t tokens = count_line(line, role, counter);
    if (tokens <= budget || keep == 0) break;
    keep = static_cast<std::size_t>(static_cast<double>(keep) * 0.9 * static_cast<double>(budget) /
                                    static_cast<double>(tokens));
    line = prefix + context::head_and_tail(body, keep / 2, keep / 2) + '\n';
  }
  return line;
}

}  // namespace

std::string neutralise_aisbf_tags(std::string_view text) { return neutralise(text, kOurTags); }

std::string render_conversation(const ChatRequest& request, const ConversationWindow& window,
                                const context::TokenCounter& counter) {
  std::vector<std::string> kept;  // newest first
  std::int64_t used = 0;
  for (auto it = request.messages.rbegin(); it != request.messages.rend(); ++it) {
    if (window.messages != 0 && kept.size() >= window.messages) break;
    if (it->role == Role::system || it->role == Role::developer) continue;
    std::string line = render_message(*it);
    if (line.empty()) continue;
    if (window.tokens <= 0) {
      kept.push_back(std::move(line));
      continue;
    }
    if (kept.empty() && surely_over(line, window.tokens)) {
      kept.push_back(cut_to_budget(std::move(line), it->role, window.tokens, counter));
      break;
    }
    // An older message that does not fit ends the walk, its text not counted whole.
    if (!kept.empty() && !may_fit(line, it->role, window.tokens - used, counter)) break;
    const std::int64_t tokens = count_line(line, it->role, counter);
    if (used + tokens > window.tokens) {
      if (kept.empty()) kept.push_back(cut_to_budget(std::move(line), it->role, window.tokens, counter));
      break;
    }
    used += tokens;
    kept.push_back(std::move(line));
  }
  std::string out;
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) out += *it;
  return out;
}

std::string build_autoselect_prompt(const AutoselectPromptParts& parts) {
  std::string out(parts.instructions);
  out += "\n\n<aisbf_user_prompt>";
  out += neutralise(parts.conversation, kOurTags);
  out += "</aisbf_user_prompt>\n<aisbf_autoselect_list>\n";
  for (const auto& c : parts.candidates) {
    out += "<model><model_id>";
    out += neutralise(c.id, kListTags);
    out += "</model_id><model_description>";
    out += neutralise(c.description, kListTags);
    out += "</model_description></model>\n";
  }
  // AISBF's f-string puts the list (each line ending in \n) on a line of
  // its own: an empty line before the closing tag.
  out += "\n</aisbf_autoselect_list>\n<aisbf_autoselect_fallback>";
  out += neutralise(parts.fallback, kListTags);
  out += "</aisbf_autoselect_fallback>\n";
  return out;
}

std::string build_classify_prompt(std::string_view instructions, const ChatRequest& request,
                                  const ClassifyWindow& window) {
  const auto& messages = request.messages;
  const std::size_t from =
      window.messages == 0 || window.messages >= messages.size() ? 0 : messages.size() - window.messages;
  std::string text;
  for (std::size_t i = from; i < messages.size(); ++i) text += render_message(messages[i]);
  if (text.size() > window.max_bytes) text = context::head_and_tail(text, window.max_bytes / 2, window.max_bytes / 2);
  std::string out(instructions);
  out += "\n\n<aisbf_classify_content>";
  out += text;
  out += "</aisbf_classify_content>";
  return out;
}

ContentVerdict parse_classification(std::string_view answer) {
  // The selection answer's reader does the work (reasoning, tags, lines):
  // our tag is renamed to its tag, and the two verdicts are its candidates.
  static constexpr std::string_view kTag = "aisbf_classification", kAs = "aisbf_model_autoselection";
  std::string text;
  text.reserve(answer.size() + 16);
  for (std::size_t i = 0; i < answer.size(); ++i) {
    if (starts_with_at(answer, i, kTag)) {
      text += kAs;
      i += kTag.size() - 1;
    } else {
      text += lower(answer[i]);
    }
  }
  static const std::array<std::string, 2> kVerdicts = {"nsfw", "safe"};
  const auto verdict = parse_autoselect_answer(text, kVerdicts);
  if (!verdict) return ContentVerdict::unknown;
  return *verdict == "nsfw" ? ContentVerdict::nsfw : ContentVerdict::safe;
}

}  // namespace aisbf::routing
