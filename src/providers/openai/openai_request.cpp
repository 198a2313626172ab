// Canonical ChatRequest → OpenAI Chat Completions request (PROTOCOLS.md §1.1–1.3).
#include <array>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "providers/openai/openai_adapter.hpp"

namespace aisbf::openai {

namespace json = boost::json;

namespace {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::system:
      return "system";
    case Role::developer:
      return "developer";
    case Role::user:
      return "user";
    case Role::assistant:
      return "assistant";
    case Role::tool:
      return "tool";
  }
  return "user";
}

// A message's blocks sorted by where they go on the OpenAI wire.
struct SplitMessage {
  std::vector<const ContentBlock*> body;  // text, and images for user messages, in order
  std::vector<const ToolCallBlock*> calls;
  std::vector<const ToolResultBlock*> results;
};

SplitMessage split(const Message& message) {
  SplitMessage s;
  for (const auto& block : message.content) {
    if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
      if (message.role == Role::assistant) s.calls.push_back(call);
    } else if (const auto* result = std::get_if<ToolResultBlock>(&block)) {
      s.results.push_back(result);
    } else if (std::holds_alternative<TextBlock>(block)) {
      s.body.push_back(&block);
    } else if (std::holds_alternative<ImageBlock>(block) && message.role == Role::user) {
      s.body.push_back(&block);  // only user messages take image parts
    }
    // ThinkingBlock: OpenAI has no input slot for it (and signatures belong to their provider).
  }
  return s;
}

json::object image_part(const ImageBlock& image) {
  json::object url;
  url["url"] = image.url.empty() ? "data:" + image.media_type + ";base64," + image.data_base64 : image.url;
  if (!image.detail.empty()) url["detail"] = image.detail;
  return {{"type", "image_url"}, {"image_url", std::move(url)}};
}

// Text only → one plain string (texts joined as they are); otherwise parts.
json::value encode_content(const std::vector<const ContentBlock*>& body) {
  bool text_only = true;
  for (const auto* block : body) text_only = text_only && std::holds_alternative<TextBlock>(*block);
  if (text_only) {
    std::string text;
    for (const auto* block : body) text += std::get<TextBlock>(*block).text;
    return json::string(text);
  }
  json::array parts;
  for (const auto* block : body) {
    if (const auto* text = std::get_if<TextBlock>(block))
      parts.push_back({{"type", "text"}, {"text", text->text}});
    else
      parts.push_back(image_part(std::get<ImageBlock>(*block)));
  }
  return parts;
}

json::array encode_tool_calls(const std::vector<const ToolCallBlock*>& calls) {
  json::array out;
  for (const auto* call : calls) {
    json::object function{{"name", call->name},
                          {"arguments", call->arguments_json.empty() ? "{}" : call->arguments_json}};
    out.push_back({{"id", call->id}, {"type", "function"}, {"function", std::move(function)}});
  }
  return out;
}

// One canonical message becomes: a `tool` message per tool result (results
// come first, as OpenAI wants every call answered before the next turn), then
// the message itself unless it held nothing but results. OpenAI has no
// error flag on a tool result; the text goes as it is.
void append_message(const Message& message, json::array& out) {
  SplitMessage s = split(message);
  for (const auto* result : s.results)
    out.push_back({{"role", "tool"}, {"tool_call_id", result->tool_call_id}, {"content", result->content}});
  if (!s.results.empty() && s.body.empty() && s.calls.empty()) return;
  if (message.role == Role::tool && s.body.empty()) return;

  json::object m;
  m["role"] = role_name(message.role);
  if (!s.calls.empty()) {
    m["content"] = s.body.empty() ? json::value(nullptr) : encode_content(s.body);
    m["tool_calls"] = encode_tool_calls(s.calls);
  } else {
    m["content"] = encode_content(s.body);  // "" when empty: OpenAI accepts it
  }
  if (!message.name.empty() && message.role != Role::tool) m["name"] = message.name;
  out.push_back(std::move(m));
}

json::array encode_tools(const std::vector<ToolDefinition>& tools) {
  json::array out;
  for (const auto& tool : tools) {
    json::object function{{"name", tool.name}};
    if (!tool.description.empty()) function["description"] = tool.description;
    if (!tool.parameters.is_null()) function["parameters"] = tool.parameters;
    out.push_back({{"type", "function"}, {"function", std::move(function)}});
  }
  return out;
}

std::optional<json::value> encode_tool_choice(const ToolChoice& choice) {
  switch (choice.mode) {
    case ToolChoiceMode::unset:
      return std::nullopt;
    case ToolChoiceMode::none:
      return json::value("none");
    case ToolChoiceMode::auto_:
      return json::value("auto");
    case ToolChoiceMode::required:
      return json::value("required");
    case ToolChoiceMode::specific:
      return json::value{{"type", "function"}, {"function", {{"name", choice.name}}}};
  }
  return std::nullopt;
}

// `stream_options` is a 400 without `stream: true` (PROTOCOLS.md §1.1, trap 11):
// only sent with a stream, merged with any options the caller sent.
void add_stream_fields(const ChatRequest& request, json::object& body) {
  if (!request.stream) return;
  body["stream"] = true;
  json::object options;
  if (const auto* sent = request.extensions.if_contains("stream_options"); sent != nullptr && sent->is_object())
    options = sent->get_object();
  if (request.include_usage) options["include_usage"] = true;
  if (!options.empty()) body["stream_options"] = std::move(options);
}

// Fields owned by canonical members: an extension never overrides them.
constexpr std::array<std::string_view, 10> kCanonicalFields{"model",      "messages",      "tools", "tool_choice",
                                                            "max_tokens", "temperature",   "top_p", "stop",
                                                            "stream",     "stream_options"};

// Request fields OpenAI's API defines beyond the canonical ones (PROTOCOLS
// §1.1). Extensions from other client formats (Anthropic's `thinking`,
// `top_k`, `context_management`, …) are not among them: strict
// OpenAI-compatible servers answer 400 to a field they do not know.
constexpr std::string_view kOpenAiExtensionFields[] = {
    "n", "seed", "logprobs", "top_logprobs", "presence_penalty", "frequency_penalty", "logit_bias",
    "parallel_tool_calls", "response_format", "reasoning_effort", "user", "metadata", "store", "modalities",
    "audio", "prediction", "service_tier", "verbosity", "web_search_options", "prompt_cache_key",
    "prompt_cache_retention", "safety_identifier", "max_completion_tokens"};
constexpr std::string_view kOpenAiServiceTiers[] = {"auto", "default", "flex", "scale", "priority"};

bool is_openai_extension(const json::key_value_pair& member) {
  bool known = false;
  for (auto field : kOpenAiExtensionFields) known = known || member.key() == field;
  if (!known || member.key() != "service_tier") return known;
  const auto* tier = member.value().if_string();
  if (tier == nullptr) return false;
  for (auto t : kOpenAiServiceTiers) if (*tier == t) return true;
  return false;  // e.g. Anthropic's "standard_only"
}

void copy_extensions(const json::object& extensions, json::object& body) {
  std::string dropped;
  for (const auto& member : extensions) {
    bool owned = false;
    for (auto field : kCanonicalFields) owned = owned || member.key() == field;
    if (owned) continue;
    if (is_openai_extension(member)) {
      body[member.key()] = member.value();
    } else {
      dropped.append(dropped.empty() ? "" : ", ").append(member.key());
    }
  }
  if (!dropped.empty()) spdlog::debug("openai: dropped fields with no OpenAI equivalent: {}", dropped);
}

json::object encode_body(const ChatRequest& request, const UpstreamTarget& target) {
  json::object body;
  body["model"] = target.upstream_model;
  json::array messages;
  for (const auto& message : request.messages) append_message(message, messages);
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) body["tools"] = encode_tools(request.tools);
  if (auto choice = encode_tool_choice(request.tool_choice)) body["tool_choice"] = std::move(*choice);
  if (request.max_tokens) body["max_tokens"] = *request.max_tokens;
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.top_p) body["top_p"] = *request.top_p;
  if (!request.stop.empty()) {
    json::array stop;
    for (const auto& s : request.stop) stop.push_back(json::string(s));
    body["stop"] = std::move(stop);
  }
  add_stream_fields(request, body);
  copy_extensions(request.extensions, body);
  return body;
}

}  // namespace

HeaderList OpenAiAdapter::auth_headers(const UpstreamTarget& target) const {
  HeaderList headers;
  if (!target.api_key.empty()) headers.emplace_back("Authorization", "Bearer " + target.api_key);
  return headers;
}

std::string OpenAiAdapter::chat_path(const UpstreamTarget& /*target*/, bool /*stream*/) const {
  return "/chat/completions";  // the endpoint already carries /v1 or its own prefix
}

Expected<UpstreamRequest> OpenAiAdapter::encode_chat(const ChatRequest& request, const UpstreamTarget& target) const {
  UpstreamRequest out;
  out.path_suffix = chat_path(target, request.stream);
  out.headers = auth_headers(target);
  out.headers.emplace_back("Content-Type", "application/json");
  out.body = json::serialize(encode_body(request, target));
  return out;
}

}  // namespace aisbf::openai
