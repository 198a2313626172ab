// Canonical ChatRequest → OpenAI Responses request (docs/responses-api.md,
// "Upstream"). System and developer texts become `instructions`; the
// conversation becomes `input` items (messages with input_text/input_image/
// output_text parts, function_call, function_call_output, and reasoning
// items that carry their encrypted_content back). Always stateless:
// `store: false`; `include: ["reasoning.encrypted_content"]` only when the
// request is about reasoning (see wants_encrypted_reasoning), so a reasoning
// model's thinking survives a tool round trip without any state kept upstream
// while a non-reasoning model (gpt-4o, gpt-4.1), which answers that include
// with a 400 "Encrypted content is not supported with this model.", still
// serves.
#include <array>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "core/log_text.hpp"
#include "providers/openai/openai_adapter.hpp"
#include "providers/openai/responses_upstream.hpp"

namespace aisbf::openai {

namespace json = boost::json;

namespace {

json::object input_text(std::string_view type, std::string_view text) { return {{"type", type}, {"text", text}}; }

json::object input_image(const ImageBlock& image) {
  json::object part{{"type", "input_image"},
                    {"image_url", image.url.empty() ? "data:" + image.media_type + ";base64," + image.data_base64
                                                    : image.url}};
  part["detail"] = image.detail.empty() ? "auto" : image.detail;
  return part;
}

// The items of one message, in order. Text (and a user's images) gathers
// into a message item until a call, a result or reasoning comes between.
class ItemWriter {
 public:
  ItemWriter(const Message& message, json::array& out) : message_(message), out_(out) {}

  void write() {
    for (const auto& block : message_.content) std::visit([this](const auto& b) { add(b); }, block);
    flush();
  }

 private:
  void add(const TextBlock& text) {
    parts_.push_back(input_text(message_.role == Role::assistant ? "output_text" : "input_text", text.text));
  }
  void add(const ImageBlock& image) {
    if (message_.role == Role::assistant) return;  // an assistant message takes no image parts
    parts_.push_back(input_image(image));
  }
  void add(const ToolCallBlock& call) {
    if (message_.role != Role::assistant) return;
    flush();
    out_.push_back({{"type", "function_call"},
                    {"call_id", call.id},
                    {"name", call.name},
                    {"arguments", call.arguments_json.empty() ? "{}" : call.arguments_json}});
  }
  void add(const ToolResultBlock& result) {
    flush();
    out_.push_back({{"type", "function_call_output"}, {"call_id", result.tool_call_id}, {"output", result.content}});
  }
  // Only a reasoning item this API issued goes back (its encrypted_content);
  // another provider's thinking or signature means nothing here. No `id`:
  // with store: false OpenAI looks an item id up and fails ("Items are not
  // persisted when store is set to false").
  void add(const ThinkingBlock& thinking) {
    if (message_.role != Role::assistant || thinking.encrypted_content.empty()) return;
    flush();
    json::array summary;
    if (!thinking.text.empty()) summary.push_back(input_text("summary_text", thinking.text));
    out_.push_back(
        {{"type", "reasoning"}, {"summary", std::move(summary)}, {"encrypted_content", thinking.encrypted_content}});
  }

  void flush() {
    if (parts_.empty()) return;
    out_.push_back({{"type", "message"}, {"role", role_name()}, {"content", std::move(parts_)}});
    parts_ = json::array{};
  }

  std::string_view role_name() const { return message_.role == Role::assistant ? "assistant" : "user"; }

  const Message& message_;
  json::array& out_;
  json::array parts_;
};

// System and developer texts, joined with blank lines: the Responses API
// has one `instructions` (the ChatGPT backend behind `codex` requires it).
std::string instructions(const std::vector<Message>& messages) {
  std::string out;
  for (const auto& message : messages) {
    if (message.role != Role::system && message.role != Role::developer) continue;
    for (const auto& block : message.content) {
      const auto* text = std::get_if<TextBlock>(&block);
      if (text == nullptr || text->text.empty()) continue;
      if (!out.empty()) out += "\n\n";
      out += text->text;
    }
  }
  return out;
}

json::array input_items(const std::vector<Message>& messages) {
  json::array out;
  for (const auto& message : messages) {
    if (message.role == Role::system || message.role == Role::developer) continue;
    ItemWriter(message, out).write();
  }
  return out;
}

// Flat function tools. `strict` defaults to true on this API, which rejects
// any schema that is not closed: canonical tools carry no strictness, so
// false is said outright.
json::array encode_tools(const std::vector<ToolDefinition>& tools) {
  json::array out;
  for (const auto& tool : tools) {
    json::object t{{"type", "function"}, {"name", tool.name}};
    if (!tool.description.empty()) t["description"] = tool.description;
    t["parameters"] = tool.parameters.is_null() ? json::value(json::object{{"type", "object"}, {"properties", json::object{}}})
                                                : tool.parameters;
    t["strict"] = false;
    out.push_back(std::move(t));
  }
  return out;
}

// Chat's nested response_format → the flat `text.format`; verbosity beside it.
void add_text_options(const json::object& extensions, json::object& body) {
  json::object text;
  if (const auto* format = extensions.if_contains("response_format"); format != nullptr && format->is_object()) {
    const json::object& f = format->get_object();
    const auto* type = f.if_contains("type");
    if (type != nullptr && *type == "json_schema") {
      json::object flat{{"type", "json_schema"}};
      if (const auto* spec = f.if_contains("json_schema"); spec != nullptr && spec->is_object()) {
        for (const auto& member : spec->get_object()) flat[member.key()] = member.value();
      }
      text["format"] = std::move(flat);
    } else if (type != nullptr && (*type == "json_object" || *type == "text")) {
      text["format"] = json::object{{"type", *type}};
    }
  }
  if (const auto* verbosity = extensions.if_contains("verbosity")) text["verbosity"] = *verbosity;
  if (!text.empty()) body["text"] = std::move(text);
}

// reasoning.effort, with a summary asked for: the summary is the only
// reasoning text this API shows, and what carries it to the client.
void add_reasoning(const json::object& extensions, json::object& body) {
  const auto* effort = extensions.if_contains("reasoning_effort");
  if (effort == nullptr || !effort->is_string()) return;
  body["reasoning"] = json::object{{"effort", *effort}, {"summary", "auto"}};
}

// Chat extensions that mean the same on this API, under the same names.
constexpr std::array<std::string_view, 8> kSameNameFields{
    "parallel_tool_calls", "metadata", "user", "prompt_cache_key", "service_tier", "safety_identifier",
    "top_logprobs", "prompt_cache_retention"};

void copy_extensions(const json::object& extensions, json::object& body) {
  for (auto key : kSameNameFields) {
    if (const auto* v = extensions.if_contains(key)) body[key] = *v;
  }
  std::string dropped;
  for (const auto& member : extensions) {
    const std::string_view key = member.key();
    bool used = key == "response_format" || key == "verbosity" || key == "reasoning_effort" || key == "stream_options";
    for (auto same : kSameNameFields) used = used || key == same;
    if (!used) dropped.append(dropped.empty() ? "" : ", ").append(key);
  }
  if (!dropped.empty()) spdlog::debug("openai responses: dropped fields with no Responses equivalent: {}", log_text(dropped, 2048));
}

// Encrypted reasoning is asked for only where a reasoning model is certain:
// the client set a reasoning effort, the conversation already carries this
// API's encrypted reasoning, or the provider is `codex` (the ChatGPT backend
// serves reasoning models only). Nothing else in a request says whether the
// model reasons, and asking a non-reasoning model fails the whole request.
bool wants_encrypted_reasoning(const ChatRequest& request, const UpstreamTarget& target) {
  if (target.provider_type == "codex") return true;
  if (const auto* effort = request.extensions.if_contains("reasoning_effort"); effort != nullptr && effort->is_string())
    return true;
  for (const auto& message : request.messages) {
    if (message.role != Role::assistant) continue;
    for (const auto& block : message.content) {
      const auto* thinking = std::get_if<ThinkingBlock>(&block);
      if (thinking != nullptr && !thinking->encrypted_content.empty()) return true;
    }
  }
  return false;
}

}  // namespace

std::string encode_responses_body(const ChatRequest& request, const UpstreamTarget& target) {
  json::object body;
  body["model"] = target.upstream_model;
  if (std::string text = instructions(request.messages); !text.empty()) body["instructions"] = std::move(text);
  body["input"] = input_items(request.messages);
  if (!request.tools.empty()) body["tools"] = encode_tools(request.tools);
  if (auto choice = encode_tool_choice(request.tool_choice, true)) body["tool_choice"] = std::move(*choice);
  // The ChatGPT backend (`codex`) refuses any output cap: "Unsupported
  // parameter: max_output_tokens".
  if (request.max_tokens && target.provider_type != "codex") body["max_output_tokens"] = *request.max_tokens;
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.top_p) body["top_p"] = *request.top_p;
  if (!request.stop.empty()) spdlog::debug("openai responses: dropped `stop`, which the Responses API does not take");
  add_reasoning(request.extensions, body);
  add_text_options(request.extensions, body);
  copy_extensions(request.extensions, body);
  const std::string& key = target.native_cache.prompt_cache_key;
  if (!key.empty() && key != "auto" && !body.contains("prompt_cache_key")) body["prompt_cache_key"] = key;
  body["stream"] = request.stream || target.provider_type == "codex";  // codex: stream_only()
  body["store"] = false;
  if (wants_encrypted_reasoning(request, target)) body["include"] = json::array{"reasoning.encrypted_content"};
  return json::serialize(body);
}

HeaderList OpenAiResponsesAdapter::auth_headers(const UpstreamTarget& target) const {
  HeaderList headers;
  if (!target.api_key.empty()) headers.emplace_back("Authorization", "Bearer " + target.api_key);
  for (const auto& header : target.extra_headers) headers.push_back(header);
  return headers;
}

std::string OpenAiResponsesAdapter::chat_path(const UpstreamTarget& target, bool /*stream*/) const {
  std::string_view endpoint = target.endpoint;
  while (endpoint.ends_with('/')) endpoint.remove_suffix(1);
  if (target.provider_type == "codex" && endpoint.ends_with("/backend-api")) return "/codex/responses";
  return "/responses";
}

Expected<UpstreamRequest> OpenAiResponsesAdapter::encode_chat(const ChatRequest& request,
                                                              const UpstreamTarget& target) const {
  UpstreamRequest out;
  out.path_suffix = chat_path(target, request.stream);
  out.headers = auth_headers(target);
  out.headers.emplace_back("Content-Type", "application/json");
  out.body = encode_responses_body(request, target);
  return out;
}

}  // namespace aisbf::openai
