// Test helpers of the condensation tests: a counter with a rule simple
// enough to work expected results out by hand, message builders, a compact
// rendering to compare requests, and a generator of random conversations.
#pragma once

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <string_view>

#include "context/condense.hpp"

namespace aisbf::context::testing {

inline std::int64_t words(std::string_view text) {
  std::int64_t n = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

// 3 per message plus its words (tool call names and arguments, results;
// ids are free), 85 per image; a request is 3 plus its messages and the
// words of its tools' names and descriptions.
class WordCounter final : public TokenCounter {
 public:
  std::int64_t message(const Message& m) const override {
    std::int64_t n = 3;
    for (const auto& block : m.content) {
      if (const auto* t = std::get_if<TextBlock>(&block)) n += words(t->text);
      if (std::holds_alternative<ImageBlock>(block)) n += 85;
      if (const auto* c = std::get_if<ToolCallBlock>(&block)) n += words(c->name) + words(c->arguments_json);
      if (const auto* r = std::get_if<ToolResultBlock>(&block)) n += words(r->content);
      if (const auto* th = std::get_if<ThinkingBlock>(&block)) n += words(th->text);
    }
    return n;
  }
  std::int64_t request(const ChatRequest& r) const override {
    std::int64_t n = 3;
    for (const auto& m : r.messages) n += message(m);
    for (const auto& t : r.tools) n += words(t.name) + words(t.description);
    return n;
  }
};

inline Message text(Role role, std::string body) {
  Message m{role, {}, {}};
  m.content.emplace_back(TextBlock{std::move(body)});
  return m;
}
inline Message sys(std::string body) { return text(Role::system, std::move(body)); }
inline Message user(std::string body) { return text(Role::user, std::move(body)); }
inline Message assistant(std::string body) { return text(Role::assistant, std::move(body)); }
inline Message call(std::string id, std::string name, std::string args) {
  Message m{Role::assistant, {}, {}};
  m.content.emplace_back(ToolCallBlock{std::move(id), std::move(name), std::move(args)});
  return m;
}
inline Message result(std::string id, std::string content) {
  Message m{Role::tool, {}, {}};
  m.content.emplace_back(ToolResultBlock{std::move(id), std::move(content), false});
  return m;
}
inline Message with_image(Message m, std::string url) {
  m.content.emplace_back(ImageBlock{std::move(url), {}, {}, {}});
  return m;
}

inline ChatRequest request_of(std::vector<Message> messages) {
  ChatRequest r;
  r.model = "gpt-4o";
  r.messages = std::move(messages);
  r.max_tokens = 1000;
  r.tools.push_back(ToolDefinition{"read_file", "Reads a file", boost::json::value()});
  return r;
}

// One line per message: "role: text | call id name args | result id: content | image url".
inline std::string render(const ChatRequest& r) {
  static constexpr std::string_view kRoles[] = {"system", "developer", "user", "assistant", "tool"};
  std::ostringstream out;
  for (const auto& m : r.messages) {
    out << kRoles[static_cast<int>(m.role)] << ":";
    for (const auto& block : m.content) {
      if (const auto* t = std::get_if<TextBlock>(&block)) out << " " << t->text;
      if (const auto* i = std::get_if<ImageBlock>(&block)) out << " | image " << i->url;
      if (const auto* c = std::get_if<ToolCallBlock>(&block)) {
        out << " | call " << c->id << " " << c->name << " " << c->arguments_json;
      }
      if (const auto* res = std::get_if<ToolResultBlock>(&block))
        out << " | result " << res->tool_call_id << ": " << res->content;
      if (const auto* th = std::get_if<ThinkingBlock>(&block)) out << " | thinking " << th->text;
    }
    out << "\n";
  }
  return out.str();
}

// "line 1\nline 2\n…\nline N", a long tool output.
inline std::string numbered_lines(int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) {
    if (i > from) out += "\n";
    out += "line " + std::to_string(i);
  }
  return out;
}

}  // namespace aisbf::context::testing
