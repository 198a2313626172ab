// The loaded configuration: an immutable snapshot built from AISBF's files
// (aisbf.json, providers.json, rotations.json, autoselect.json). A request
// keeps the snapshot it started with; a reload builds a new one.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace aisbf {

// Upstream timeouts in seconds. Unset fields inherit (model > provider > defaults).
struct TimeoutSettings {
  std::optional<double> connect, first_byte, idle, total;
};
struct Timeouts {
  std::chrono::milliseconds connect{10'000};
  std::chrono::milliseconds first_byte{300'000};
  std::chrono::milliseconds idle{120'000};
  std::chrono::milliseconds total{900'000};
};

struct ModelConfig {
  std::string name;
  std::optional<std::int64_t> context_size;
  std::optional<std::int64_t> max_request_tokens;
  std::optional<double> rate_limit;
  std::optional<std::int64_t> rate_limit_tpm, rate_limit_tph, rate_limit_tpd;
  std::vector<std::string> capabilities;
  TimeoutSettings timeouts;
  std::string deployment;   // `deployment` (Azure OpenAI); empty: the model name
  boost::json::object raw;  // the whole entry as written, for later issues
};

struct ProviderConfig {
  std::string id;
  std::string name;
  std::string endpoint;
  std::string type;
  bool api_key_required = false;
  std::string api_key;
  double rate_limit = 0;
  TimeoutSettings timeouts;
  // OpenAI-compatible presets (providers/openai/openai_presets.hpp).
  std::string preset;       // the preset in effect: `type` when it names one, else `preset`; empty: none
  std::string api_version;  // `api_version` (Azure OpenAI)
  std::string site_url;     // `site_url` (OpenRouter's HTTP-Referer)
  std::string app_name;     // `app_name` (OpenRouter's X-Title)
  std::vector<ModelConfig> models;
  boost::json::object raw;

  const ModelConfig* find_model(std::string_view model_name) const;
};

struct RotationModel {
  std::string name;
  double weight = 1;
  boost::json::object raw;
};
struct RotationProvider {
  std::string provider_id;
  std::optional<double> weight;       // simple format: weight on the provider entry
  std::vector<RotationModel> models;  // empty in the simple format
  boost::json::object raw;
};
struct RotationConfig {
  std::string id;
  std::string model_name;
  bool notifyerrors = false;
  std::vector<RotationProvider> providers;
  boost::json::object raw;
};

struct AutoselectConfig {
  std::string id;
  std::string model_name;
  std::string description;
  std::string fallback;
  std::vector<std::string> available_model_ids;
  boost::json::object raw;
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 17765;
  std::string protocol = "http";
  // Our additions to AISBF's `server` section (documented in docs/config.md).
  std::uint64_t max_body_bytes = 32ull * 1024 * 1024;
  std::uint64_t max_sse_event_bytes = 8ull * 1024 * 1024;
  std::chrono::milliseconds header_timeout{30'000};
  std::chrono::milliseconds idle_timeout{120'000};
  std::chrono::milliseconds shutdown_grace{10'000};
};

struct AuthConfig {
  bool enabled = false;
  std::vector<std::string> tokens;
};

struct Config {
  std::filesystem::path dir;
  ServerConfig server;
  AuthConfig auth;
  bool notifyerrors = false;  // rotations.json top level
  std::vector<ProviderConfig> providers;      // in file order
  std::vector<RotationConfig> rotations;      // in file order
  std::vector<AutoselectConfig> autoselects;  // in file order
  boost::json::object aisbf;  // all of aisbf.json as read (sections later issues use)

  const ProviderConfig* find_provider(std::string_view id) const;
  const RotationConfig* find_rotation(std::string_view id) const;
  const AutoselectConfig* find_autoselect(std::string_view id) const;
};

// The effective timeouts for a provider and (optionally) one of its models.
Timeouts effective_timeouts(const ProviderConfig& provider, const ModelConfig* model);

struct Diagnostic {
  enum class Severity { warning, error };
  Severity severity = Severity::error;
  std::string file;       // e.g. "providers.json"
  std::string json_path;  // e.g. "providers.openai.models[0].context_size"
  std::string message;    // e.g. "expected an integer, got string"
};
std::string format_diagnostic(const Diagnostic& d);

struct LoadOptions {
  // Write AISBF's default files into the directory when they are missing
  // (first start). check-config never writes.
  bool write_missing_defaults = false;
};

struct LoadResult {
  std::shared_ptr<const Config> config;  // null when there were errors
  std::vector<Diagnostic> diagnostics;   // every warning and error found
  bool ok() const { return config != nullptr; }
};

LoadResult load_config(const std::filesystem::path& dir, const LoadOptions& options = {});

// Words that a /api/{id}/… path cannot use as an id.
bool is_reserved_route_word(std::string_view id);

}  // namespace aisbf
