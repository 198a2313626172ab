// Canonical ChatRequest → Anthropic Messages request (PROTOCOLS.md §2.1–2.4,
// §5.1–5.5, traps §5.9): system prompt lifted out, turns merged so roles
// alternate, tool results first in their user turn, arguments as objects.
#include <cctype>

#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/log_text.hpp"
#include "providers/anthropic/anthropic_adapter.hpp"
#include "providers/anthropic/anthropic_cache.hpp"
#include "providers/anthropic/anthropic_wire.hpp"

namespace aisbf::anthropic {

namespace json = boost::json;

namespace {

// What the encoding dropped or repaired, logged once per request.
struct Notes {
  std::vector<std::string> items;
  bool warn = false;  // something the caller would miss (not routine cross-provider loss)

  void add(std::string note, bool serious = false) {
    warn = warn || serious;
    for (const auto& item : items)
      if (item == note) return;
    items.push_back(std::move(note));
  }
  void log(std::string_view model) const {
    if (items.empty()) return;
    std::string joined;
    for (const auto& item : items) joined += (joined.empty() ? "" : "; ") + item;
    if (warn)
      spdlog::warn("anthropic request for '{}': {}", log_text(model, 256), log_text(joined, 2048));
    else
      spdlog::debug("anthropic request for '{}': {}", log_text(model, 256), log_text(joined, 2048));
  }
};

// Anthropic rejects tool ids outside [a-zA-Z0-9_-] (§5.4); ids from other
// providers (e.g. "functions.get_weather:0") are mapped the same way on the
// call and on its result, so they still match.
std::string tool_id(std::string_view id) {
  std::string out(id);
  for (char& c : out) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

// A canonical block's cache breakpoint (the client's `cache_control`, as
// its JSON text) on the wire block; nothing when unmarked or unreadable.
void add_mark(json::object& block, const std::string& mark) {
  if (mark.empty()) return;
  boost::system::error_code ec;
  json::value parsed = json::parse(mark, ec);
  if (!ec && parsed.is_object()) block["cache_control"] = std::move(parsed);
}

json::object image_block(const ImageBlock& image) {
  json::object source;
  std::string_view url = image.url;
  if (url.empty() || url.starts_with("data:")) {
    std::string media_type = image.media_type, data = image.data_base64;
    if (!url.empty()) {  // a data: URL left in `url`: split it at the first comma (§5.5)
      auto comma = url.find(',');
      auto header = url.substr(5, comma == std::string_view::npos ? std::string_view::npos : comma - 5);
      media_type = std::string(header.substr(0, header.find(';')));
      data = comma == std::string_view::npos ? std::string() : std::string(url.substr(comma + 1));
    }
    source = {{"type", "base64"}, {"media_type", media_type}, {"data", data}};
  } else {
    source = {{"type", "url"}, {"url", image.url}};
  }
  json::object out{{"type", "image"}, {"source", std::move(source)}};
  add_mark(out, image.cache_control);
  return out;
}

// `input` must be an object: arguments that are not a JSON object become
// `{}` (§5.4: never invent arguments) and the request says so in the log.
json::object tool_use_block(const ToolCallBlock& call, Notes& notes) {
  json::object input;
  if (!call.arguments_json.empty()) {
    boost::system::error_code ec;
    json::value parsed = json::parse(call.arguments_json, ec);
    if (!ec && parsed.is_object())
      input = std::move(parsed.as_object());
    else
      notes.add("sent {} for tool call '" + call.name + "' (its arguments are not a JSON object)", true);
  }
  json::object out{{"type", "tool_use"}, {"id", tool_id(call.id)}, {"name", call.name}, {"input", std::move(input)}};
  add_mark(out, call.cache_control);
  return out;
}

json::object tool_result_block(const ToolResultBlock& result) {
  json::object out{{"type", "tool_result"}, {"tool_use_id", tool_id(result.tool_call_id)}};
  if (!result.content.empty()) out["content"] = result.content;  // absent is allowed, "" may not be
  if (result.is_error) out["is_error"] = true;
  add_mark(out, result.cache_control);
  return out;
}

// Consecutive blocks of one role become one turn (the API requires
// alternation); in a user turn the tool results come first (§2.4).
class Turns {
 public:
  void add(std::string_view role, json::object block, bool is_result = false) {
    if (turns_.empty() || turns_.back().role != role) turns_.push_back(Turn{std::string(role), {}, {}});
    (is_result ? turns_.back().results : turns_.back().blocks).push_back(std::move(block));
  }
  json::array finish();

 private:
  struct Turn {
    std::string role;
    json::array results, blocks;
  };
  std::vector<Turn> turns_;
};

// A final assistant turn is a prefill, which must not end in whitespace [obs].
void trim_prefill(json::array& content) {
  if (content.empty() || !content.back().is_object()) return;
  json::object& last = content.back().get_object();
  if (wire::string_member(last, "type") != "text") return;
  std::string text = wire::string_member(last, "text");
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\t' || text.back() == '\r'))
    text.pop_back();
  if (text.empty())
    content.pop_back();
  else
    last["text"] = text;
}

json::array Turns::finish() {
  json::array out;
  for (std::size_t i = 0; i < turns_.size(); ++i) {
    json::array content = std::move(turns_[i].results);
    for (auto& block : turns_[i].blocks) content.push_back(std::move(block));
    if (i + 1 == turns_.size() && turns_[i].role == "assistant") trim_prefill(content);
    if (!content.empty()) out.push_back({{"role", turns_[i].role}, {"content", std::move(content)}});
  }
  return out;
}

void append_block(const ContentBlock& block, std::string_view role, Turns& turns, Notes& notes) {
  if (const auto* text = std::get_if<TextBlock>(&block)) {
    json::object out{{"type", "text"}, {"text", text->text}};
    add_mark(out, text->cache_control);
    if (!text->text.empty()) turns.add(role, std::move(out));  // empty text is a 400
  } else if (const auto* image = std::get_if<ImageBlock>(&block)) {
    if (role == "user")
      turns.add(role, image_block(*image));
    else
      notes.add("dropped an image in an assistant message");
  } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
    if (role == "assistant")
      turns.add(role, tool_use_block(*call, notes));
    else
      notes.add("dropped a tool call outside an assistant message");
  } else if (const auto* result = std::get_if<ToolResultBlock>(&block)) {
    turns.add("user", tool_result_block(*result), true);
  } else if (const auto* thinking = std::get_if<ThinkingBlock>(&block)) {
    // Only signed thinking can go back, unchanged (§2.3); the rest came from
    // elsewhere. Gemini's thought signatures (prefixed "gemini:") are not ours.
    if (role == "assistant" && !thinking->signature.empty() && !thinking->signature.starts_with("gemini:"))
      turns.add(role, {{"type", "thinking"}, {"thinking", thinking->text}, {"signature", thinking->signature}});
    else
      notes.add("dropped unsigned thinking");
  }
}

// System and developer texts, joined in order with blank lines (§5.1).
std::string system_text(const std::vector<Message>& messages, Notes& notes) {
  std::string system;
  for (const auto& message : messages) {
    if (message.role != Role::system && message.role != Role::developer) continue;
    std::string text;
    for (const auto& block : message.content) {
      if (const auto* t = std::get_if<TextBlock>(&block))
        text += t->text;
      else
        notes.add("dropped a non-text part of a system message");
    }
    if (text.empty()) continue;
    if (!system.empty()) system += "\n\n";
    system += text;
  }
  return system;
}

// With a cache breakpoint on any system text, `system` goes as text blocks
// (one per system message, each mark on its message's block) so that the
// marks reach the upstream; else as one string.
std::optional<json::array> marked_system(const std::vector<Message>& messages) {
  bool marked = false;
  for (const auto& message : messages) {
    if (message.role != Role::system && message.role != Role::developer) continue;
    for (const auto& block : message.content) {
      if (const auto* t = std::get_if<TextBlock>(&block)) marked = marked || !t->cache_control.empty();
    }
  }
  if (!marked) return std::nullopt;
  json::array out;
  for (const auto& message : messages) {
    if (message.role != Role::system && message.role != Role::developer) continue;
    std::string text, mark;
    for (const auto& b : message.content) {
      if (const auto* t = std::get_if<TextBlock>(&b)) {
        text += t->text;
        if (!t->cache_control.empty()) mark = t->cache_control;
      }
    }
    if (text.empty()) continue;
    json::object block{{"type", "text"}, {"text", std::move(text)}};
    add_mark(block, mark);
    out.push_back(std::move(block));
  }
  return out;
}

json::array encode_messages(const std::vector<Message>& messages, Notes& notes) {
  Turns turns;
  for (const auto& message : messages) {
    if (message.role == Role::system || message.role == Role::developer) continue;
    std::string_view role = message.role == Role::assistant ? "assistant" : "user";  // tool → user
    for (const auto& block : message.content) append_block(block, role, turns, notes);
  }
  return turns.finish();
}

json::array encode_tools(const std::vector<ToolDefinition>& tools, Notes& notes) {
  json::array out;
  for (const auto& tool : tools) {
    json::object schema;
    if (const auto* parameters = tool.parameters.if_object())
      schema = *parameters;
    else if (!tool.parameters.is_null())
      notes.add("tool '" + tool.name + "' had a schema that is not an object; sent an empty one", true);
    if (!schema.contains("type")) {  // none, or OpenAI's `{}`: the root must be an object (§2.4, §5.2)
      schema["type"] = "object";
      if (!schema.contains("properties")) schema["properties"] = json::object{};
    }
    json::object entry{{"name", tool.name}};
    if (!tool.description.empty()) entry["description"] = tool.description;
    entry["input_schema"] = std::move(schema);
    add_mark(entry, tool.cache_control);
    out.push_back(std::move(entry));
  }
  return out;
}

// OpenAI's `parallel_tool_calls: false` becomes `disable_parallel_tool_use`
// (§5.3), which only auto/any/tool take.
std::optional<json::object> encode_tool_choice(const ChatRequest& request) {
  const json::value* parallel = request.extensions.if_contains("parallel_tool_calls");
  bool single = parallel != nullptr && parallel->is_bool() && !parallel->get_bool();
  json::object choice;
  switch (request.tool_choice.mode) {
    case ToolChoiceMode::unset:
      if (!single) return std::nullopt;
      choice = {{"type", "auto"}};
      break;
    case ToolChoiceMode::none:
      return json::object{{"type", "none"}};
    case ToolChoiceMode::auto_:
      choice = {{"type", "auto"}};
      break;
    case ToolChoiceMode::required:
      choice = {{"type", "any"}};
      break;
    case ToolChoiceMode::specific:
      choice = {{"type", "tool"}, {"name", request.tool_choice.name}};
      break;
  }
  if (single) choice["disable_parallel_tool_use"] = true;
  return choice;
}

// Anthropic's `metadata` takes only `user_id` (OpenAI's `metadata` is a
// free map; OpenAI's `user` is the same idea as `user_id`, §5.3).
void add_metadata(const json::object& extensions, json::object& body, Notes& notes) {
  std::string user_id;
  if (const auto* metadata = wire::object_member(extensions, "metadata")) {
    user_id = wire::string_member(*metadata, "user_id");
    if (metadata->size() > (metadata->contains("user_id") ? 1u : 0u))
      notes.add("dropped metadata keys other than user_id");
  }
  if (user_id.empty()) user_id = wire::string_member(extensions, "user");
  if (!user_id.empty()) body["metadata"] = json::object{{"user_id", user_id}};
}

bool handled_extension(std::string_view key) {
  for (auto known : kPassthroughExtensions)
    if (key == known) return true;
  return key == "metadata" || key == "user" || key == "parallel_tool_calls" || key == "service_tier" ||
         key == "max_completion_tokens" || key == "response_format";
}

// OpenAI's `response_format` json_schema is `output_config.format`
// (§5.3); a client's own output_config.format wins. Only a strict one:
// Anthropic refuses (400) an object schema that is not closed
// (additionalProperties false) and keywords such as minLength, which
// OpenAI's strict mode refuses too, while a non-strict OpenAI schema may
// have both; it is dropped as before, with a note. json_object has no
// Anthropic form.
void add_output_format(const json::object& extensions, json::object& body, Notes& notes) {
  const auto* format = wire::object_member(extensions, "response_format");
  if (format == nullptr) return;
  const auto* spec = wire::object_member(*format, "json_schema");
  const json::value* schema = spec != nullptr ? spec->if_contains("schema") : nullptr;
  if (wire::string_member(*format, "type") != "json_schema" || schema == nullptr || !schema->is_object()) {
    if (wire::string_member(*format, "type") != "text") notes.add("dropped a response_format other than json_schema");
    return;
  }
  const json::value* strict = spec->if_contains("strict");
  if (strict == nullptr || !strict->is_bool() || !strict->get_bool()) {
    notes.add("dropped a json_schema response_format that is not strict (Anthropic takes closed schemas only)");
    return;
  }
  json::value& config = body["output_config"];
  if (!config.is_object()) config = json::object{};
  if (!config.get_object().contains("format"))
    config.get_object()["format"] = json::object{{"type", "json_schema"}, {"schema", *schema}};
}

void add_extensions(const json::object& extensions, json::object& body, Notes& notes) {
  for (auto known : kPassthroughExtensions)
    if (const json::value* v = extensions.if_contains(known)) body[known] = *v;
  add_metadata(extensions, body, notes);
  add_output_format(extensions, body, notes);
  // OpenAI's tiers (default, flex, priority) are not Anthropic's (auto, standard_only).
  if (std::string tier = wire::string_member(extensions, "service_tier"); tier == "auto" || tier == "standard_only")
    body["service_tier"] = tier;
  else if (extensions.contains("service_tier"))
    notes.add("dropped service_tier '" + tier + "'");
  for (const auto& member : extensions)
    if (!handled_extension(member.key())) notes.add("dropped '" + std::string(member.key()) + "'");
}

// Empty and whitespace-only stop strings are a 400 ("each stop sequence must
// contain non-whitespace" [obs]); OpenAI clients often send "\n".
json::array stop_sequences(const std::vector<std::string>& stop, Notes& notes) {
  json::array out;
  for (const auto& s : stop) {
    if (s.find_first_not_of(" \t\r\n\f\v") != std::string::npos)
      out.push_back(json::string(s));
    else
      notes.add("dropped a whitespace-only stop sequence");
  }
  return out;
}

std::int64_t max_tokens(const ChatRequest& request) {
  if (request.max_tokens) return *request.max_tokens;
  if (auto n = wire::optional_int_member(request.extensions, "max_completion_tokens")) return *n;
  return kDefaultMaxTokens;
}

Expected<json::object> encode_body(const ChatRequest& request, const UpstreamTarget& target, Notes& notes) {
  json::object body;
  body["model"] = target.upstream_model;
  body["max_tokens"] = max_tokens(request);
  if (std::string system = system_text(request.messages, notes); !system.empty()) body["system"] = system;
  if (auto blocks = marked_system(request.messages)) body["system"] = std::move(*blocks);
  json::array messages = encode_messages(request.messages, notes);
  if (messages.empty())
    return make_error(ErrorKind::invalid_request, "the request has no user or assistant message with content");
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    body["tools"] = encode_tools(request.tools, notes);
    if (auto choice = encode_tool_choice(request)) body["tool_choice"] = std::move(*choice);
  }
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.top_p) body["top_p"] = *request.top_p;
  if (json::array stop = stop_sequences(request.stop, notes); !stop.empty()) body["stop_sequences"] = std::move(stop);
  if (request.stream) body["stream"] = true;
  add_extensions(request.extensions, body, notes);
  place_cache_breakpoints(body, target.native_cache);
  clamp_cache_breakpoints(body);  // an OpenAI client's marks on content parts may be more than Anthropic takes
  return body;
}

bool same_header(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

HeaderList AnthropicAdapter::auth_headers(const UpstreamTarget& target) const {
  HeaderList headers;
  if (!target.api_key.empty()) headers.emplace_back("x-api-key", target.api_key);
  headers.emplace_back("anthropic-version", std::string(kApiVersion));
  for (const auto& [name, value] : target.extra_headers) {
    bool replaced = false;
    for (auto& header : headers) {
      if (same_header(header.first, name)) header.second = value, replaced = true;
    }
    if (!replaced) headers.emplace_back(name, value);
  }
  return headers;
}

std::string AnthropicAdapter::chat_path(const UpstreamTarget& target, bool /*stream*/) const {
  std::string_view url = target.endpoint;
  auto scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  auto slash = rest.find('/');
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path.ends_with("/v1") ? "/messages" : "/v1/messages";
}

Expected<UpstreamRequest> AnthropicAdapter::encode_chat(const ChatRequest& request,
                                                        const UpstreamTarget& target) const {
  Notes notes;
  auto body = encode_body(request, target, notes);
  notes.log(target.upstream_model);
  if (!body) return body.take_error();
  UpstreamRequest out;
  out.path_suffix = chat_path(target, request.stream);
  out.headers = auth_headers(target);
  out.headers.emplace_back("Content-Type", "application/json");
  out.body = json::serialize(*body);
  return out;
}

const ProviderAdapter& anthropic_adapter() {
  static const AnthropicAdapter kAdapter;
  return kAdapter;
}

}  // namespace aisbf::anthropic
