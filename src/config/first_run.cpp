#include "config/first_run.hpp"

#include <cstdlib>
#include <system_error>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "config/config_writer.hpp"
#include "config/env_keys.hpp"
#include "config/load_internal.hpp"

namespace aisbf {

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

// Endpoints: the presets' (config/presets.cpp, checked against
// providers/openai/openai_presets.cpp) and, for the native types, those of
// api/provider_presets_json.cpp's templates. Variable names as each
// service's SDK or docs read them.
constexpr EnvProvider kEnvProviders[] = {
    {"openai", "OpenAI", "openai", "", "https://api.openai.com/v1", {"OPENAI_API_KEY", ""}, "OPENAI_BASE_URL"},
    {"anthropic",
     "Anthropic",
     "anthropic",
     "",
     "https://api.anthropic.com/v1",
     {"ANTHROPIC_API_KEY", ""},
     "ANTHROPIC_BASE_URL"},
    {"gemini",
     "Google Gemini",
     "google",
     "",
     "https://generativelanguage.googleapis.com/v1beta",
     {"GEMINI_API_KEY", "GOOGLE_API_KEY"},
     "GEMINI_BASE_URL"},
    {"openrouter", "OpenRouter", "openai", "openrouter", "", {"OPENROUTER_API_KEY", ""}, "OPENROUTER_BASE_URL"},
    {"groq", "Groq", "openai", "groq", "", {"GROQ_API_KEY", ""}, "GROQ_BASE_URL"},
    {"mistral", "Mistral", "openai", "mistral", "", {"MISTRAL_API_KEY", ""}, "MISTRAL_BASE_URL"},
    {"deepseek", "DeepSeek", "openai", "deepseek", "", {"DEEPSEEK_API_KEY", ""}, "DEEPSEEK_BASE_URL"},
    {"together", "Together AI", "openai", "together", "", {"TOGETHER_API_KEY", ""}, "TOGETHER_BASE_URL"},
    {"xai", "xAI", "openai", "xai", "", {"XAI_API_KEY", ""}, "XAI_BASE_URL"},
    {"fireworks", "Fireworks AI", "openai", "fireworks", "", {"FIREWORKS_API_KEY", ""}, "FIREWORKS_BASE_URL"},
    {"perplexity",
     "Perplexity",
     "openai",
     "perplexity",
     "",
     {"PERPLEXITY_API_KEY", "PPLX_API_KEY"},
     "PERPLEXITY_BASE_URL"},
    {"cerebras", "Cerebras", "openai", "cerebras", "", {"CEREBRAS_API_KEY", ""}, "CEREBRAS_BASE_URL"},
};

std::string_view endpoint_of(const EnvProvider& p) {
  if (!p.endpoint.empty() || p.preset.empty()) return p.endpoint;
  const auto* facts = config_detail::find_preset_facts(p.preset);
  return facts != nullptr ? facts->endpoint : std::string_view{};
}

// The first of the provider's variables that holds a usable key.
std::optional<std::string_view> key_var(const EnvProvider& p, const EnvLookup& env) {
  for (auto var : p.key_vars) {
    if (var.empty()) continue;
    // A value that could not go in a header would only give a load error.
    if (auto value = env(var); value && value->find_first_of("\r\n") == std::string::npos) return var;
  }
  return std::nullopt;
}

json::object provider_entry(const EnvProvider& p, std::string_view var, const EnvLookup& env) {
  std::string endpoint(endpoint_of(p));
  if (auto base = env(p.base_url_var)) endpoint = *base;
  json::object entry{{"id", p.id}, {"name", p.name}, {"endpoint", endpoint}, {"type", p.type}};
  if (!p.preset.empty()) entry["preset"] = p.preset;
  entry["api_key_required"] = true;
  entry["api_key"] = std::string(kEnvKeyPrefix) + std::string(var);
  entry["rate_limit"] = 0;
  entry["models"] = json::array{};  // the provider's own list is fetched in the background
  return entry;
}

}  // namespace

std::span<const EnvProvider> env_providers() { return kEnvProviders; }

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const std::string var(name);
    const char* value = var.empty() ? nullptr : std::getenv(var.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

FirstRunDocs first_run_docs(const EnvLookup& env, const std::optional<std::string>& ollama_url) {
  FirstRunDocs out;
  json::object providers;
  for (const auto& p : kEnvProviders) {
    const auto var = key_var(p, env);
    if (!var) continue;
    providers[p.id] = provider_entry(p, *var, env);
    out.found.push_back({std::string(p.id), std::string(kEnvKeyPrefix) + std::string(*var)});
  }
  if (ollama_url) {
    providers["ollama"] = json::object{{"id", "ollama"},         {"name", "Ollama"},          {"endpoint", *ollama_url},
                                       {"type", "ollama"},       {"api_key_required", false}, {"rate_limit", 0},
                                       {"models", json::array{}}};
    out.found.push_back({"ollama", "Ollama at " + *ollama_url});
  }
  out.providers_json = pretty_json(json::object{{"providers", std::move(providers)}});
  // AISBF's default entry names a fallback rotation no first start has.
  out.autoselect_json = pretty_json(json::object{});
  return out;
}

bool is_first_start(const fs::path& dir) {
  std::error_code ec;
  return !fs::exists(dir / "aisbf.json", ec) && !fs::exists(dir / "providers.json", ec);
}

std::string write_first_run_files(const fs::path& dir, const FirstRunDocs& docs) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    fs::create_directories(dir, ec);
    if (!ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) return "cannot create " + dir.string() + ": " + ec.message();
  }
  for (const auto& [name, text] :
       {std::pair<std::string_view, const std::string&>{"providers.json", docs.providers_json},
        {"autoselect.json", docs.autoselect_json}}) {
    if (fs::exists(dir / name, ec)) continue;  // a file of the user's stays as it is
    if (auto error = write_file_atomically(dir / name, text)) return error->path + ": " + error->message;
  }
  return {};
}

}  // namespace aisbf
