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

// A Responses message's text parts, each counted as its own text block
// (the decoder makes one TextBlock per part): input_text and output_text
// parts of a `type` and a `text`, and the output's inert annotations and
// logprobs.
std::optional<std::int64_t> plain_parts(std::string_view parts, const ChatTokenCounter& counter) {
  std::int64_t total = 0;
  const bool all_plain = json_walk::for_each_element(parts, [&](std::string_view part) {
    std::string_view type_literal, text_literal;
    bool plain = true;
    const bool read = json_walk::for_each_member(part, [&](std::string_view key, std::string_view value) {
      if (key == "type") {
        plain = type_literal.empty();
        type_literal = value;
      } else if (key == "text") {
        plain = text_literal.empty();
        text_literal = value;
      } else {
        plain = key == "annotations" || key == "logprobs";
      }
      return plain;
    });
    if (!read || !plain || (type_literal != "\"input_text\"" && type_literal != "\"output_text\"")) return false;
    std::string decoded;
    const auto text = plain_string(text_literal, decoded);
    if (!text) return false;
    total += counter.text(*text);
    return true;
  });
  if (!all_plain) return std::nullopt;
  return total;
}

// One Responses message item: its role and its text's tokens.
struct PlainItem {
  Role role = Role::user;
  std::int64_t text_tokens = 0;
};
std::optional<PlainItem> plain_item(std::string_view object, const ChatTokenCounter& counter) {
  std::string_view type_literal, role_literal, content_literal, id_literal, status_literal;
  bool plain = true;
  auto once = [&](std::string_view& slot, std::string_view value) {
    plain = plain && slot.empty();
    slot = value;
  };
  const bool read = json_walk::for_each_member(object, [&](std::string_view key, std::string_view value) {
    if (key == "type") {
      once(type_literal, value);
    } else if (key == "role") {
      once(role_literal, value);
    } else if (key == "content") {
      once(content_literal, value);
    } else if (key == "id") {
      once(id_literal, value);
    } else if (key == "status") {
      once(status_literal, value);
    } else {
      plain = false;
    }
    return plain;
  });
  if (!read || !plain || role_literal.empty() || content_literal.empty()) return std::nullopt;
  if (!type_literal.empty() && type_literal != "\"message\"") return std::nullopt;
  const auto role = plain_role(role_literal);
  if (!role) return std::nullopt;
  PlainItem item{*role, 0};
  if (content_literal.front() == '[') {
    const auto parts = plain_parts(content_literal, counter);
    if (!parts) return std::nullopt;
    item.text_tokens = *parts;
  } else {
    std::string decoded;
    const auto content = plain_string(content_literal, decoded);
    if (!content) return std::nullopt;
    item.text_tokens = counter.text(*content);
  }
  return item;
}

// The top-level object of `body` without the whitespace around it (empty
// when the body has none).
std::string_view trimmed(std::string_view body) {
  const std::size_t begin = json_walk::skip_space(body, 0);
  std::size_t end = body.size();
  while (end > begin && json_walk::is_space(body[end - 1])) --end;
  return body.substr(begin, end - begin);
}

}  // namespace

std::optional<std::int64_t> count_plain_responses(std::string_view body, const ChatTokenCounter& counter) {
  const std::string_view object = trimmed(body);
  std::string_view input, instructions;
  bool plain = true;
  const bool read = json_walk::for_each_member(object, [&](std::string_view key, std::string_view value) {
    if (key.find('\\') != npos || key == "tools" || (key == "input" && !input.empty()) ||
        (key == "instructions" && !instructions.empty())) {
      plain = false;
    } else if (key == "input") {
      input = value;
    } else if (key == "instructions") {
      instructions = value;
    }
    return plain;
  });
  if (!read || !plain || input.empty() || object.back() != '}') return std::nullopt;
  std::int64_t total = counter.reply_priming();
  if (!instructions.empty() && instructions != "null") {
    std::string decoded;
    const auto text = plain_string(instructions, decoded);
    if (!text) return std::nullopt;
    if (!text->empty()) total += counter.text_message(Role::system, {}, *text);
  }
  if (input.front() == '"') {
    std::string decoded;
    const auto text = plain_string(input, decoded);
    if (!text) return std::nullopt;
    return total + counter.text_message(Role::user, {}, *text);
  }
  if (input.front() != '[') return std::nullopt;
  std::size_t count = 0;
  bool after_assistant = false;
  const bool all_plain = json_walk::for_each_element(input, [&](std::string_view element) {
    const auto item = plain_item(element, counter);
    if (!item) return false;
    const bool joined = item->role == Role::assistant && after_assistant;
    if (!joined) total += counter.text_message(item->role, {}, {});  // the per-message overhead and its role
    total += item->text_tokens;
    after_assistant = item->role == Role::assistant;
    ++count;
    return true;
  });
  if (!all_plain || count == 0) return std::nullopt;
  return total;
}

std::optional<std::int64_t> count_plain_chat(std::string_view body, const ChatTokenCounter& counter) {
  const std::string_view object = trimmed(body);
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
