#include "context/token_count.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include <boost/json/serialize.hpp>

namespace aisbf::context {

namespace {

// OpenAI's published rule for its chat models (tiktoken's cookbook): every
// message costs 3 tokens besides its content, a name 1 more, and the reply
// is primed with 3.
constexpr std::int64_t kPerMessage = 3;
constexpr std::int64_t kPerName = 1;
constexpr std::int64_t kReplyPriming = 3;

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return s.starts_with(p); });
}

std::string_view role_text(Role role) {
  switch (role) {
    case Role::system: return "system";
    case Role::developer: return "developer";
    case Role::user: return "user";
    case Role::assistant: return "assistant";
    case Role::tool: return "tool";
  }
  return "user";
}

// OpenAI's tile rule for a high-detail image of unknown size: a 1024×1024
// image is 4 tiles of 170 plus 85. Low detail is 85.
std::int64_t image_tokens(const ImageBlock& image) { return image.detail == "low" ? 85 : 765; }

}  // namespace

EncodingChoice encoding_for_model(std::string_view upstream_model) {
  // A provider prefix some OpenAI-compatible hosts keep ("openai/gpt-4o").
  if (auto slash = upstream_model.rfind('/'); slash != std::string_view::npos) {
    upstream_model.remove_prefix(slash + 1);
  }
  std::string name(upstream_model);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
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

std::int64_t ChatTokenCounter::message(const Message& message) const {
  std::int64_t n = kPerMessage + text(role_text(message.role));
  if (!message.name.empty()) n += kPerName + text(message.name);
  for (const auto& block : message.content) {
    if (const auto* t = std::get_if<TextBlock>(&block)) {
      n += text(t->text);
    } else if (const auto* i = std::get_if<ImageBlock>(&block)) {
      n += image_tokens(*i);
    } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
      n += text(call->id) + text(call->name) + text(call->arguments_json);
    } else if (const auto* result = std::get_if<ToolResultBlock>(&block)) {
      n += text(result->tool_call_id) + text(result->content);
    } else if (const auto* thinking = std::get_if<ThinkingBlock>(&block)) {
      n += text(thinking->text);
    }
  }
  return n;
}

std::int64_t ChatTokenCounter::tools(const std::vector<ToolDefinition>& tools) const {
  std::int64_t n = 0;
  for (const auto& tool : tools) {
    n += text(tool.name) + text(tool.description);
    if (!tool.parameters.is_null()) n += text(boost::json::serialize(tool.parameters));
  }
  return n;
}

std::int64_t ChatTokenCounter::request(const ChatRequest& request) const {
  std::int64_t n = kReplyPriming;
  for (const auto& m : request.messages) n += message(m);
  if (!request.tools.empty()) n += tools(request.tools);
  return n;
}

}  // namespace aisbf::context
