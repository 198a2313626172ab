// Canonical ChatRequest → Ollama `POST /api/chat` body (PROTOCOLS.md §4.1,
// mapping §5.1–5.5). What has no Ollama equivalent is dropped, and named in
// one warning per request.
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>

#include "core/chat_roles.hpp"
#include "core/log_text.hpp"
#include "providers/ollama/ollama_adapter.hpp"
#include "providers/ollama/ollama_wire.hpp"

namespace aisbf::ollama {

namespace json = boost::json;

namespace {

// Per-request state: call id → function name (Ollama labels a tool result
// by name), and what was dropped on the way.
struct EncodeState {
  std::map<std::string, std::string, std::less<>> call_names;
  std::vector<std::string> dropped;
};

// Ollama has no developer role: its instructions are a system message.
std::string_view ollama_role(Role role) { return role == Role::developer ? "system" : role_name(role); }

// Raw base64 (no `data:` prefix), from inline data or a base64 data URL.
// Ollama cannot fetch URLs: nullopt for those.
std::optional<std::string> image_base64(const ImageBlock& image) {
  if (!image.data_base64.empty()) return image.data_base64;
  std::string_view url = image.url;
  if (url.rfind("data:", 0) != 0) return std::nullopt;
  std::size_t comma = url.find(',');
  if (comma == std::string_view::npos || url.substr(0, comma).find(";base64") == std::string_view::npos)
    return std::nullopt;
  return std::string(url.substr(comma + 1));
}

// Ollama wants `arguments` as an object (a string is a 400, §5.9 trap 8).
json::value arguments_object(const ToolCallBlock& call, EncodeState& state) {
  if (call.arguments_json.empty()) return json::object();
  boost::system::error_code ec;
  json::value parsed = json::parse(call.arguments_json, ec);
  if (!ec && parsed.is_object()) return parsed;
  state.dropped.push_back("arguments of tool call '" + call.id + "' (not a JSON object, sent as {})");
  return json::object();
}

json::object tool_result_message(const ToolResultBlock& result, const EncodeState& state) {
  json::object m{{"role", "tool"}, {"content", result.content}};
  if (auto it = state.call_names.find(result.tool_call_id); it != state.call_names.end()) m["tool_name"] = it->second;
  if (!result.tool_call_id.empty()) m["tool_call_id"] = result.tool_call_id;  // newer servers read it
  return m;
}

// A message's blocks sorted by where they go on the Ollama wire.
struct SplitMessage {
  std::string text;  // text blocks joined as they are: Ollama content is a string only
  json::array images;
  json::array calls;
  std::vector<const ToolResultBlock*> results;
};

void split_block(const ContentBlock& block, Role role, SplitMessage& s, EncodeState& state) {
  if (const auto* text = std::get_if<TextBlock>(&block)) {
    s.text += text->text;
  } else if (const auto* image = std::get_if<ImageBlock>(&block)) {
    if (auto data = image_base64(*image))
      s.images.push_back(json::string(*data));
    else
      state.dropped.push_back("an image given by URL (Ollama takes base64 only)");  // URL not logged: may be signed
  } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
    if (role != Role::assistant) return;
    json::object entry{{"function", {{"name", call->name}, {"arguments", arguments_object(*call, state)}}}};
    if (!call->id.empty()) entry["id"] = call->id;
    s.calls.push_back(std::move(entry));
    state.call_names[call->id] = call->name;
  } else if (const auto* result = std::get_if<ToolResultBlock>(&block)) {
    s.results.push_back(result);
  }
  // ThinkingBlock: only valid for the provider that produced it (§5.9 trap 12).
}

// Tool results become `tool` messages (first, as every call must be answered
// before the next turn); then the message itself unless nothing is left.
void append_message(const Message& message, EncodeState& state, json::array& out) {
  SplitMessage s;
  for (const auto& block : message.content) split_block(block, message.role, s, state);
  for (const auto* result : s.results) out.push_back(tool_result_message(*result, state));
  bool empty = s.text.empty() && s.images.empty() && s.calls.empty();
  if (empty && (!s.results.empty() || message.role == Role::tool)) return;

  json::object m{{"role", ollama_role(message.role)}, {"content", std::move(s.text)}};
  if (!s.images.empty()) m["images"] = std::move(s.images);
  if (!s.calls.empty()) m["tool_calls"] = std::move(s.calls);
  if (message.role == Role::tool && !message.name.empty()) m["tool_name"] = message.name;
  out.push_back(std::move(m));
}

json::array encode_tools(const std::vector<ToolDefinition>& tools) {
  json::array out;
  for (const auto& tool : tools) {
    json::object function{{"name", tool.name}};
    if (!tool.description.empty()) function["description"] = tool.description;
    // Ollama's Go type reads `parameters` as an object schema; give one when the tool takes none.
    function["parameters"] =
        tool.parameters.is_null() ? json::value{{"type", "object"}, {"properties", json::object()}} : tool.parameters;
    out.push_back({{"type", "function"}, {"function", std::move(function)}});
  }
  return out;
}

// No `tool_choice` on the native API (§5.3): `none` omits the tools; a forced
// choice cannot be expressed and the model decides.
void add_tools(const ChatRequest& request, EncodeState& state, json::object& body) {
  if (request.tools.empty() || request.tool_choice.mode == ToolChoiceMode::none) return;
  body["tools"] = encode_tools(request.tools);
  if (request.tool_choice.mode == ToolChoiceMode::required)
    state.dropped.push_back("tool_choice 'required' (Ollama lets the model decide)");
  else if (request.tool_choice.mode == ToolChoiceMode::specific)
    state.dropped.push_back("tool_choice '" + request.tool_choice.name + "' (Ollama lets the model decide)");
}

// OpenAI `response_format` → Ollama `format`: "json" or the schema object.
std::optional<json::value> format_from_response_format(const json::value& value) {
  const auto* object = value.if_object();
  if (object == nullptr) return std::nullopt;
  std::string type = wire::string_member(*object, "type");
  if (type == "json_object") return json::value("json");
  if (type != "json_schema") return std::nullopt;
  const auto* spec = wire::object_member(*object, "json_schema");
  const json::value* schema = spec != nullptr ? spec->if_contains("schema") : nullptr;
  if (schema == nullptr || !schema->is_object()) return json::value("json");
  return *schema;
}

// OpenAI `reasoning_effort` → Ollama `think` (§5.3).
std::optional<json::value> think_from_effort(const json::value& value) {
  if (!value.is_string()) return std::nullopt;
  std::string_view effort = value.get_string();
  if (effort == "none") return json::value(false);
  if (effort == "minimal" || effort == "low") return json::value("low");
  if (effort == "medium") return json::value("medium");
  if (effort == "high" || effort == "xhigh") return json::value("high");
  return std::nullopt;
}

// Extensions that are plain `options` entries (Modelfile parameters, §4.1).
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kOptionFields{{
    {"seed", "seed"},
    {"top_k", "top_k"},
    {"min_p", "min_p"},
    {"typical_p", "typical_p"},
    {"frequency_penalty", "frequency_penalty"},
    {"presence_penalty", "presence_penalty"},
    {"repeat_penalty", "repeat_penalty"},
    {"num_ctx", "num_ctx"},
    {"max_completion_tokens", "num_predict"},
}};

constexpr std::array<std::string_view, 3> kNativeTopLevel{"format", "keep_alive", "think"};

// Dropped without a warning: canonical members (never overridden by an
// extension), and fields that do not change the answer.
constexpr std::array<std::string_view, 11> kSilentlyDropped{"model",      "messages",       "tools", "tool_choice",
                                                            "max_tokens", "temperature",    "top_p", "stop",
                                                            "stream",     "stream_options", "user"};

bool map_option(std::string_view key, const json::value& value, json::object& options) {
  for (const auto& [from, to] : kOptionFields) {
    if (key == from) {
      options[to] = value;
      return true;
    }
  }
  return false;
}

// OpenAI spellings of Ollama's top-level fields; a native spelling the caller
// also sent (already in `body`) wins.
bool map_top_level(std::string_view key, const json::value& value, json::object& body) {
  std::optional<json::value> mapped;
  std::string_view target;
  if (key == "response_format") {
    mapped = format_from_response_format(value), target = "format";
    if (!mapped && value.is_object() && wire::string_member(value.get_object(), "type") == "text") return true;
  } else if (key == "reasoning_effort") {
    mapped = think_from_effort(value), target = "think";
  }
  if (!mapped) return false;
  if (!body.contains(target)) body[target] = std::move(*mapped);
  return true;
}

// Extensions in order of precedence: a caller's native `options` object, then
// mapped fields; the canonical members are applied after and win.
void apply_extensions(const json::object& extensions, EncodeState& state, json::object& body, json::object& options) {
  if (const auto* native = wire::object_member(extensions, "options"))
    for (const auto& member : *native) options[member.key()] = member.value();
  // Top-level fields Ollama reads as they are: before the mapped ones, which they override.
  for (std::string_view key : kNativeTopLevel)
    if (const auto* v = extensions.if_contains(key)) body[key] = *v;
  for (const auto& member : extensions) {
    std::string_view key = member.key();
    bool native = key == "options";
    for (auto name : kNativeTopLevel) native = native || key == name;
    if (native) continue;
    if (map_option(key, member.value(), options) || map_top_level(key, member.value(), body)) continue;
    bool silent = false;
    for (auto name : kSilentlyDropped) silent = silent || key == name;
    if (!silent) state.dropped.push_back(std::string(key));
  }
}

void apply_sampling(const ChatRequest& request, json::object& options) {
  if (request.temperature) options["temperature"] = *request.temperature;
  if (request.top_p) options["top_p"] = *request.top_p;
  if (request.max_tokens) options["num_predict"] = *request.max_tokens;
  if (!request.stop.empty()) {
    json::array stop;
    for (const auto& s : request.stop) stop.push_back(json::string(s));
    options["stop"] = std::move(stop);
  }
}

json::object encode_body(const ChatRequest& request, const UpstreamTarget& target, EncodeState& state) {
  json::object body;
  body["model"] = target.upstream_model;
  json::array messages;
  for (const auto& message : request.messages) append_message(message, state, messages);
  body["messages"] = std::move(messages);
  body["stream"] = request.stream;  // explicit: Ollama streams when it is absent
  add_tools(request, state, body);
  json::object options;
  apply_extensions(request.extensions, state, body, options);
  apply_sampling(request, options);
  if (!options.empty()) body["options"] = std::move(options);
  return body;
}

// The path of a URL ("http://h:1/x/api" → "/x/api"), without trailing slashes.
std::string_view url_path(std::string_view url) {
  std::size_t scheme = url.find("://");
  std::size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  std::size_t slash = url.find('/', start);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  path = path.substr(0, path.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path;
}

}  // namespace

HeaderList OllamaAdapter::auth_headers(const UpstreamTarget& target) const {
  HeaderList headers;
  // Local Ollama needs no key; one is sent when it sits behind an authenticating proxy.
  if (!target.api_key.empty()) headers.emplace_back("Authorization", "Bearer " + target.api_key);
  headers.insert(headers.end(), target.extra_headers.begin(), target.extra_headers.end());
  return headers;
}

std::string OllamaAdapter::chat_path(const UpstreamTarget& target, bool /*stream*/) const {
  // AISBF's sample endpoint is the bare server (http://localhost:11434); some configs end in /api.
  std::string_view path = url_path(target.endpoint);
  if (path.size() >= 4 && path.substr(path.size() - 4) == "/api") return "/chat";
  return std::string(wire::kChatPath);
}

Expected<UpstreamRequest> OllamaAdapter::encode_chat(const ChatRequest& request, const UpstreamTarget& target) const {
  EncodeState state;
  UpstreamRequest out;
  out.path_suffix = chat_path(target, request.stream);
  out.headers = auth_headers(target);
  out.headers.emplace_back("Content-Type", "application/json");
  out.body = json::serialize(encode_body(request, target, state));
  if (!state.dropped.empty())
    spdlog::warn("ollama provider '{}': dropped what Ollama cannot take: {}", target.provider_id,
                 log_text(fmt::format("{}", fmt::join(state.dropped, "; ")), 2048));
  return out;
}

const ProviderAdapter& ollama_adapter() {
  static const OllamaAdapter kAdapter;
  return kAdapter;
}

}  // namespace aisbf::ollama
