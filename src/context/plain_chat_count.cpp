#include "context/plain_chat_count.hpp"

#include <cctype>
#include <string>

#include "core/json_scan.hpp"
#include "core/json_walk.hpp"

namespace aisbf::context {

namespace {

using json_scan::Member;

std::string_view value_of(std::string_view text, const Member& m) {
  return text.substr(m.value_begin, m.value_end - m.value_begin);
}

// A string literal's text. nullopt when it is not a string, or escapes a
// UTF-16 surrogate: a lone one reads as U+FFFD here and fails the codec's
// parser, and the two counts must agree.
std::optional<std::string> plain_string(std::string_view literal) {
  if (literal.size() < 2 || literal.front() != '"') return std::nullopt;
  if (literal.find('\\') == std::string_view::npos) return std::string(literal.substr(1, literal.size() - 2));
  for (auto at = literal.find("\\u"); at != std::string_view::npos; at = literal.find("\\u", at + 2)) {
    if (at + 3 < literal.size() && (literal[at + 2] == 'd' || literal[at + 2] == 'D')) {
      const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(literal[at + 3])));
      if ((c >= '8' && c <= '9') || (c >= 'a' && c <= 'f')) return std::nullopt;
    }
  }
  return json_scan::decode_string(literal);
}

std::optional<Role> plain_role(std::string_view literal) {
  if (literal == "\"system\"") return Role::system;
  if (literal == "\"developer\"") return Role::developer;
  if (literal == "\"user\"") return Role::user;
  if (literal == "\"assistant\"") return Role::assistant;
  return std::nullopt;  // tool and function messages carry more than text
}

// One message object, when plain (its role and content present, once each).
std::optional<Message> plain_message(std::string_view object) {
  Message m;
  bool plain = true, role = false, content = false, name = false;
  auto once = [&](bool& seen) {
    plain = plain && !seen;
    seen = true;
  };
  const bool invalid = json_scan::scan_object(object, [&](const Member& member) {
                         if (!plain) return;
                         const std::string_view v = value_of(object, member);
                         if (member.key_raw == "role") {
                           once(role);
                           const auto r = plain_role(v);
                           if (r) m.role = *r;
                           plain = plain && r.has_value();
                         } else if (member.key_raw == "content") {
                           once(content);
                           auto text = plain_string(v);
                           plain = plain && text.has_value();
                           if (text && !text->empty()) m.content.emplace_back(TextBlock{std::move(*text)});
                         } else if (member.key_raw == "name") {
                           once(name);
                           auto text = plain_string(v);
                           plain = plain && text.has_value();
                           if (text) m.name = std::move(*text);
                         } else {
                           plain = false;
                         }
                       }).has_value();
  if (invalid || !plain || !role || !content) return std::nullopt;
  return m;
}

// The objects of a JSON array already validated (the body's scan did),
// each as its text; nullopt when an element is not an object.
std::optional<std::vector<std::string_view>> array_objects(std::string_view array) {
  std::vector<std::string_view> out;
  const bool read = json_walk::for_each_element(array, [&](std::string_view element) {
    if (element.front() != '{') return false;
    out.push_back(element);
    return true;
  });
  if (!read) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::int64_t> count_plain_chat(std::string_view body, const ChatTokenCounter& counter) {
  std::optional<std::string_view> messages;
  bool plain = true;
  const bool invalid = json_scan::scan_object(body, [&](const Member& member) {
                         if (member.key_raw.find('\\') != std::string_view::npos || member.key_raw == "tools" ||
                             member.key_raw == "functions" || (member.key_raw == "messages" && messages)) {
                           plain = false;
                         } else if (member.key_raw == "messages") {
                           messages = value_of(body, member);
                         }
                       }).has_value();
  if (invalid || !plain || !messages || messages->front() != '[') return std::nullopt;
  const auto objects = array_objects(*messages);
  if (!objects || objects->empty()) return std::nullopt;
  ChatRequest request;
  request.messages.reserve(objects->size());
  for (std::string_view object : *objects) {
    auto m = plain_message(object);
    if (!m) return std::nullopt;
    request.messages.push_back(std::move(*m));
  }
  return counter.request(request);
}

}  // namespace aisbf::context
