#include "pipeline/conversation_scan.hpp"

#include <string>

#include "core/chat_roles.hpp"
#include "core/json_scan.hpp"
#include "core/json_walk.hpp"

namespace aisbf {

namespace {

constexpr std::size_t npos = std::string_view::npos;
using json_walk::for_each_element;
using json_walk::for_each_member;
using json_walk::is_space;
using json_walk::skip_space;

// A key as written, or with escapes (rare: then decoded).
bool key_is(std::string_view key_raw, std::string_view name) {
  if (key_raw == name) return true;
  return key_raw.find('\\') != npos && json_scan::key_equals(json_scan::Member{key_raw, 0, 0}, name);
}

bool is_string(std::string_view value) { return !value.empty() && value.front() == '"'; }
bool is_null(std::string_view value) { return value.empty() || value == "null"; }  // empty: absent

// The text of a string literal: a view of it, or (with escapes) decoded
// into `decoded`; nullopt when it is none.
std::optional<std::string_view> text_of(std::string_view literal, std::string& decoded) {
  if (!is_string(literal) || literal.size() < 2) return std::nullopt;
  const std::string_view inner = literal.substr(1, literal.size() - 2);
  if (inner.find('\\') == npos) return inner;
  auto text = json_scan::decode_string(literal);
  if (!text) return std::nullopt;
  decoded = std::move(*text);
  return std::string_view(decoded);
}

// Whether the string literal `value` says `word` (a short type or role name).
bool says(std::string_view value, std::string_view word) {
  if (!is_string(value) || value.size() < 2) return false;
  const std::string_view inner = value.substr(1, value.size() - 2);
  if (inner.find('\\') == npos) return inner == word;
  const auto decoded = json_scan::decode_string(value);
  return decoded && *decoded == word;
}

// A message's or a part's members the scan reads (the last of a repeated
// key, as the DOM keeps).
struct Fields {
  std::string_view role, content, type, text, refusal;
};

bool read_fields(std::string_view object, Fields& out) {
  return for_each_member(object, [&](std::string_view key, std::string_view value) {
    if (key_is(key, "role")) {
      out.role = value;
    } else if (key_is(key, "content")) {
      out.content = value;
    } else if (key_is(key, "type")) {
      out.type = value;
    } else if (key_is(key, "text")) {
      out.text = value;
    } else if (key_is(key, "refusal")) {
      out.refusal = value;
    }
    return true;
  });
}

// A message of the prefix being read: its role, and whether a text block
// of it was passed on yet (its first one is marked as such).
struct Collect {
  PrefixTexts* prefix = nullptr;
  Role role = Role::user;
  bool first = true;
};

// A text block of `literal` to the prefix reader (when collecting), as the codecs
// keep one: empty texts are dropped.
bool add_text(std::string_view literal, Collect* out) {
  if (out == nullptr) return is_string(literal);
  std::string decoded;
  auto text = text_of(literal, decoded);
  if (!text) return false;
  if (!text->empty()) {
    out->prefix->add(out->role, out->first, *text);
    out->first = false;
  }
  return true;
}

// The state of one scan: where the prefix goes, and images seen.
struct Scan {
  explicit Scan(PrefixTexts& texts) : prefix(texts) {}
  PrefixTexts& prefix;
  Collect current;
  bool prefix_done = false;
  bool images_unknown = false;
  bool images = false;

  // Where the next message's texts go: the hash, while the prefix is open
  // and `role` belongs to it (system, developer, the first user).
  Collect* collect(Role role) {
    if (prefix_done || (role != Role::system && role != Role::developer && role != Role::user)) return nullptr;
    if (role == Role::user) prefix_done = true;
    current = Collect{&prefix, role, true};
    return &current;
  }
};

// ---- OpenAI chat (api/openai/chat_messages.cpp) ----

// `content`: absent, null, a string or an array of parts: text and refusal
// parts are text, image_url parts images, others dropped.
bool openai_content(std::string_view content, Collect* out, bool& images) {
  if (is_null(content)) return true;
  if (is_string(content)) return add_text(content, out);
  return for_each_element(content, [&](std::string_view part) {
    Fields f;
    if (!read_fields(part, f) || !is_string(f.type)) return false;
    if (says(f.type, "text")) return add_text(f.text, out);
    if (says(f.type, "refusal")) return add_text(f.refusal, out);
    if (says(f.type, "image_url")) images = true;
    return true;
  });
}

bool openai_messages(std::string_view messages, Scan& scan) {
  return for_each_element(messages, [&](std::string_view message) {
    Fields f;
    if (!read_fields(message, f)) return false;
    std::string decoded;
    const auto name = text_of(f.role, decoded);
    const auto role = name ? parse_role(*name) : std::nullopt;
    if (!role) return false;
    if (*role == Role::tool) return true;  // a tool result's parts are text only
    bool images = false;
    if (!openai_content(f.content, scan.collect(*role), images)) return false;
    scan.images = scan.images || images;
    return true;
  });
}

// ---- Anthropic messages (api/anthropic/messages_request.cpp, messages_content.cpp) ----

// Whether the nested `content` of a tool result may hold an image: text and
// images are read, anything else is unknown.
void anthropic_nested_images(std::string_view content, Scan& scan) {
  if (is_null(content) || is_string(content)) return;
  const bool read = for_each_element(content, [&](std::string_view block) {
    Fields f;
    if (!read_fields(block, f)) return false;
    if (says(f.type, "image")) scan.images = true;
    return says(f.type, "image") || says(f.type, "text");
  });
  if (!read) scan.images_unknown = true;
}

bool anthropic_blocks(std::string_view content, Collect* out, Scan& scan) {
  if (is_string(content)) return add_text(content, out);
  return for_each_element(content, [&](std::string_view block) {
    Fields f;
    if (!read_fields(block, f) || !is_string(f.type)) return false;
    if (says(f.type, "text")) return add_text(f.text, out);
    if (says(f.type, "image")) {
      scan.images = true;
      return true;
    }
    // These change the prefix's shape (a tool result becomes a message of
    // its own, a document text): the prefix is the decoder's to read.
    const bool nested = says(f.type, "tool_result") || says(f.type, "document") || says(f.type, "search_result");
    if (nested && out != nullptr) return false;
    if (says(f.type, "tool_result")) {
      anthropic_nested_images(f.content, scan);
    } else if (nested) {
      scan.images_unknown = true;
    }
    return true;  // tool_use, thinking, server tool blocks: no text, no image
  });
}

bool anthropic_system(std::string_view system, Scan& scan) {
  if (is_null(system)) return true;
  if (is_string(system)) return add_text(system, scan.collect(Role::system));
  return for_each_element(system, [&](std::string_view block) {
    Fields f;
    if (!read_fields(block, f) || !says(f.type, "text")) return false;
    // Each block is a system message of its own, when it has text.
    Collect message{&scan.prefix, Role::system, true};
    return add_text(f.text, &message);
  });
}

bool anthropic_messages(std::string_view messages, Scan& scan) {
  return for_each_element(messages, [&](std::string_view message) {
    Fields f;
    if (!read_fields(message, f) || f.content.empty()) return false;
    Role role;
    if (says(f.role, "user")) {
      role = Role::user;
    } else if (says(f.role, "assistant")) {
      role = Role::assistant;
    } else if (says(f.role, "system")) {
      role = Role::system;
    } else {
      return false;
    }
    return anthropic_blocks(f.content, scan.collect(role), scan);
  });
}

}  // namespace

void read_prefix(const ChatRequest& request, PrefixTexts& out) {
  for (const Message& message : request.messages) {
    const bool user = message.role == Role::user;
    if (!user && message.role != Role::system && message.role != Role::developer) continue;
    bool first = true;
    for (const auto& block : message.content) {
      const auto* text = std::get_if<TextBlock>(&block);
      if (text == nullptr || text->text.empty()) continue;
      out.add(message.role, first, text->text);
      first = false;
    }
    if (user) break;
  }
}

std::optional<ConversationScan> scan_conversation(std::string_view body, IngressFormat format, PrefixTexts& prefix) {
  if (format == IngressFormat::openai_completions || format == IngressFormat::openai_responses) return std::nullopt;
  const bool anthropic = format == IngressFormat::anthropic_messages;
  const std::size_t begin = skip_space(body, 0);
  std::size_t end = body.size();
  while (end > begin && is_space(body[end - 1])) --end;
  std::string_view messages, system;
  const bool read = for_each_member(body.substr(begin, end - begin), [&](std::string_view key, std::string_view value) {
    if (key_is(key, "messages")) {
      messages = value;
    } else if (anthropic && key_is(key, "system")) {
      system = value;
    }
    return true;
  });
  if (!read || messages.empty()) return std::nullopt;
  Scan scan(prefix);
  if (anthropic ? !anthropic_system(system, scan) || !anthropic_messages(messages, scan)
                : !openai_messages(messages, scan)) {
    return std::nullopt;
  }
  ConversationScan out;
  if (!scan.images_unknown || scan.images) out.images = scan.images;
  return out;
}

}  // namespace aisbf
