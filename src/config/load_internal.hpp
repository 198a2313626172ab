// Internal interface between the loader's files. Internal to src/config/.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/condensation.hpp"
#include "config/config.hpp"
#include "config/json_reader.hpp"

namespace aisbf::config_detail {

// Everything a load found, with the Config even when there were errors
// (check-config counts the entries of a broken directory).
struct LoadOutcome {
  Config config;
  std::vector<Diagnostic> diagnostics;

  std::size_t error_count() const;
  std::size_t warning_count() const;
};

// One document as the loaders see it: the label its diagnostics carry
// ("providers.json", or "providers.json (built-in default)") and its value
// (none: unreadable or invalid JSON, already reported).
struct Document {
  std::string label;
  std::optional<json::value> root;
};
// Yields document `index` of kConfigFiles, recording what went wrong in
// `out`. Called once per document, in order, so diagnostics stay in order.
using DocumentSource = std::function<Document(std::size_t index, std::vector<Diagnostic>& out)>;

// The loaders over four documents: files (load_all) and values (load_values)
// both come through here.
LoadOutcome load_documents(const std::filesystem::path& dir, const DocumentSource& source,
                           const LoadOptions& options);
LoadOutcome load_all(const std::filesystem::path& dir, const LoadOptions& options);
LoadOutcome load_values(const ConfigValues& values, const LoadOptions& options);

// What a loader needs besides its document.
struct LoadContext {
  std::span<const std::string_view> reserved_words;  // ids that would shadow a route
  const std::function<bool(std::string_view)>* env_keys_for = nullptr;  // LoadOptions'; null: every provider
};

// One loader per file. `root` is the parsed file; they fill `config`.
// An entry that is not an object is kept as a stub holding only its id
// (an error is recorded, so the Config is never handed out), so that
// counts and cross-references stay right. They return false when the
// file's structure is broken (cross-references into it would be noise).
bool load_aisbf(const json::value& root, const LoadContext& ctx, DiagSink& sink, Config& config);
bool load_providers(const json::value& root, const LoadContext& ctx, DiagSink& sink, Config& config);
// aisbf.json `tor`, and a provider's `proxy` ("tor" takes tor's SOCKS port).
void load_tor(const json::object& tor, DiagSink& sink, TorConfig& out);
// aisbf.json `media` (load_media.cpp).
void load_media(const json::object& media, DiagSink& sink, MediaConfig& out);
void read_provider_proxy(const json::object& provider, const std::string& path, const TorConfig& tor, DiagSink& sink,
                         std::optional<SocksProxy>& out);
bool load_rotations(const json::value& root, const LoadContext& ctx, DiagSink& sink, Config& config);
bool load_autoselects(const json::value& root, const LoadContext& ctx, DiagSink& sink, Config& config);
// aisbf.json's `classify_*` switches, `classify_window` and `autoselect`
// section (load_autoselect.cpp): what every autoselect inherits.
void load_autoselect_defaults(const json::object& aisbf_root, DiagSink& sink, AutoselectDefaults& out);

// The sinks of the three files that hold ids, for the cross-checks.
struct IdFileSinks {
  DiagSink* providers;
  DiagSink* rotations;
  DiagSink* autoselect;
};
// References between files and ids shared across kinds.
void cross_check(const Config& config, const IdFileSinks& sinks);

enum class IdKind { provider, rotation, autoselect };
// Validates an id (empty, '/', whitespace, reserved route words); records
// at `path`. Returns false on an error.
bool check_id(IdKind kind, std::string_view id, const std::string& path, const LoadContext& ctx, DiagSink& sink);

// Values that end up in an upstream request line or header (keys,
// endpoints, model names, …) must hold no control character (< 0x20, 0x7f):
// one would break or inject a header line. Records an error at `path` naming
// the byte and where it is, never the value (it may be a key). `carried`
// ends the message: "it is sent in an upstream header".
bool check_no_control(std::string_view value, const std::string& path, std::string_view carried, DiagSink& sink);
inline constexpr std::string_view kInHeader = "it is sent in an upstream header";
inline constexpr std::string_view kInUrl = "it becomes part of an upstream URL";

// Warnings for keys that travel in clear: a provider (or a rotation entry's
// own key) sent over http:// to a host other than loopback.
void warn_plain_http_keys(const Config& config, DiagSink& providers_sink);
void warn_plain_http_rotation_keys(const Config& config, DiagSink& rotations_sink);
// Whether `url` is http:// to a host that is not loopback (localhost,
// *.localhost, 127.0.0.0/8, ::1); `host` receives the host as written.
bool is_plain_http_off_loopback(std::string_view url, std::string* host = nullptr);

// Whether the file `name` (one of kConfigFiles) holds a secret in `config`:
// provider or rotation keys, gateway auth tokens.
bool file_holds_secrets(const Config& config, std::string_view name);

// What config/ needs of an OpenAI-compatible preset. A copy of three fields
// of providers/openai/openai_presets.hpp's table, so that config/ does not
// depend on providers/; config_presets_test.cpp checks that they agree.
struct PresetFacts {
  std::string_view name;
  std::string_view endpoint;  // default base URL; empty: none (the user's own resource)
  bool key_required = true;
};
const PresetFacts* find_preset_facts(std::string_view name);  // null for "" or unknown
std::span<const PresetFacts> preset_facts();
std::string preset_names();  // "openai, openrouter, …" for messages

// Reads a `timeouts` object of `parent` (absent: all unset).
TimeoutSettings parse_timeouts(const json::object& parent, const std::string& parent_path, DiagSink& sink);

// The limits of a model entry (`prefix` "") or the `default_*` of a provider,
// rotation or autoselect (`prefix` "default_"), range-checked.
ModelLimits parse_model_limits(const json::object& obj, std::string_view prefix, const std::string& path,
                               DiagSink& sink);

// Condensation (load_condensation.cpp). `condense_context` (0..100) and
// `condense_method` (a name or a list of context::kCondenseMethodNames) of a
// model entry, or with `prefix` "default_" of a provider, rotation or autoselect.
void parse_condense_settings(const json::object& obj, std::string_view prefix, const std::string& path,
                             DiagSink& sink, ModelLimits& limits);
// providers.json `condensation` into config.condensation, as written.
void load_condensation(const json::object& providers_root, DiagSink& sink, Config& config);
// Checks aisbf.json `feature_controls.context_condensation.mode` (its value
// is read from Config::aisbf by condensation_mode()).
void check_condensation_mode(const json::object& aisbf_root, DiagSink& sink);
// aisbf.json `feature_controls.request_splitting` (load_request_splitting.cpp).
void load_request_splitting(const json::object& aisbf_root, DiagSink& sink, RequestSplittingConfig& out);
// aisbf.json `responses` (load_responses_store.cpp; read by responses_store_config()).
void check_responses_store(const json::object& aisbf_root, DiagSink& sink);
// aisbf.json `response_cache` (load_response_cache.cpp).
void load_response_cache(const json::object& aisbf_root, DiagSink& sink, ResponseCacheConfig& out);
// Once every file is loaded: sets config.response_cache.used.
void note_response_cache_use(Config& config);
// The mode `aisbf_root` sets; nullopt for a value that is not one
// (`raw` receives the value as written, null when absent).
std::optional<CondensationMode> condensation_mode_from(const json::object& aisbf_root, const json::value** raw);
// Once every file is loaded: resolves config.condensation's target (a
// `model` naming a rotation, AISBF's "internal") and checks its references
// (errors while enabled, warnings otherwise), in `providers_sink`.
void resolve_condensation(Config& config, DiagSink& providers_sink);

// Provider types that authenticate with OAuth (no endpoint needed).
bool is_oauth_provider_type(std::string_view type);

// Seconds (validated > 0 by the loader) to milliseconds, clamped.
std::chrono::milliseconds seconds_to_ms(double seconds);

}  // namespace aisbf::config_detail
