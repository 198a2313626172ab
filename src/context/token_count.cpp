#include "context/token_count.hpp"
#include "core/chat_roles.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include <boost/json/serialize.hpp>

#include "context/image_tokens.hpp"

namespace aisbf::context {

namespace {

namespace json = boost::json;

// OpenAI's published rule for its chat models (tiktoken's cookbook, "How to
// count tokens with tiktoken", checked there against the API's usage for
// gpt-3.5-turbo, gpt-4 and gpt-4o): every message costs 3 tokens besides
// its content, a name 1 more, and the reply is primed with 3.
constexpr std::int64_t kPerMessage = 3;
constexpr std::int64_t kPerName = 1;
constexpr std::int64_t kReplyPriming = 3;

// The same cookbook's overhead of tool (function) definitions, which the
// API renders into the prompt as a typed namespace: per function, per
// property list, per property, per enum and enum item, and once after them.
// Only the start of a function differs between the model families.
struct ToolOverhead {
  std::int64_t func_init, prop_init, prop_key, enum_init, enum_item, func_end;
};
constexpr ToolOverhead kToolsO200k{7, 3, 3, -3, 3, 12};    // gpt-4o, gpt-4o-mini
constexpr ToolOverhead kToolsCl100k{10, 3, 3, -3, 3, 12};  // gpt-4, gpt-3.5-turbo

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return s.starts_with(p); });
}

std::string_view string_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

// The cookbook drops a description's final period before counting it.
std::string_view without_period(std::string_view text) {
  if (text.ends_with('.')) text.remove_suffix(1);
  return text;
}

std::string scalar_text(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

}  // namespace

EncodingChoice encoding_for_model(std::string_view upstream_model) {
  // A provider prefix some OpenAI-compatible hosts keep ("openai/gpt-4o").
  if (auto slash = upstream_model.rfind('/'); slash != std::string_view::npos) {
    upstream_model.remove_prefix(slash + 1);
  }
  std::string name(upstream_model);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name.starts_with("ft:")) name.erase(0, 3);  // a fine-tune keeps its base model's tokenizer
  if (starts_with_any(name, {"gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o", "gpt-oss",
                             "codex-"})) {
    return {Encoding::o200k_base, true};
  }
  if (starts_with_any(name, {"gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3", "text-embedding-ada-002"})) {
    return {Encoding::cl100k_base, true};
  }
  return {Encoding::cl100k_base, false};
}

std::int64_t ChatTokenCounter::text(std::string_view text) const {
  return static_cast<std::int64_t>(tokenizer_.count(text));
}

std::optional<std::size_t> ChatTokenCounter::text_prefix_within(std::string_view text,
                                                                std::int64_t max_tokens) const {
  return tokenizer_.prefix_within(text, static_cast<std::size_t>(std::max<std::int64_t>(0, max_tokens)));
}

std::int64_t ChatTokenCounter::text_message(Role role, std::string_view name, std::string_view content) const {
  std::int64_t n = kPerMessage + text(role_name(role)) + text(content);
  if (!name.empty()) n += kPerName + text(name);
  return n;
}

std::int64_t ChatTokenCounter::reply_priming() { return kReplyPriming; }

namespace {

// The chat rule over one message: its overheads, and each block's tokens by
// `text` and `image`. Thinking blocks are not counted: the upstreams that
// take them back (Anthropic) drop those of earlier turns from the context.
template <class Text, class Image>
std::int64_t message_by_rule(const Message& message, Text text, Image image) {
  std::int64_t n = kPerMessage + text(role_name(message.role));
  if (!message.name.empty()) n += kPerName + text(message.name);
  for (const auto& block : message.content) {
    if (const auto* t = std::get_if<TextBlock>(&block)) {
      n += text(t->text);
    } else if (const auto* i = std::get_if<ImageBlock>(&block)) {
      n += image(*i);
    } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
      n += text(call->id) + text(call->name) + text(call->arguments_json);
    } else if (const auto* result = std::get_if<ToolResultBlock>(&block)) {
      n += text(result->tool_call_id) + text(result->content);
    }
  }
  return n;
}

}  // namespace

std::int64_t ChatTokenCounter::message(const Message& message) const {
  return message_by_rule(
      message, [this](std::string_view t) { return text(t); }, [](const ImageBlock& i) { return image_tokens(i); });
}

std::int64_t ChatTokenCounter::property(std::string_view key, const json::value& schema) const {
  const auto& k = tokenizer_.encoding() == Encoding::o200k_base ? kToolsO200k : kToolsCl100k;
  std::int64_t n = k.prop_key;
  if (!schema.is_object()) return n + text(key);
  const auto& p = schema.get_object();
  const auto* type = p.if_contains("type");
  std::string line(key);
  line += ':';
  if (type != nullptr) line += scalar_text(*type);
  line += ':';
  line += without_period(string_member(p, "description"));
  n += text(line);
  if (const auto* values = p.if_contains("enum"); values != nullptr && values->is_array()) {
    n += k.enum_init;
    for (const auto& item : values->get_array()) n += k.enum_item + text(scalar_text(item));
  }
  // Nested schemas are beyond the cookbook's rule: their JSON text stands in.
  for (std::string_view nested : {"properties", "items"}) {
    if (const auto* v = p.if_contains(nested)) n += text(json::serialize(*v));
  }
  return n;
}

std::int64_t ChatTokenCounter::tools(const std::vector<ToolDefinition>& tools) const {
  if (tools.empty()) return 0;
  const auto& k = tokenizer_.encoding() == Encoding::o200k_base ? kToolsO200k : kToolsCl100k;
  std::int64_t n = 0;
  for (const auto& tool : tools) {
    n += k.func_init + text(tool.name + ":" + std::string(without_period(tool.description)));
    const json::object* params = tool.parameters.if_object();
    const json::value* props = params != nullptr ? params->if_contains("properties") : nullptr;
    if (props == nullptr || !props->is_object() || props->get_object().empty()) continue;
    n += k.prop_init;
    for (const auto& [key, schema] : props->get_object()) n += property(key, schema);
  }
  return n + k.func_end;
}

std::int64_t ChatTokenCounter::request(const ChatRequest& request) const {
  std::int64_t n = kReplyPriming;
  for (const auto& m : request.messages) n += message(m);
  return n + tools(request.tools);
}

std::int64_t EstimatingTokenCounter::text(std::string_view text) {
  return static_cast<std::int64_t>((text.size() + kBytesPerToken - 1) / kBytesPerToken);
}

std::int64_t EstimatingTokenCounter::message(const Message& message) const {
  return message_by_rule(message, &EstimatingTokenCounter::text, [](const ImageBlock&) { return std::int64_t{0}; });
}

std::int64_t EstimatingTokenCounter::request(const ChatRequest& request) const {
  std::int64_t n = kReplyPriming;
  for (const auto& m : request.messages) n += message(m);
  return n;
}

std::optional<std::size_t> EstimatingTokenCounter::text_prefix_within(std::string_view text,
                                                                      std::int64_t max_tokens) const {
  const auto bytes = static_cast<std::size_t>(std::max<std::int64_t>(0, max_tokens)) * kBytesPerToken;
  return std::min(text.size(), bytes);
}

bool has_assumed_image(const ChatRequest& request) {
  for (const auto& m : request.messages) {
    for (const auto& block : m.content) {
      if (const auto* i = std::get_if<ImageBlock>(&block); i != nullptr && image_size_assumed(*i)) return true;
    }
  }
  return false;
}

}  // namespace aisbf::context
