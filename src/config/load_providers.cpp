// providers.json: {"providers": {id: {...}}, "condensation": {...}?}
#include <algorithm>
#include <array>
#include <cstdlib>

#include <fmt/format.h>

#include "config/env_keys.hpp"
#include "config/load_internal.hpp"
#include "config/schema.hpp"

namespace aisbf::config_detail {

namespace {

const Range kNonNegative{0, false, std::nullopt};
const Range kPositive{0, true, std::nullopt};

std::optional<std::int64_t> read_count(const json::object& obj, std::string_view key, const std::string& path,
                                       DiagSink& sink) {
  if (!check_range(obj, key, path, kNonNegative, sink)) return std::nullopt;
  return get_int(obj, key);
}

// Anthropic's longest cache lives an hour, Gemini's as long as asked: a day
// bounds what a typo could keep (and pay for) upstream.
const Range kCacheTtl{0, true, 86'400};
// OpenAI documents no limit; a key is a short label or our 64-hex hash.
constexpr std::size_t kMaxPromptCacheKey = 1024;

// enable_native_caching, min_cacheable_tokens, cache_ttl, prompt_cache_key
// (AISBF's fields) on a provider or a model entry; unset stays unset.
NativeCacheSettings parse_native_cache(const json::object& obj, const std::string& path, DiagSink& sink) {
  NativeCacheSettings out;
  out.enabled = get_bool(obj, "enable_native_caching");
  out.min_tokens = read_count(obj, "min_cacheable_tokens", path, sink);
  if (check_range(obj, "cache_ttl", path, kCacheTtl, sink)) out.ttl_seconds = get_int(obj, "cache_ttl");
  out.prompt_cache_key = get_string(obj, "prompt_cache_key");
  if (out.prompt_cache_key && out.prompt_cache_key->size() > kMaxPromptCacheKey) {
    sink.error(key_path(path, "prompt_cache_key"), fmt::format("longer than {} characters", kMaxPromptCacheKey));
    out.prompt_cache_key.reset();
  } else if (out.prompt_cache_key && out.prompt_cache_key->empty()) {
    out.prompt_cache_key.reset();  // AISBF writes "" for none
  }
  return out;
}

}  // namespace

ModelLimits parse_model_limits(const json::object& obj, std::string_view prefix, const std::string& path,
                               DiagSink& sink) {
  auto key = [&](std::string_view name) { return std::string(prefix) + std::string(name); };
  ModelLimits limits;
  if (check_range(obj, key("rate_limit"), path, kNonNegative, sink)) limits.rate_limit = get_number(obj, key("rate_limit"));
  limits.max_request_tokens = read_count(obj, key("max_request_tokens"), path, sink);
  limits.context_size = read_count(obj, key("context_size"), path, sink);
  limits.rate_limit_tpm = read_count(obj, key("rate_limit_TPM"), path, sink);
  limits.rate_limit_tph = read_count(obj, key("rate_limit_TPH"), path, sink);
  limits.rate_limit_tpd = read_count(obj, key("rate_limit_TPD"), path, sink);
  if (check_range(obj, key("error_cooldown"), path, kNonNegative, sink)) {
    limits.error_cooldown = get_number(obj, key("error_cooldown"));
  }
  parse_condense_settings(obj, prefix, path, sink, limits);
  return limits;
}

namespace {

std::optional<ModelConfig> parse_model(const json::value& value, const std::string& path, DiagSink& sink) {
  if (!check_value(value, kObject, path, sink)) return std::nullopt;
  const json::object& obj = value.get_object();
  check_fields(obj, path, model_schema(), sink);
  ModelConfig model;
  model.name = required_string(obj, "name", path, sink);
  model.limits = parse_model_limits(obj, "", path, sink);
  model.capabilities = get_strings(obj, "capabilities");
  model.timeouts = parse_timeouts(obj, path, sink);
  model.deployment = get_string(obj, "deployment").value_or("");
  model.native_cache = parse_native_cache(obj, path, sink);
  // The model name (or the Azure deployment) enters the upstream URL or body.
  check_no_control(model.name, key_path(path, "name"), kInUrl, sink);
  check_no_control(model.deployment, key_path(path, "deployment"), kInUrl, sink);
  model.raw = obj;
  return model;
}

void parse_models(const json::object& obj, const std::string& path, DiagSink& sink, ProviderConfig& provider) {
  const json::array* models = get_array(obj, "models");
  if (models == nullptr) return;
  const std::string models_path = key_path(path, "models");
  for (std::size_t i = 0; i < models->size(); ++i) {
    const std::string model_path = index_path(models_path, i);
    std::optional<ModelConfig> model = parse_model((*models)[i], model_path, sink);
    if (!model) continue;
    if (!model->name.empty() && provider.find_model(model->name) != nullptr) {
      sink.warning(key_path(model_path, "name"),
                   fmt::format("duplicate model name {}; the first entry is used", json_quoted(model->name)));
    }
    provider.models.push_back(std::move(*model));
  }
}

// An OpenAI-compatible preset (presets.cpp) named by
// `type` ("groq") or by `type: openai` with `preset`; `provider.preset` is
// the one in effect. The keys that only presets read are kept as read.
void resolve_preset(const json::object& obj, const std::string& path, DiagSink& sink, ProviderConfig& provider) {
  provider.api_version = get_string(obj, "api_version").value_or("");
  provider.site_url = get_string(obj, "site_url").value_or("");
  provider.app_name = get_string(obj, "app_name").value_or("");
  check_no_control(provider.api_version, key_path(path, "api_version"), kInUrl, sink);
  check_no_control(provider.site_url, key_path(path, "site_url"), kInHeader, sink);
  check_no_control(provider.app_name, key_path(path, "app_name"), kInHeader, sink);
  const std::string preset = get_string(obj, "preset").value_or("");
  const std::string preset_path = key_path(path, "preset");
  if (provider.type != "openai" && find_preset_facts(provider.type) != nullptr) {
    provider.preset = provider.type;
    if (!preset.empty() && preset != provider.type) {
      sink.error(preset_path, fmt::format("{} contradicts the type {}; give either the preset's type alone or "
                                          "\"type\": \"openai\" with a preset",
                                          json_quoted(preset), json_quoted(provider.type)));
    }
    return;
  }
  if (preset.empty()) return;
  if (provider.type != "openai") {
    sink.warning(preset_path, fmt::format("ignored: presets apply to the \"openai\" type, not {}", json_quoted(provider.type)));
  } else if (find_preset_facts(preset) == nullptr) {
    sink.error(preset_path, fmt::format("unknown preset {}; known presets: {}", json_quoted(preset),
                                        preset_names()));
  } else {
    provider.preset = preset;
  }
}

// `api`: which OpenAI wire the provider speaks. "responses" is for `openai`
// (without a preset: the presets' services speak chat completions) and is
// what `codex` always speaks.
void read_api(const json::object& obj, const std::string& path, DiagSink& sink, ProviderConfig& provider) {
  const bool codex = provider.type == "codex";
  provider.api = codex ? "responses" : "chat";
  const std::optional<std::string> api = get_string(obj, "api");
  if (!api) return;
  const std::string api_path = key_path(path, "api");
  if (*api != "chat" && *api != "responses") {
    sink.error(api_path, fmt::format("unknown value {}; expected \"chat\" (chat completions, the default) or "
                                     "\"responses\" (the Responses API)",
                                     json_quoted(*api)));
  } else if (codex && *api != "responses") {
    sink.error(api_path, "the codex type speaks only the Responses API; remove \"api\" or set it to \"responses\"");
  } else if (*api == "responses" && !codex && (provider.type != "openai" || !provider.preset.empty())) {
    sink.error(api_path, fmt::format("\"responses\" applies to the \"openai\" type without a preset, not {}",
                                     json_quoted(provider.preset.empty() ? provider.type : provider.preset)));
  } else {
    provider.api = *api;
  }
}

// The ChatGPT backend, as AISBF's own codex provider names it.
constexpr std::string_view kCodexEndpoint = "https://chatgpt.com/backend-api";

void check_endpoint(const json::object& obj, const std::string& path, DiagSink& sink, ProviderConfig& provider) {
  const json::value* endpoint = obj.if_contains("endpoint");
  if (endpoint != nullptr && !endpoint->is_string()) return;  // type error already recorded
  provider.endpoint = get_string(obj, "endpoint").value_or("");
  const std::string endpoint_path = key_path(path, "endpoint");
  if (!provider.endpoint.empty()) {
    check_no_control(provider.endpoint, endpoint_path, kInUrl, sink);
    return;
  }
  const PresetFacts* preset = find_preset_facts(provider.preset);
  if (preset != nullptr && !preset->endpoint.empty()) return;  // the preset's endpoint is used
  if (preset != nullptr) {
    sink.error(endpoint_path, fmt::format("missing or empty; the preset {} has no default endpoint", json_quoted(preset->name)));
  } else if (provider.type == "codex") {
    provider.endpoint = std::string(kCodexEndpoint);
    sink.warning(endpoint_path, fmt::format("missing or empty; the codex type uses {}", json_quoted(kCodexEndpoint)));
  } else if (is_oauth_provider_type(provider.type)) {
    sink.warning(endpoint_path,
                 fmt::format("missing or empty; allowed for the OAuth-based type \"{}\", which will use its "
                             "built-in endpoint",
                             provider.type));
  } else if (endpoint == nullptr) {
    sink.error(endpoint_path, "missing required field");
  } else {
    sink.error(endpoint_path, "must not be empty");
  }
}

void read_identity(const std::string& id, const json::object& obj, const std::string& path, DiagSink& sink,
                   ProviderConfig& provider) {
  provider.id = id;
  if (auto inner = get_string(obj, "id"); inner && *inner != id) {
    sink.warning(key_path(path, "id"), fmt::format("{} differs from its key {}; the key is used", json_quoted(*inner), json_quoted(id)));
  }
  provider.name = get_string(obj, "name").value_or("");
  if (provider.name.empty()) provider.name = id;
  provider.type = required_string(obj, "type", path, sink);
}

// "env:NAME" → the variable's value, for the providers the load may resolve
// (the operator's files, not a user's documents). No message quotes a value.
std::string resolve_api_key(std::string key, const std::string& id, const std::string& path, const LoadContext& ctx,
                            DiagSink& sink) {
  const auto name = env_key_reference(key);
  if (!name) return key;
  if (ctx.env_keys_for != nullptr && !(*ctx.env_keys_for)(id)) {
    sink.warning(key_path(path, "api_key"),
                 "\"env:…\" references are read only in the operator's providers.json; no key is sent");
    return {};
  }
  const std::string var(*name);
  if (!env_key_name_allowed(var)) {
    sink.warning(key_path(path, "api_key"),
                 fmt::format("only variables named …_KEY or …_TOKEN are read, not {}; no key is sent", var));
    return {};
  }
  const char* value = std::getenv(var.c_str());
  if (value == nullptr || *value == '\0') {
    sink.warning(key_path(path, "api_key"), fmt::format("the environment variable {} is not set; no key is sent", var));
    return {};
  }
  return value;
}

ProviderConfig parse_provider(const std::string& id, const json::value& value, const std::string& path,
                              const LoadContext& ctx, DiagSink& sink) {
  check_id(IdKind::provider, id, path, ctx, sink);
  ProviderConfig provider;
  provider.id = id;
  if (!check_value(value, kObject, path, sink)) return provider;
  const json::object& obj = value.get_object();
  check_fields(obj, path, provider_schema(), sink);
  read_identity(id, obj, path, sink, provider);
  resolve_preset(obj, path, sink, provider);
  read_api(obj, path, sink, provider);
  check_endpoint(obj, path, sink, provider);
  const PresetFacts* preset = find_preset_facts(provider.preset);
  provider.api_key_required = get_bool(obj, "api_key_required").value_or(preset != nullptr && preset->key_required);
  provider.api_key = resolve_api_key(get_string(obj, "api_key").value_or(""), id, path, ctx, sink);
  check_no_control(provider.api_key, key_path(path, "api_key"), kInHeader, sink);
  if (preset != nullptr && provider.api_key_required && provider.api_key.empty()) {
    sink.warning(key_path(path, "api_key"), fmt::format("missing; the preset {} needs a key", json_quoted(preset->name)));
  }
  if (check_range(obj, "rate_limit", path, kNonNegative, sink)) {
    provider.rate_limit = get_number(obj, "rate_limit").value_or(0);
  }
  provider.defaults = parse_model_limits(obj, "default_", path, sink);
  provider.timeouts = parse_timeouts(obj, path, sink);
  provider.native_cache = parse_native_cache(obj, path, sink);
  parse_models(obj, path, sink, provider);
  provider.raw = obj;
  return provider;
}

}  // namespace

bool is_oauth_provider_type(std::string_view type) {
  constexpr std::array<std::string_view, 5> kOauthTypes = {"codex", "kiro", "claude", "kilo", "qwen"};
  return std::find(kOauthTypes.begin(), kOauthTypes.end(), type) != kOauthTypes.end();
}

TimeoutSettings parse_timeouts(const json::object& parent, const std::string& parent_path, DiagSink& sink) {
  TimeoutSettings out;
  const json::object* obj = get_object(parent, "timeouts");
  if (obj == nullptr) return out;
  const std::string path = key_path(parent_path, "timeouts");
  check_fields(*obj, path, timeouts_schema(), sink);
  auto read = [&](std::string_view key, std::optional<double>& field) {
    if (check_range(*obj, key, path, kPositive, sink)) field = get_number(*obj, key);
  };
  read("connect", out.connect);
  read("first_byte", out.first_byte);
  read("idle", out.idle);
  read("total", out.total);
  return out;
}

bool load_providers(const json::value& root, const LoadContext& ctx, DiagSink& sink, Config& config) {
  const json::object* obj = root.if_object();
  if (obj == nullptr) {
    sink.error("", fmt::format("expected an object, got {}", kind_name(root)));
    return false;
  }
  check_fields(*obj, "", providers_file_schema(), sink);
  load_condensation(*obj, sink, config);
  if (!require(*obj, "providers", "", sink)) return false;
  const json::object* providers = get_object(*obj, "providers");
  if (providers == nullptr) return false;  // type error already recorded
  for (const auto& kv : *providers) {
    std::string id(kv.key());
    config.providers.push_back(parse_provider(id, kv.value(), key_path("providers", id), ctx, sink));
    // After aisbf.json (the loaders run in file order): "tor" names its SOCKS port.
    if (const json::object* entry = kv.value().if_object()) {
      read_provider_proxy(*entry, key_path("providers", id), config.tor, sink, config.providers.back().proxy);
    }
  }
  return true;
}

}  // namespace aisbf::config_detail
