#include "context/plain_chat_count.hpp"

#include <cctype>
#include <string>

#include "core/json_scan.hpp"
#include "core/json_walk.hpp"

namespace aisbf::context {

namespace {

constexpr std::size_t npos = std::string_view::npos;

// A string literal's text: a view of it, or (with escapes) decoded into
// `decoded`. nullopt when it is not a string, or escapes a UTF-16
// surrogate: a lone one reads as U+FFFD here and fails the codec's parser,
// and the two counts must agree.
std::optional<std::string_view> plain_string(std::string_view literal, std::string& decoded) {
  if (literal.size() < 2 || literal.front() != '"') return std::nullopt;
  const std::string_view inner = literal.substr(1, literal.size() - 2);
  if (inner.find('\\') == npos) return inner;
  for (auto at = literal.find("\\u"); at != npos; at = literal.find("\\u", at + 2)) {
    if (at + 3 < literal.size() && (literal[at + 2] == 'd' || literal[at + 2] == 'D')) {
      const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(literal[at + 3])));
      if ((c >= '8' && c <= '9') || (c >= 'a' && c <= 'f')) return std::nullopt;
    }
  }
  auto text = json_scan::decode_string(literal);
  if (!text) return std::nullopt;
  decoded = std::move(*text);
  return std::string_view(decoded);
}

std::optional<Role> plain_role(std::string_view literal) {
  if (literal == "\"system\"") return Role::system;
  if (literal == "\"developer\"") return Role::developer;
  if (literal == "\"user\"") return Role::user;
  if (literal == "\"assistant\"") return Role::assistant;
  return std::nullopt;  // tool and function messages carry more than text
}

// One message object's count, when plain (its role and content present,
// once each, and perhaps a name).
std::optional<std::int64_t> plain_message(std::string_view object, const ChatTokenCounter& counter) {
  std::string_view role_literal, content_literal, name_literal;
  bool plain = true;
  auto once = [&](std::string_view& slot, std::string_view value) {
    plain = plain && slot.empty();
    slot = value;
  };
  const bool read = json_walk::for_each_member(object, [&](std::string_view key, std::string_view value) {
    if (key == "role") {
      once(role_literal, value);
    } else if (key == "content") {
      once(content_literal, value);
    } else if (key == "name") {
      once(name_literal, value);
    } else {
      plain = false;  // another key, or an escaped one
    }
    return plain;
  });
  if (!read || !plain || role_literal.empty() || content_literal.empty()) return std::nullopt;
  const auto role = plain_role(role_literal);
  if (!role) return std::nullopt;
  std::string decoded_content, decoded_name;
  const auto content = plain_string(content_literal, decoded_content);
  if (!content) return std::nullopt;
  std::string_view name;
  if (!name_literal.empty()) {
    const auto n = plain_string(name_literal, decoded_name);
    if (!n) return std::nullopt;
    name = *n;
  }
  return counter.text_message(*role, name, *content);
}

}  // namespace

std::optional<std::int64_t> count_plain_chat(std::string_view body, const ChatTokenCounter& counter) {
  const std::size_t begin = json_walk::skip_space(body, 0);
  std::size_t end = body.size();
  while (end > begin && json_walk::is_space(body[end - 1])) --end;
  const std::string_view object = body.substr(begin, end - begin);
  std::string_view messages;
  bool plain = true;
  const bool read = json_walk::for_each_member(object, [&](std::string_view key, std::string_view value) {
    if (key.find('\\') != npos || key == "tools" || key == "functions" || (key == "messages" && !messages.empty())) {
      plain = false;
    } else if (key == "messages") {
      messages = value;
    }
    return plain;
  });
  // The object must end the text: for_each_member stops at its closing brace.
  if (!read || !plain || messages.empty() || messages.front() != '[' || object.empty() || object.back() != '}')
    return std::nullopt;
  std::int64_t total = counter.reply_priming();
  std::size_t count = 0;
  const bool all_plain = json_walk::for_each_element(messages, [&](std::string_view element) {
    const auto n = plain_message(element, counter);
    if (!n) return false;
    total += *n;
    ++count;
    return true;
  });
  if (!all_plain || count == 0) return std::nullopt;
  return total;
}

}  // namespace aisbf::context
