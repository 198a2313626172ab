#include "api/provider_presets_json.hpp"

#include <string_view>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "providers/openai/openai_presets.hpp"

namespace aisbf::api {

namespace {

namespace json = boost::json;

struct BaseType {
  std::string_view type;
  std::string_view label;
  std::string_view endpoint;
  bool key_required;
  std::string_view notes;
};

// The types aisbf builds; endpoints as their services document them (the
// adapters add the version where the path lacks it).
constexpr BaseType kTypes[] = {
    {"openai", "OpenAI-compatible (any endpoint)", "https://api.openai.com/v1", true,
     "Any server speaking OpenAI's Chat Completions; set \"api\": \"responses\" for a Responses-only one."},
    {"anthropic", "Anthropic", "https://api.anthropic.com/v1", true, "Anthropic's Messages API."},
    {"google", "Google Gemini", "https://generativelanguage.googleapis.com/v1beta", true,
     "Gemini's Generative Language API."},
    {"ollama", "Ollama", "http://localhost:11434", false, "A local Ollama server (native API); no key."},
    {"codex", "Codex (ChatGPT backend)", "https://chatgpt.com/backend-api", false,
     "The Responses API behind ChatGPT; an access token as the key. It has no model list."},
};

std::string quirk_notes(const openai::OpenAiPreset& p) {
  std::string out;
  auto add = [&out](std::string_view text) { out.append(out.empty() ? "" : "; ").append(text); };
  if (!p.key_required) add("no key needed");
  if (p.endpoint.empty()) add("no default endpoint: your resource's URL (https://{resource}.openai.azure.com)");
  if (p.auth == openai::PresetAuth::azure) add("api_version and per-model deployment names");
  if (!p.quirks.unsupported.empty()) {
    std::string fields;
    for (auto f : p.quirks.unsupported) fields.append(fields.empty() ? "" : ", ").append(f);
    add("drops " + fields);
  }
  if (!p.quirks.only_fields.empty()) add("strict schema: unknown fields dropped");
  for (const auto& r : p.quirks.renames) add(std::string(r.from) + " sent as " + std::string(r.to));
  if (p.quirks.single_choice) add("n must be 1");
  if (p.name == "openrouter") add("site_url and app_name become HTTP-Referer and X-Title");
  return out;
}

json::object entry(std::string_view name, std::string_view label, std::string_view kind, std::string_view endpoint,
                   bool key_required, std::string notes, json::object tmpl) {
  return json::object{{"id", std::string(kind) + ":" + std::string(name)},
                      {"name", name},
                      {"label", label},
                      {"kind", kind},
                      {"endpoint", endpoint},
                      {"api_key_required", key_required},
                      {"notes", std::move(notes)},
                      {"template", std::move(tmpl)}};
}

}  // namespace

std::string provider_presets_json() {
  json::array presets;
  for (const auto& t : kTypes) {
    json::object tmpl{{"type", t.type}, {"endpoint", t.endpoint}, {"api_key_required", t.key_required}};
    presets.push_back(
        entry(t.type, t.label, "type", t.endpoint, t.key_required, std::string(t.notes), std::move(tmpl)));
  }
  for (const auto& p : openai::openai_presets()) {
    // `type` names the preset (AISBF's spelling); the preset's endpoint
    // applies when the entry leaves `endpoint` empty.
    json::object tmpl{{"type", p.name}, {"endpoint", p.endpoint}, {"api_key_required", p.key_required}};
    if (p.name == "openai")
      tmpl = {{"type", "openai"}, {"preset", "openai"}, {"endpoint", p.endpoint}};  // `type` alone: no preset
    if (p.auth == openai::PresetAuth::azure) tmpl["api_version"] = openai::kAzureDefaultApiVersion;
    presets.push_back(entry(p.name, p.name, "preset", p.endpoint, p.key_required, quirk_notes(p), std::move(tmpl)));
  }
  return json::serialize(json::object{{"presets", std::move(presets)}});
}

}  // namespace aisbf::api
