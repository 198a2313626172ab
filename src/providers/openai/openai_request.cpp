// Canonical ChatRequest → OpenAI Chat Completions request (PROTOCOLS.md §1.1–1.3).
#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <span>
#include <spdlog/spdlog.h>

#include "core/chat_roles.hpp"
#include "core/log_text.hpp"
#include "providers/openai/openai_adapter.hpp"
#include "providers/openai/openai_presets.hpp"

namespace aisbf::openai {

namespace json = boost::json;

namespace {

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
  if (!dropped.empty()) spdlog::debug("openai: dropped fields with no OpenAI equivalent: {}", log_text(dropped, 2048));
}

// The configured prompt_cache_key (issue 12), unless the client sent its
// own. "auto" is resolved per request by the pipeline (it hashes the
// caller's namespace); one left unresolved is not sent.
void add_prompt_cache_key(const NativeCache& cache, json::object& body) {
  const std::string& key = cache.prompt_cache_key;
  if (key.empty() || key == "auto" || body.contains("prompt_cache_key")) return;
  body["prompt_cache_key"] = key;
}

json::object encode_body(const ChatRequest& request, const UpstreamTarget& target) {
  json::object body;
  body["model"] = target.upstream_model;
  json::array messages;
  for (const auto& message : request.messages) append_message(message, messages);
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) body["tools"] = encode_tools(request.tools);
  if (auto choice = encode_tool_choice(request.tool_choice, false)) body["tool_choice"] = std::move(*choice);
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
  add_prompt_cache_key(target.native_cache, body);
  return body;
}

// ---- presets (openai_presets.hpp) ----

bool is_azure(const OpenAiPreset* preset) { return preset != nullptr && preset->auth == PresetAuth::azure; }

std::string_view azure_api_version(const UpstreamTarget& target) {
  return target.api_version.empty() ? kAzureDefaultApiVersion : std::string_view(target.api_version);
}

bool azure_v1(const UpstreamTarget& target) { return azure_api_version(target) == "v1"; }

// Dated Azure versions before 2024-09-01(-preview) know neither
// `max_completion_tokens` nor `stream_options` (ISO dates compare as text).
bool azure_before_2024_09(const UpstreamTarget& target) {
  return !azure_v1(target) && azure_api_version(target) < std::string_view("2024-09-01");
}

// The Azure deployment: the model entry's `deployment`, else the model name.
std::string_view azure_deployment(const UpstreamTarget& target) {
  return target.deployment.empty() ? std::string_view(target.upstream_model) : std::string_view(target.deployment);
}

// One path segment or query value: unreserved characters as they are,
// everything else ('/', '?', '&', '%', …) percent-encoded.
std::string encode_component(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

// The path of a base URL as written, without trailing '/' ("" for a bare host).
std::string_view url_path(std::string_view url) {
  auto scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  auto slash = rest.find('/');
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path;
}

// The endpoint is the resource, https://{resource}.openai.azure.com (an
// endpoint already ending in /openai or /openai/v1 is accepted as well).
// Dated API: /openai/deployments/{deployment}/{operation}?api-version=…;
// v1 API: /openai/v1/{operation}. The same for chat/completions and
// embeddings (learn.microsoft.com/azure/ai-foundry/openai/reference).
std::string azure_path(const UpstreamTarget& target, std::string_view operation) {
  std::string_view base = url_path(target.endpoint);
  std::string path;
  if (azure_v1(target)) {
    path = base.ends_with("/openai/v1") ? "/" : base.ends_with("/openai") ? "/v1/" : "/openai/v1/";
    return path.append(operation);
  }
  path = base.ends_with("/openai") ? "/deployments/" : "/openai/deployments/";
  path += encode_component(azure_deployment(target));
  path.append("/").append(operation).append("?api-version=");
  path += encode_component(azure_api_version(target));
  return path;
}

PresetQuirks effective_quirks(const OpenAiPreset& preset, const UpstreamTarget& target) {
  PresetQuirks quirks = preset.quirks;
  if (is_azure(&preset) && azure_before_2024_09(target)) {
    quirks.token_limit = TokenLimitField::max_tokens;
    quirks.stream_options = false;
  }
  return quirks;
}

bool listed(std::span<const std::string_view> fields, std::string_view key) {
  return std::find(fields.begin(), fields.end(), key) != fields.end();
}

// Moves `from` to `to` unless `to` is already set (then `from` is dropped).
void rename_field(json::object& body, std::string_view from, std::string_view to) {
  auto it = body.find(from);
  if (it == body.end()) return;
  if (!body.contains(to)) body[to] = it->value();
  body.erase(from);
}

// Erases `key` from `body`, noting it in `dropped` when it was there.
void drop(json::object& body, std::string_view key, std::string& dropped) {
  if (body.erase(key) != 0) dropped.append(dropped.empty() ? "" : ", ").append(key);
}

// A preset's quirks on a body built for OpenAI (the translating path only).
// Order matters: the token limit and renames come before the drops, so that
// a renamed field is not dropped under its OpenAI name.
void apply_quirks(const OpenAiPreset& preset, const PresetQuirks& quirks, json::object& body) {
  if (quirks.token_limit == TokenLimitField::max_tokens) {
    rename_field(body, "max_completion_tokens", "max_tokens");
  } else {
    rename_field(body, "max_tokens", "max_completion_tokens");
  }
  for (const auto& [from, to] : quirks.renames) rename_field(body, from, to);
  std::string dropped;
  for (auto field : quirks.unsupported) drop(body, field, dropped);
  if (!quirks.only_fields.empty()) {
    std::vector<std::string> extra;
    for (const auto& member : body) {
      if (listed(kOpenAiExtensionFields, member.key()) && !listed(quirks.only_fields, member.key()) &&
          member.key() != "max_completion_tokens")
        extra.emplace_back(member.key());
    }
    for (const auto& key : extra) drop(body, key, dropped);
  }
  if (!quirks.stream_options) drop(body, "stream_options", dropped);
  if (!quirks.message_name) {
    if (auto* messages = body.if_contains("messages"); messages != nullptr && messages->is_array()) {
      for (auto& message : messages->get_array())
        if (auto* m = message.if_object()) m->erase("name");
    }
  }
  if (const auto* n = body.if_contains("n"); quirks.single_choice && n != nullptr) {
    if (!(n->is_int64() && n->get_int64() == 1) && !(n->is_uint64() && n->get_uint64() == 1)) drop(body, "n", dropped);
  }
  if (!dropped.empty()) spdlog::debug("openai: dropped fields the {} preset does not take: {}", preset.name, log_text(dropped, 2048));
}

}  // namespace

std::optional<json::value> encode_tool_choice(const ToolChoice& choice, bool flat) {
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
      if (flat) return json::value{{"type", "function"}, {"name", choice.name}};
      return json::value{{"type", "function"}, {"function", {{"name", choice.name}}}};
  }
  return std::nullopt;
}

HeaderList OpenAiAdapter::auth_headers(const UpstreamTarget& target) const {
  HeaderList headers;
  if (!target.api_key.empty()) {
    if (is_azure(find_openai_preset(target.preset)) && !azure_v1(target)) {
      headers.emplace_back("api-key", target.api_key);
    } else {
      headers.emplace_back("Authorization", "Bearer " + target.api_key);
    }
  }
  for (const auto& header : target.extra_headers) headers.push_back(header);
  return headers;
}

std::string operation_path(const UpstreamTarget& target, std::string_view operation) {
  if (is_azure(find_openai_preset(target.preset))) return azure_path(target, operation);
  return std::string("/").append(operation);  // the endpoint already carries /v1 or its own prefix
}

std::string_view body_model(const UpstreamTarget& target) {
  if (is_azure(find_openai_preset(target.preset)) && azure_v1(target)) return azure_deployment(target);
  return target.upstream_model;
}

std::string OpenAiAdapter::chat_path(const UpstreamTarget& target, bool /*stream*/) const {
  return operation_path(target, "chat/completions");
}

Expected<UpstreamRequest> OpenAiAdapter::encode_chat(const ChatRequest& request, const UpstreamTarget& target) const {
  UpstreamRequest out;
  out.path_suffix = chat_path(target, request.stream);
  out.headers = auth_headers(target);
  out.headers.emplace_back("Content-Type", "application/json");
  json::object body = encode_body(request, target);
  if (const OpenAiPreset* preset = find_openai_preset(target.preset)) {
    apply_quirks(*preset, effective_quirks(*preset, target), body);
    if (is_azure(preset) && azure_v1(target)) body["model"] = azure_deployment(target);  // v1: model = deployment
  }
  out.body = json::serialize(body);
  return out;
}

}  // namespace aisbf::openai
