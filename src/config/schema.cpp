#include "config/schema.hpp"

namespace aisbf::config_detail {

namespace {

constexpr unsigned kOptString = kString | kNull;
constexpr unsigned kOptInt = kInteger | kNull;
constexpr unsigned kOptNumber = kNumber | kNull;
constexpr unsigned kOptBool = kBool | kNull;
constexpr unsigned kOptObject = kObject | kNull;
constexpr unsigned kOptStrings = kStringArray | kNull;
constexpr unsigned kMethod = kString | kStringArray | kNull;  // condense_method

// ---- aisbf.json ----
constexpr FieldSpec kAisbfFields[] = {
    {"server", kOptObject},          {"auth", kOptObject},
    {"database", kOptObject},        {"classify_nsfw", kBool},
    {"classify_privacy", kBool},     {"classify_semantic", kBool},
    {"mcp", kOptObject},             {"dashboard", kOptObject},
    {"internal_model", kOptObject},  {"cache", kOptObject},
    {"response_cache", kOptObject},  {"feature_controls", kOptObject},
    {"tor", kOptObject},             {"batching", kOptObject},
    {"adaptive_rate_limiting", kOptObject}, {"client_rate_limiting", kOptObject},
    {"autoselect", kOptObject},      {"classify_window", kInteger},  // our additions
    {"signup", kOptObject},          {"routing", kOptObject},          {"smtp", kOptObject},
    {"oauth2", kOptObject},          {"billing", kOptObject},
    {"responses", kOptObject},      {"media", kOptObject},
    {"currency", kOptObject},        {"payment_gateways", kOptObject},
};
constexpr FieldSpec kServerFields[] = {
    {"host", kString},           {"port", kInteger},
    {"protocol", kString},       {"ssl_certfile", kOptString},
    {"ssl_keyfile", kOptString}, {"max_body_bytes", kInteger},
    {"max_sse_event_bytes", kInteger}, {"max_upload_bytes", kInteger}, {"header_timeout", kNumber},
    {"idle_timeout", kNumber},   {"shutdown_grace", kNumber},
    {"allowed_hosts", kStringArray}, {"max_connections", kInteger},
    {"max_inflight_requests", kInteger}, {"max_upstream_body_bytes", kInteger},
    {"max_sse_preamble_bytes", kInteger}, {"max_unauthenticated_body_bytes", kInteger},
    {"request_timeout", kNumber}, {"cors_origins", kStringArray},
    {"trusted_proxies", kStringArray}, {"http_port", kOptInt},
    {"ssl_reload_interval", kNumber}, {"domain", kOptString},
    {"acme_email", kOptString},  {"acme_directory", kString},
    {"acme_ca_file", kOptString},
    {"trusted_proxies", kStringArray}, {"metrics", kBool},
    {"metrics_token", kOptString}, {"metrics_allow", kStringArray},
    {"access_log", kString | kBool | kNull}, {"log_format", kString},
};
constexpr FieldSpec kAuthFields[] = {{"enabled", kBool}, {"tokens", kStringArray}};
// AISBF's mcp fields plus ours (session_idle_timeout, max_sessions).
constexpr FieldSpec kMcpFields[] = {
    {"enabled", kBool},           {"autoselect_tokens", kStringArray}, {"fullconfig_tokens", kStringArray},
    {"session_idle_timeout", kNumber}, {"max_sessions", kInteger},
};
// AISBF's dashboard section: its switch and the first admin's name and
// sha256 password (auth/bootstrap.cpp reads those two).
constexpr FieldSpec kDashboardFields[] = {{"enabled", kBool}, {"username", kString}, {"password", kOptString}};
constexpr FieldSpec kAdaptiveFields[] = {
    {"enabled", kBool},           {"initial_rate_limit", kNumber}, {"learning_rate", kNumber},
    {"headroom_percent", kNumber}, {"recovery_rate", kNumber},     {"max_rate_limit", kNumber},
    {"min_rate_limit", kNumber},  {"backoff_base", kNumber},       {"jitter_factor", kNumber},
    {"history_window", kNumber},  {"consecutive_successes_for_recovery", kInteger},
};
// Our addition: failover and health (docs/config.md).
constexpr FieldSpec kRoutingFields[] = {
    {"max_attempts", kInteger},        {"max_attempts_per_model", kInteger}, {"failure_threshold", kInteger},
    {"default_error_cooldown", kNumber}, {"max_rate_limit_wait", kNumber},   {"seed", kInteger},
    {"max_tracked_keys", kInteger},
};

// AISBF's database fields plus ours (postgres_*, usage_*, record_usage, accounts_refresh_seconds);
// store/database_settings.cpp reads them.
constexpr FieldSpec kDatabaseFields[] = {
    {"type", kString},           {"sqlite_path", kOptString},       {"mysql_host", kOptString},
    {"mysql_port", kInteger},    {"mysql_user", kOptString},        {"mysql_password", kOptString},
    {"mysql_database", kOptString}, {"postgres_url", kOptString},   {"postgres_host", kOptString},
    {"postgres_port", kInteger}, {"postgres_user", kOptString},     {"postgres_password", kOptString},
    {"postgres_database", kOptString}, {"usage_retention_days", kInteger}, {"usage_queue_size", kInteger},
    {"record_usage", kBool},     {"accounts_refresh_seconds", kInteger},
    {"statement_timeout_seconds", kInteger},
};

// AISBF's `response_cache` plus ours (max_memory_bytes, cache_nondeterministic,
// file_dir); load_response_cache.cpp reads them.
constexpr FieldSpec kResponseCacheFields[] = {
    {"enabled", kBool},             {"backend", kString},          {"ttl", kNumber},
    {"max_size", kInteger},         {"max_memory_cache", kInteger}, {"max_memory_bytes", kInteger},
    {"cache_nondeterministic", kBool}, {"redis_host", kOptString},  {"redis_port", kInteger},
    {"redis_db", kInteger},         {"redis_password", kOptString}, {"redis_key_prefix", kOptString},
    {"sqlite_path", kOptString},    {"mysql_host", kOptString},     {"mysql_port", kInteger},
    {"mysql_user", kOptString},     {"mysql_password", kOptString}, {"mysql_database", kOptString},
    {"file_dir", kOptString},
};

// Our `media` section: the content proxy (config/load_media.cpp).
constexpr FieldSpec kMediaFields[] = {
    {"proxy_urls", kBool}, {"proxy_ttl", kNumber}, {"proxy_max_bytes", kInteger}, {"proxy_max_entries", kInteger},
};

// AISBF's `tor` section (config/load_tor.cpp).
constexpr FieldSpec kTorFields[] = {
    {"enabled", kBool},
    {"control_host", kString},
    {"control_port", kInteger},
    {"control_password", kOptString},
    {"hidden_service_dir", kOptString},
    {"hidden_service_port", kInteger},
    {"socks_host", kString},
    {"socks_port", kInteger},
};

// Our addition: aisbf.json `autoselect`, what every autoselect inherits.
constexpr FieldSpec kAutoselectDefaultsFields[] = {
    {"selection_timeout", kNumber}, {"cache_ttl", kNumber},       {"cache_max_entries", kInteger},
    {"history_messages", kInteger}, {"history_tokens", kInteger},  {"nsfw_words", kArray},
};

// ---- shared between providers, rotations and autoselects ----
// Defaults a provider, rotation or autoselect gives its models.
constexpr FieldSpec kModelDefaultFields[] = {
    {"default_rate_limit", kOptNumber},      {"default_max_request_tokens", kOptInt},
    {"default_rate_limit_TPM", kOptInt},     {"default_rate_limit_TPH", kOptInt},
    {"default_rate_limit_TPD", kOptInt},     {"default_context_size", kOptInt},
    {"default_condense_context", kOptInt},   {"default_condense_method", kMethod},
    {"default_error_cooldown", kOptInt},
};
// OpenRouter-style descriptive fields and classification flags.
constexpr FieldSpec kDescriptiveFields[] = {
    {"description", kOptString},         {"context_length", kOptInt},
    {"architecture", kOptObject},        {"pricing", kOptObject},
    {"supported_parameters", kOptStrings}, {"default_parameters", kOptObject},
    {"capabilities", kOptStrings},       {"nsfw", kBool},
    {"privacy", kBool},                  {"enable_response_cache", kOptBool},
};

// ---- providers.json ----
constexpr FieldSpec kProvidersFileFields[] = {{"providers", kObject}, {"condensation", kOptObject}};
// Our addition: aisbf.json feature_controls.request_splitting.
constexpr FieldSpec kRequestSplittingFields[] = {{"overlap_tokens", kInteger}, {"max_chunks", kInteger}};
// Our addition: aisbf.json responses (stored OpenAI Responses, issue 14).
constexpr FieldSpec kResponsesStoreFields[] = {{"store_ttl_seconds", kInteger}, {"max_stored", kInteger}};
constexpr FieldSpec kCondensationFields[] = {
    {"provider_id", kOptString}, {"model", kOptString},  {"rotation_id", kOptString},
    {"enabled", kBool},          {"max_context", kOptInt},
};
constexpr FieldSpec kProviderFields[] = {
    {"id", kString},
    {"name", kString},
    {"endpoint", kString},
    {"type", kString},
    {"api_key_required", kBool},
    {"api_key", kOptString},
    {"rate_limit", kNumber},
    {"models", kArray | kNull},
    {"timeouts", kOptObject},
    {"nsfw", kBool},
    {"privacy", kBool},
    {"enable_native_caching", kBool},
    {"cache_ttl", kOptInt},
    {"min_cacheable_tokens", kOptInt},
    {"prompt_cache_key", kOptString},
    {"enable_response_cache", kOptBool},
    {"is_subscription", kBool},
    {"free_tier_limit", kOptNumber},
    {"free_tier_period", kOptString},
    {"free_tier_limit_type", kOptString},
    {"free_tier_description", kOptString},
    {"premium_reference_monthly_cost", kOptNumber},
    // OpenAI-compatible presets (our addition, docs/config.md).
    {"preset", kOptString},
    {"api_version", kOptString},
    {"site_url", kOptString},
    {"app_name", kOptString},
    // The OpenAI wire a provider speaks: "chat" (default) or "responses" (docs/config.md).
    {"api", kOptString},
    // AISBF's: "tor" or "socks5://host:port" (config/load_tor.cpp).
    {"proxy", kOptString},
};
constexpr FieldSpec kModelFields[] = {
    {"name", kString},
    {"rate_limit", kOptNumber},
    {"max_request_tokens", kOptInt},
    {"rate_limit_TPM", kOptInt},
    {"rate_limit_TPH", kOptInt},
    {"rate_limit_TPD", kOptInt},
    {"context_size", kOptInt},
    {"condense_context", kOptInt},
    {"condense_method", kMethod},
    {"error_cooldown", kOptInt},
    {"top_provider", kOptObject},
    {"timeouts", kOptObject},
    {"deployment", kOptString},  // Azure OpenAI deployment name (our addition)
    // Provider-native prompt caching: a model's win over its provider's.
    {"enable_native_caching", kOptBool},
    {"cache_ttl", kOptInt},
    {"min_cacheable_tokens", kOptInt},
    {"prompt_cache_key", kOptString},
};
constexpr FieldSpec kWeightField[] = {{"weight", kNumber}};
constexpr FieldSpec kTimeoutFields[] = {
    {"connect", kNumber}, {"first_byte", kNumber}, {"idle", kNumber}, {"total", kNumber}};

// Provider-specific sub-objects: kiro_config, kilo_config, claude_config,
// codex_config, qwen_config, coderai_config, auth_config, and any later
// `<type>_config` AISBF adds.
unsigned provider_key_rule(std::string_view key) {
  constexpr std::string_view suffix = "_config";
  bool is_sub_config = key.size() > suffix.size() && key.substr(key.size() - suffix.size()) == suffix;
  return is_sub_config ? kOptObject : 0u;
}

// ---- rotations.json ----
constexpr FieldSpec kRotationsFileFields[] = {{"notifyerrors", kBool}, {"rotations", kObject}};
constexpr FieldSpec kRotationFields[] = {
    {"model_name", kString}, {"providers", kArray}, {"notifyerrors", kBool}, {"max_attempts", kOptInt}};
constexpr FieldSpec kRotationProviderFields[] = {
    {"provider_id", kString}, {"weight", kOptNumber}, {"models", kArray | kNull}, {"api_key", kOptString}};

// ---- autoselect.json ----
constexpr FieldSpec kAutoselectFields[] = {
    {"model_name", kString},      {"selection_model", kString},  {"fallback", kString},
    {"available_models", kArray}, {"classify_nsfw", kBool},      {"classify_privacy", kBool},
    {"classify_semantic", kBool},
    // Our additions (docs/config.md).
    {"classify_window", kOptInt}, {"classify_nsfw_model", kOptString}, {"selection_timeout", kOptNumber},
    {"cache_ttl", kOptNumber},    {"semantic", kOptObject},
};
// Our addition: an autoselect's `semantic`.
constexpr FieldSpec kSemanticSelectionFields[] = {
    {"embeddings_model", kOptString}, {"weight", kNumber}, {"margin", kNumber}, {"selection_model", kOptString}};
constexpr FieldSpec kAutoselectModelFields[] = {
    {"model_id", kString}, {"description", kString}, {"nsfw", kBool}, {"privacy", kBool}};

}  // namespace

const Schema& aisbf_schema() {
  static const Schema schema{{kAisbfFields}};
  return schema;
}
const Schema& server_schema() {
  static const Schema schema{{kServerFields}};
  return schema;
}
const Schema& auth_schema() {
  static const Schema schema{{kAuthFields}};
  return schema;
}
const Schema& mcp_schema() {
  static const Schema schema{{kMcpFields}};
  return schema;
}
const Schema& dashboard_schema() {
  static const Schema schema{{kDashboardFields}};
  return schema;
}
const Schema& adaptive_schema() {
  static const Schema schema{{kAdaptiveFields}};
  return schema;
}
const Schema& routing_schema() {
  static const Schema schema{{kRoutingFields}};
  return schema;
}
const Schema& database_schema() {
  static const Schema schema{{kDatabaseFields}};
  return schema;
}
const Schema& providers_file_schema() {
  static const Schema schema{{kProvidersFileFields}};
  return schema;
}
const Schema& media_schema() {
  static const Schema schema{{kMediaFields}};
  return schema;
}
const Schema& tor_schema() {
  static const Schema schema{{kTorFields}};
  return schema;
}
const Schema& response_cache_schema() {
  static const Schema schema{{kResponseCacheFields}};
  return schema;
}
const Schema& request_splitting_schema() {
  static const Schema schema{{kRequestSplittingFields}};
  return schema;
}
const Schema& responses_store_schema() {
  static const Schema schema{{kResponsesStoreFields}};
  return schema;
}
const Schema& condensation_schema() {
  static const Schema schema{{kCondensationFields}};
  return schema;
}
const Schema& provider_schema() {
  static const Schema schema{{kProviderFields, kModelDefaultFields}, provider_key_rule};
  return schema;
}
const Schema& model_schema() {
  static const Schema schema{{kModelFields, kDescriptiveFields}};
  return schema;
}
const Schema& timeouts_schema() {
  static const Schema schema{{kTimeoutFields}};
  return schema;
}
const Schema& rotations_file_schema() {
  static const Schema schema{{kRotationsFileFields}};
  return schema;
}
const Schema& rotation_schema() {
  static const Schema schema{{kRotationFields, kDescriptiveFields, kModelDefaultFields}};
  return schema;
}
const Schema& rotation_provider_schema() {
  static const Schema schema{{kRotationProviderFields}};
  return schema;
}
const Schema& rotation_model_schema() {
  static const Schema schema{{kModelFields, kDescriptiveFields, kWeightField}};
  return schema;
}
const Schema& autoselect_schema() {
  static const Schema schema{{kAutoselectFields, kDescriptiveFields, kModelDefaultFields}};
  return schema;
}
const Schema& autoselect_defaults_schema() {
  static const Schema schema{{kAutoselectDefaultsFields}};
  return schema;
}
const Schema& semantic_selection_schema() {
  static const Schema schema{{kSemanticSelectionFields}};
  return schema;
}
const Schema& autoselect_model_schema() {
  static const Schema schema{{kAutoselectModelFields}};
  return schema;
}

}  // namespace aisbf::config_detail
