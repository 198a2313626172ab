// Canonical ChatRequest → Gemini generateContent body (PROTOCOLS.md §3.1,
// §5.2, §5.3): contents (gemini_contents.cpp), tools with cleaned schemas,
// toolConfig, generationConfig and the extensions that have an equivalent.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>

#include "core/log_text.hpp"
#include "providers/gemini/gemini_adapter.hpp"
#include "providers/gemini/gemini_wire.hpp"

namespace aisbf::gemini {

namespace {

constexpr std::size_t kMaxStopSequences = 5;  // more is a 400

// Extensions with no Gemini equivalent that are not worth a warning: they
// concern the OpenAI transport or bookkeeping, not the answer.
constexpr std::array<std::string_view, 10> kQuietExtensions{
    "stream_options", "user",   "parallel_tool_calls",  "metadata", "store", "service_tier", "model",
    "messages",       "stream", "max_completion_tokens"};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// The root of `parameters` must be an OBJECT with at least one property
// ("should be non-empty for OBJECT type"): a tool without arguments sends none.
std::optional<json::object> tool_parameters(const ToolDefinition& tool, std::vector<std::string>& warnings) {
  if (tool.parameters.is_null()) return std::nullopt;
  std::vector<std::string> dropped;
  auto schema = to_gemini_schema(tool.parameters, dropped);
  if (!dropped.empty()) warnings.push_back(fmt::format("schema keywords of tool '{}': {}", tool.name, join(dropped)));
  if (!schema || !schema->contains("properties")) return std::nullopt;
  (*schema)["type"] = "OBJECT";
  schema->erase("nullable");
  return schema;
}

json::array encode_tools(const std::vector<ToolDefinition>& tools, std::vector<std::string>& warnings) {
  json::array declarations;
  for (const auto& tool : tools) {
    json::object declaration{{"name", tool.name}};
    if (!tool.description.empty()) declaration["description"] = tool.description;
    if (auto parameters = tool_parameters(tool, warnings)) declaration["parameters"] = std::move(*parameters);
    declarations.push_back(std::move(declaration));
  }
  return json::array{json::object{{"functionDeclarations", std::move(declarations)}}};
}

std::optional<json::object> encode_tool_config(const ToolChoice& choice) {
  json::object config;
  switch (choice.mode) {
    case ToolChoiceMode::unset:
      return std::nullopt;
    case ToolChoiceMode::none:
      config["mode"] = "NONE";
      break;
    case ToolChoiceMode::auto_:
      config["mode"] = "AUTO";
      break;
    case ToolChoiceMode::required:
      config["mode"] = "ANY";
      break;
    case ToolChoiceMode::specific:
      config["mode"] = "ANY";
      config["allowedFunctionNames"] = json::array{json::string(choice.name)};
      break;
  }
  return json::object{{"functionCallingConfig", std::move(config)}};
}

// OpenAI `response_format`: json_object → JSON mode; json_schema → JSON mode
// with the schema converted like a tool's (dropped keywords are reported).
void map_response_format(const json::value& format, json::object& config, std::vector<std::string>& warnings) {
  const auto* object = format.if_object();
  std::string type = object != nullptr ? string_member(*object, "type") : std::string();
  if (type == "text") return;
  if (type != "json_object" && type != "json_schema") {
    warnings.push_back("response_format of an unknown type");
    return;
  }
  config["responseMimeType"] = "application/json";
  if (type == "json_object") return;
  const json::object* spec = object_member(*object, "json_schema");
  const json::value* schema = spec != nullptr ? spec->if_contains("schema") : nullptr;
  std::vector<std::string> dropped;
  auto converted = schema != nullptr ? to_gemini_schema(*schema, dropped) : std::nullopt;
  if (!converted) {
    warnings.push_back("response_format.json_schema without a schema object (JSON mode only)");
    return;
  }
  if (!dropped.empty()) warnings.push_back("response_format schema keywords: " + join(dropped));
  config["responseSchema"] = std::move(*converted);
}

// OpenAI `reasoning_effort` → a thinking budget; thoughts are asked for so
// that they can be streamed as reasoning.
void map_reasoning_effort(const json::value& effort, json::object& config, std::vector<std::string>& warnings) {
  std::string_view level = effort.is_string() ? std::string_view(effort.get_string()) : std::string_view();
  std::int64_t budget = level == "minimal"  ? 512
                        : level == "low"    ? 1024
                        : level == "medium" ? 8192
                        : level == "high"   ? 24576
                                            : -2;
  if (budget == -2) {
    warnings.push_back(fmt::format("reasoning_effort '{}'", excerpt(level, 20)));
    return;
  }
  config["thinkingConfig"] = json::object{{"thinkingBudget", budget}, {"includeThoughts", true}};
}

bool map_number(const json::object& extensions, std::string_view from, std::string_view to, json::object& config) {
  const json::value* v = extensions.if_contains(from);
  if (v == nullptr || !v->is_number()) return false;
  config[to] = *v;
  return true;
}

void map_extensions(const json::object& extensions, json::object& config, std::vector<std::string>& warnings) {
  std::vector<std::string> dropped;
  for (const auto& member : extensions) {
    std::string_view key = member.key();
    if (key == "response_format") {
      map_response_format(member.value(), config, warnings);
    } else if (key == "reasoning_effort") {
      map_reasoning_effort(member.value(), config, warnings);
    } else if (key == "seed" || key == "presence_penalty" || key == "frequency_penalty" || key == "top_k") {
      std::string_view to = key == "seed"               ? "seed"
                            : key == "presence_penalty" ? "presencePenalty"
                            : key == "top_k"            ? "topK"
                                                        : "frequencyPenalty";
      if (!map_number(extensions, key, to, config)) dropped.emplace_back(key);
    } else if (std::find(kQuietExtensions.begin(), kQuietExtensions.end(), key) == kQuietExtensions.end()) {
      dropped.emplace_back(key);
    }
  }
  if (!dropped.empty()) warnings.push_back("parameters without a Gemini equivalent: " + join(dropped));
}

json::object encode_generation_config(const ChatRequest& request, std::vector<std::string>& warnings) {
  json::object config;
  if (request.max_tokens) config["maxOutputTokens"] = *request.max_tokens;
  if (request.temperature) config["temperature"] = *request.temperature;
  if (request.top_p) config["topP"] = *request.top_p;
  if (!request.stop.empty()) {
    json::array stop;
    for (const auto& s : request.stop)
      if (stop.size() < kMaxStopSequences && !s.empty()) stop.push_back(json::string(s));
    if (request.stop.size() > kMaxStopSequences)
      warnings.push_back(fmt::format("stop sequences beyond the first {}", kMaxStopSequences));
    config["stopSequences"] = std::move(stop);
  }
  map_extensions(request.extensions, config, warnings);
  return config;
}

}  // namespace

Expected<UpstreamRequest> GeminiAdapter::encode_chat(const ChatRequest& request, const UpstreamTarget& target) const {
  std::vector<std::string> warnings;
  EncodedContents encoded = encode_contents(request.messages, warnings);
  if (encoded.contents.empty())
    return make_error(ErrorKind::invalid_request,
                      "the conversation has no user or assistant content to send (Gemini needs at least one)");
  json::object body;
  body["contents"] = std::move(encoded.contents);
  if (!encoded.system.empty())
    body["systemInstruction"] = json::object{{"parts", json::array{json::object{{"text", encoded.system}}}}};
  if (!request.tools.empty()) {
    body["tools"] = encode_tools(request.tools, warnings);
    if (auto config = encode_tool_config(request.tool_choice)) body["toolConfig"] = std::move(*config);
  }
  if (json::object config = encode_generation_config(request, warnings); !config.empty())
    body["generationConfig"] = std::move(config);
  if (!warnings.empty())
    spdlog::warn("provider '{}' (google): dropped or changed in the request: {}", target.provider_id,
                 log_text(join(warnings), 2048));

  UpstreamRequest out;
  out.path_suffix = chat_path(target, request.stream);
  out.headers = auth_headers(target);
  out.headers.emplace_back("Content-Type", "application/json");
  out.body = json::serialize(body);
  return out;
}

}  // namespace aisbf::gemini
