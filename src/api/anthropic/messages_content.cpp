// Anthropic content blocks → canonical blocks (PROTOCOLS.md §2.3, §5.4, §5.5).
// Canonical tool results hold text only: images inside a `tool_result` move
// to the user content that follows the results (§5.4); PDF documents have no
// canonical block and become a short placeholder text.
#include <type_traits>

#include <fmt/format.h>

#include <boost/json/serialize.hpp>

#include "api/anthropic/messages_decode.hpp"

namespace aisbf::api::anthropic::decode {

namespace json = boost::json;

void Warnings::add(std::string text) {
  for (const auto& item : items_)
    if (item == text) return;
  items_.push_back(std::move(text));
}

GatewayError invalid(std::string message) { return make_error(ErrorKind::invalid_request, std::move(message)); }

GatewayError required(std::string_view path) { return invalid(fmt::format("{}: Field required", path)); }

GatewayError wrong_type(std::string_view path, std::string_view expected) {
  return invalid(fmt::format("{}: Input should be a valid {}", path, expected));
}

Expected<std::string> string_field(const json::object& object, std::string_view key, std::string_view path,
                                   bool needed) {
  const json::value* v = object.if_contains(key);
  std::string field_path = fmt::format("{}.{}", path, key);
  if (v == nullptr || v->is_null()) {
    if (needed) return required(field_path);
    return std::string();
  }
  if (!v->is_string()) return wrong_type(field_path, "string");
  return std::string(v->get_string());
}

std::string cache_control_text(const json::object& object) {
  const json::value* v = object.if_contains("cache_control");
  return v != nullptr && v->is_object() ? json::serialize(*v) : std::string();
}

namespace {

using Result = std::optional<GatewayError>;

// The mark goes on the last canonical block the Anthropic block became
// (a thinking block takes none; a document's placeholder text does).
void mark_last(std::vector<ContentBlock>& blocks, std::size_t before, std::string mark) {
  if (blocks.size() <= before) return;
  std::visit(
      [&](auto& b) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(b)>, ThinkingBlock>) b.cache_control = std::move(mark);
      },
      blocks.back());
}

const json::object* object_field(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return v == nullptr ? nullptr : v->if_object();
}

Expected<ImageBlock> decode_image(const json::object& block, const std::string& path) {
  std::string source_path = path + ".source";
  const json::value* source_value = block.if_contains("source");
  if (source_value == nullptr) return required(source_path);
  const json::object* source = source_value->if_object();
  if (source == nullptr) return wrong_type(source_path, "dictionary");
  auto type = string_field(*source, "type", source_path, true);
  if (!type) return type.take_error();
  ImageBlock image;
  if (*type == "base64") {
    auto media_type = string_field(*source, "media_type", source_path, true);
    if (!media_type) return media_type.take_error();
    auto data = string_field(*source, "data", source_path, true);
    if (!data) return data.take_error();
    image.media_type = std::move(*media_type);
    image.data_base64 = std::move(*data);
  } else if (*type == "url") {
    auto url = string_field(*source, "url", source_path, true);
    if (!url) return url.take_error();
    image.url = std::move(*url);
  } else if (*type == "file") {
    return invalid(fmt::format("{}.type: file sources (Files API) are not supported by this gateway", source_path));
  } else {
    return invalid(fmt::format("{}.type: Input tag '{}' does not match any of the expected tags: 'base64', 'url'",
                               source_path, *type));
  }
  return image;
}

// Text and images nested in a tool result, a document's `content` source or
// a search result: a string, or an array of blocks. Texts are joined by "\n".
struct Nested {
  std::string text;
  std::vector<ContentBlock> images;
};

Result decode_document(const json::object& block, const std::string& path, Nested& out, Warnings& warnings);

void append_text(Nested& out, std::string_view text) {
  if (text.empty()) return;
  if (!out.text.empty()) out.text += '\n';
  out.text += text;
}

Result decode_nested(const json::value* value, const std::string& path, Nested& out, Warnings& warnings) {
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (value->is_string()) {
    append_text(out, value->get_string());
    return std::nullopt;
  }
  const json::array* blocks = value->if_array();
  if (blocks == nullptr) return wrong_type(path, "string or a list of content blocks");
  for (std::size_t i = 0; i < blocks->size(); ++i) {
    std::string block_path = fmt::format("{}.{}", path, i);
    const json::object* block = (*blocks)[i].if_object();
    if (block == nullptr) return wrong_type(block_path, "dictionary");
    auto type = string_field(*block, "type", block_path, true);
    if (!type) return type.take_error();
    if (*type == "text") {
      auto text = string_field(*block, "text", block_path, true);
      if (!text) return text.take_error();
      append_text(out, *text);
    } else if (*type == "image") {
      auto image = decode_image(*block, block_path);
      if (!image) return image.take_error();
      out.images.push_back(std::move(*image));
    } else if (*type == "document") {
      if (auto error = decode_document(*block, block_path, out, warnings)) return error;
    } else if (*type == "search_result") {
      if (auto error = decode_nested(block->if_contains("content"), block_path + ".content", out, warnings))
        return error;
    } else {
      warnings.add(fmt::format("dropped a nested '{}' block", *type));
    }
  }
  return std::nullopt;
}

// Plain-text and `content` documents become text; PDFs (base64, url, file)
// have no canonical block: a placeholder tells the model something was there.
Result decode_document(const json::object& block, const std::string& path, Nested& out, Warnings& warnings) {
  std::string source_path = path + ".source";
  const json::object* source = object_field(block, "source");
  if (source == nullptr)
    return block.contains("source") ? wrong_type(source_path, "dictionary") : required(source_path);
  auto type = string_field(*source, "type", source_path, true);
  if (!type) return type.take_error();
  auto title = string_field(block, "title", path, false);
  if (!title) return title.take_error();
  if (*type == "text") {
    auto data = string_field(*source, "data", source_path, true);
    if (!data) return data.take_error();
    append_text(out, *data);
    return std::nullopt;
  }
  if (*type == "content") return decode_nested(source->if_contains("content"), source_path + ".content", out, warnings);
  warnings.add(fmt::format("replaced a '{}' document by a placeholder", *type));
  append_text(out, fmt::format("[document{}{} omitted: the gateway cannot pass {} documents to this model]",
                               title->empty() ? "" : " ", *title, *type == "base64" ? "PDF" : *type));
  return std::nullopt;
}

Result decode_tool_use(const json::object& block, const std::string& path, MessageParts& out) {
  auto id = string_field(block, "id", path, true);
  if (!id) return id.take_error();
  auto name = string_field(block, "name", path, true);
  if (!name) return name.take_error();
  const json::value* input = block.if_contains("input");
  std::string arguments = "{}";
  if (input != nullptr && input->is_object()) {
    arguments = json::serialize(*input);
  } else if (input != nullptr && !input->is_null()) {
    return wrong_type(path + ".input", "dictionary");
  }
  out.blocks.push_back(ToolCallBlock{std::move(*id), std::move(*name), std::move(arguments)});
  return std::nullopt;
}

Result decode_tool_result(const json::object& block, const std::string& path, MessageParts& out, Warnings& warnings) {
  auto id = string_field(block, "tool_use_id", path, true);
  if (!id) return id.take_error();
  Nested nested;
  if (auto error = decode_nested(block.if_contains("content"), path + ".content", nested, warnings)) return error;
  bool is_error = false;
  if (const json::value* flag = block.if_contains("is_error"); flag != nullptr && !flag->is_null()) {
    if (!flag->is_bool()) return wrong_type(path + ".is_error", "boolean");
    is_error = flag->get_bool();
  }
  ToolResultBlock result{std::move(*id), std::move(nested.text), is_error};
  out.tool_messages.push_back(Message{Role::tool, {std::move(result)}, {}});
  for (auto& image : nested.images) out.blocks.push_back(std::move(image));
  return std::nullopt;
}

Result decode_thinking(const json::object& block, const std::string& path, bool redacted, MessageParts& out) {
  if (redacted) {  // opaque: kept as a signature with no text (see the report on ThinkingBlock)
    auto data = string_field(block, "data", path, true);
    if (!data) return data.take_error();
    out.blocks.push_back(ThinkingBlock{{}, std::move(*data)});
    return std::nullopt;
  }
  auto thinking = string_field(block, "thinking", path, true);
  if (!thinking) return thinking.take_error();
  auto signature = string_field(block, "signature", path, false);
  if (!signature) return signature.take_error();
  out.blocks.push_back(ThinkingBlock{std::move(*thinking), std::move(*signature)});
  return std::nullopt;
}

// Blocks of server tools (web search, code execution, MCP connector): their
// tools are not passed on, so their history cannot be either.
bool is_server_tool_block(std::string_view type) {
  return type == "server_tool_use" || type == "mcp_tool_use" || type == "container_upload" ||
         (type.size() > 12 && type.substr(type.size() - 12) == "_tool_result");
}

std::string_view role_name(Role role) {
  return role == Role::assistant ? "assistant" : role == Role::system ? "system" : "user";
}

Result wrong_role(const std::string& path, std::string_view type, Role role) {
  return invalid(fmt::format("{}: '{}' blocks are not allowed in {} messages", path, type, role_name(role)));
}

// Blocks any role may send: text, images, documents, search results.
Result decode_plain_block(const json::object& block, const std::string& path, const std::string& type,
                          MessageParts& out, Warnings& warnings) {
  if (type == "text") {
    auto text = string_field(block, "text", path, true);
    if (!text) return text.take_error();
    if (!text->empty()) out.blocks.push_back(TextBlock{std::move(*text)});
    return std::nullopt;
  }
  if (type == "image") {
    auto image = decode_image(block, path);
    if (!image) return image.take_error();
    out.blocks.push_back(std::move(*image));
    return std::nullopt;
  }
  Nested nested;
  auto error = type == "document" ? decode_document(block, path, nested, warnings)
                                  : decode_nested(block.if_contains("content"), path + ".content", nested, warnings);
  if (error) return error;
  if (!nested.text.empty()) out.blocks.push_back(TextBlock{std::move(nested.text)});
  for (auto& image : nested.images) out.blocks.push_back(std::move(image));
  return std::nullopt;
}

Result decode_block_kind(const json::object& block, const std::string& path, Role role, MessageParts& out,
                         Warnings& warnings);

// A block's `cache_control` is kept on what it decodes to: the tool message
// of a tool_result, else the last block it added.
Result decode_block(const json::object& block, const std::string& path, Role role, MessageParts& out,
                    Warnings& warnings) {
  const std::size_t blocks = out.blocks.size(), tools = out.tool_messages.size();
  if (auto error = decode_block_kind(block, path, role, out, warnings)) return error;
  std::string mark = cache_control_text(block);
  if (mark.empty()) return std::nullopt;
  if (out.tool_messages.size() > tools) {
    mark_last(out.tool_messages.back().content, 0, std::move(mark));
  } else {
    mark_last(out.blocks, blocks, std::move(mark));
  }
  return std::nullopt;
}

Result decode_block_kind(const json::object& block, const std::string& path, Role role, MessageParts& out,
                         Warnings& warnings) {
  auto type = string_field(block, "type", path, true);
  if (!type) return type.take_error();
  const std::string& t = *type;
  if (t == "text" || t == "image" || t == "document" || t == "search_result")
    return decode_plain_block(block, path, t, out, warnings);
  if (t == "tool_use") return role == Role::assistant ? decode_tool_use(block, path, out) : wrong_role(path, t, role);
  if (t == "tool_result")
    return role == Role::user ? decode_tool_result(block, path, out, warnings) : wrong_role(path, t, role);
  if (t == "thinking" || t == "redacted_thinking")
    return role == Role::assistant ? decode_thinking(block, path, t == "redacted_thinking", out)
                                   : wrong_role(path, t, role);
  if (is_server_tool_block(t)) {
    warnings.add(fmt::format("dropped '{}' blocks (server tools are not passed on)", t));
    return std::nullopt;
  }
  return invalid(fmt::format("{}.type: unsupported content block type '{}'", path, t));
}

}  // namespace

Result decode_content(const json::value* content, Role role, const std::string& path, MessageParts& out,
                      Warnings& warnings) {
  std::string content_path = path + ".content";
  if (content == nullptr) return required(content_path);
  if (content->is_string()) {
    if (!content->get_string().empty()) out.blocks.push_back(TextBlock{std::string(content->get_string())});
    return std::nullopt;
  }
  const json::array* blocks = content->if_array();
  if (blocks == nullptr) return wrong_type(content_path, "string or a list of content blocks");
  for (std::size_t i = 0; i < blocks->size(); ++i) {
    std::string block_path = fmt::format("{}.{}", content_path, i);
    const json::object* block = (*blocks)[i].if_object();
    if (block == nullptr) return wrong_type(block_path, "dictionary");
    if (auto error = decode_block(*block, block_path, role, out, warnings)) return error;
  }
  return std::nullopt;
}

}  // namespace aisbf::api::anthropic::decode
