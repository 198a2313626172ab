// The loaded configuration: an immutable snapshot built from AISBF's files
// (aisbf.json, providers.json, rotations.json, autoselect.json). A request
// keeps the snapshot it started with; a reload builds a new one.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/ip_range.hpp"

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

// Limits a model entry carries, and the `default_*` a provider or rotation
// gives its models. They cascade, most specific first: rotation model entry >
// rotation `default_*` > provider model > provider `default_*` > built-in
// (routing/rotation.hpp resolves the cascade).
struct ModelLimits {
  std::optional<double> rate_limit;  // seconds between requests
  std::optional<std::int64_t> max_request_tokens, context_size;
  std::optional<std::int64_t> rate_limit_tpm, rate_limit_tph, rate_limit_tpd;
  std::optional<double> error_cooldown;  // seconds a failing model rests
  // Condensation (AISBF's fields): at `condense_context` % of `context_size`,
  // the methods of `condense_method` (a name or a list, as written) run in order.
  std::optional<std::int64_t> condense_context;
  std::optional<std::vector<std::string>> condense_method;
};

// Provider-native prompt caching (AISBF's fields; issue 12), on a provider
// and on its models: each field a model sets wins over its provider's
// (upstream_target.cpp resolves them into UpstreamTarget::native_cache).
struct NativeCacheSettings {
  std::optional<bool> enabled;                  // `enable_native_caching`
  std::optional<std::int64_t> min_tokens;       // `min_cacheable_tokens`
  std::optional<std::int64_t> ttl_seconds;      // `cache_ttl`
  std::optional<std::string> prompt_cache_key;  // `prompt_cache_key`: a fixed key or "auto"
};

struct ModelConfig {
  std::string name;
  ModelLimits limits;
  NativeCacheSettings native_cache;
  std::vector<std::string> capabilities;
  TimeoutSettings timeouts;
  std::string deployment;   // `deployment` (Azure OpenAI); empty: the model name
  boost::json::object raw;  // the whole entry as written, for later issues
};

// Where a provider's upstream connections go through a SOCKS5 proxy that
// resolves the name itself (providers.json `proxy`).
struct SocksProxy {
  std::string host;
  std::uint16_t port = 0;
  bool tor = false;  // `proxy: "tor"`: aisbf.json tor.socks_host / socks_port
};

struct ProviderConfig {
  std::string id;
  std::string name;
  std::string endpoint;
  std::string type;
  bool api_key_required = false;
  // As used upstream: an `"env:NAME"` reference in the file is resolved at
  // load (the file keeps the reference; LoadOptions::env_keys_for).
  std::string api_key;
  double rate_limit = 0;  // seconds between any two requests to this provider
  ModelLimits defaults;   // `default_*`; `default_error_cooldown` also rests the whole provider
  TimeoutSettings timeouts;
  NativeCacheSettings native_cache;
  // OpenAI-compatible presets (the table is providers/openai/openai_presets.hpp;
  // config/ knows only the names, default endpoints and key needs).
  std::string preset;       // the preset in effect: `type` when it names one, else `preset`; empty: none
  std::string api_version;  // `api_version` (Azure OpenAI)
  std::string site_url;     // `site_url` (OpenRouter's HTTP-Referer)
  std::string app_name;     // `app_name` (OpenRouter's X-Title)
  // The API a provider speaks upstream: `api` ("chat", the default, or
  // "responses": OpenAI's Responses API, `POST {endpoint}/responses`). The
  // `codex` type is always "responses". Read by the adapter lookup
  // (providers/registry.hpp).
  std::string api = "chat";
  // Not a file field: set on a user's own provider (routing/user_config.hpp)
  // unless an admin allowed that user private endpoints; the upstream client
  // then refuses every private address it would connect to.
  bool public_addresses_only = false;
  // `proxy` (AISBF's field): "tor" (tor's SOCKS port, aisbf.json `tor`) or
  // "socks5://host:port"; absent or "": direct connections.
  std::optional<SocksProxy> proxy;
  std::vector<ModelConfig> models;
  boost::json::object raw;

  const ModelConfig* find_model(std::string_view model_name) const;
};

struct RotationModel {
  std::string name;
  double weight = 1;
  ModelLimits limits;
  TimeoutSettings timeouts;
  std::vector<std::string> capabilities;  // empty: the provider model's
  boost::json::object raw;
};
struct RotationProvider {
  std::string provider_id;
  std::optional<double> weight;       // simple format: weight on the provider entry
  std::string api_key;                // empty: the provider's own key
  std::vector<RotationModel> models;  // empty in the simple format: the provider's models
  boost::json::object raw;
};
struct RotationConfig {
  std::string id;
  std::string model_name;
  bool notifyerrors = false;
  ModelLimits defaults;              // `default_*`
  std::optional<int> max_attempts;   // overrides routing.max_attempts
  std::vector<RotationProvider> providers;
  boost::json::object raw;
};

// autoselect.json: one entry of `available_models`.
struct AutoselectCandidate {
  std::string model_id;     // a rotation id, `provider/model` or a provider id
  std::string description;  // what the selection model (and BM25) reads
  bool nsfw = false;        // may serve a request classified NSFW
  bool privacy = false;     // may serve a request classified private
};

// An autoselect's `semantic` object (our addition): the hybrid BM25 +
// embeddings selection of issue 11.
struct SemanticSelectionConfig {
  std::string embeddings_model;  // `provider/model`; empty: BM25 alone
  double weight = 0.5;           // share of the embeddings score (0: BM25 only, 1: embeddings only)
  double margin = 0.1;           // the best score must lead the second by this much, else selection by model
  std::string selection_model;   // below the margin; empty: the autoselect's fallback
};

// AISBF's default `selection_model` (its pydantic model's): a rotation id.
inline constexpr std::string_view kDefaultSelectionModel = "general";
// `selection_model` that asks for semantic selection instead of a model.
inline constexpr std::string_view kSemanticSelection = "semantic";

struct AutoselectConfig {
  std::string id;
  std::string model_name;
  std::string description;
  // A rotation id, `provider/model`, a provider id (its first model) or
  // "semantic". Absent or empty: kDefaultSelectionModel, as in AISBF.
  std::string selection_model{kDefaultSelectionModel};
  std::string fallback;                         // empty: none (a failed selection cannot be served)
  std::vector<AutoselectCandidate> candidates;  // `available_models`, in file order
  std::vector<std::string> capabilities;        // AISBF's list (`t2t`, `vision`, …) the autoselect offers
  bool nsfw = false, privacy = false;           // AISBF's flags on the autoselect as a model
  // Unset: aisbf.json's global flag (AutoselectDefaults).
  std::optional<bool> classify_nsfw, classify_privacy, classify_semantic;
  std::optional<int> classify_window;       // recent messages the classifiers scan (ours); 0: all
  std::string classify_nsfw_model;          // `provider/model` or a rotation id (ours); empty: the word list only
  std::optional<double> selection_timeout;  // seconds (ours, > 0); unset: the global
  std::optional<double> cache_ttl;          // seconds a decision is reused (ours, >= 0); unset: the global
  SemanticSelectionConfig semantic;         // `semantic` (ours)
  boost::json::object raw;

  // The candidates' ids, in order.
  std::vector<std::string> candidate_ids() const;
};

// aisbf.json: what every autoselect inherits. The classification flags are
// AISBF's top-level keys; the `autoselect` section and `classify_window`
// are our additions (docs/config.md).
struct AutoselectDefaults {
  bool classify_nsfw = false, classify_privacy = false, classify_semantic = false;
  int classify_window = 0;        // recent messages scanned; 0: every message
  double selection_timeout = 10;  // seconds for the selection call
  double cache_ttl = 600;         // seconds a decision is reused; 0: never cached
  std::size_t cache_max_entries = 10'000;
  int history_messages = 10;            // last messages the selection model reads
  std::int64_t history_tokens = 8'000;  // at most this many tokens of them
  // Words and phrases that classify a request NSFW, beside the built-in
  // list (routing/content_class.hpp).
  std::vector<std::string> nsfw_words;
};

// The autoselect prompt files, read into the snapshot when it is made (like
// CondensationConfig's prompts) so that no request reads a file. Empty: the
// built-in text.
struct AutoselectPrompts {
  std::string selection;      // autoselect.md
  std::string classify_nsfw;  // classify_nsfw.md
};

// providers.json `condensation`: the model the LLM condensation methods
// (conversational, semantic) ask, a provider model or a rotation.
struct CondensationConfig {
  bool enabled = false;
  std::string provider_id;
  std::string model;
  std::string rotation_id;
  std::optional<std::int64_t> max_context;
  // The LLM methods' instructions, condensation_conversational.md and
  // condensation_semantic.md, as read when the serving snapshot was made
  // (pipeline/app.cpp: at start, at a reload, at a prompt edit), so that no
  // request reads a file. Empty: the built-in text.
  std::string conversational_prompt, semantic_prompt;
};

// aisbf.json `feature_controls.request_splitting` (our addition): how a
// request over a model's max_request_tokens is split (context/request_split.hpp).
struct RequestSplittingConfig {
  std::int64_t overlap_tokens = 100;  // a cut text's continuation repeats this much of the piece before
  std::size_t max_chunks = 16;        // more needed: a 400 before any upstream call
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 17765;
  std::string protocol = "http";  // "http" or "https" (TLS on `port`)
  // TLS (issue 16; docs/config.md "TLS"). AISBF's ssl_certfile/ssl_keyfile:
  // empty (null or absent) = managed: the ACME certificate when `domain` is
  // set and one was obtained, else a self-signed one in the config dir.
  std::string ssl_certfile;
  std::string ssl_keyfile;
  // Ours: a second, plain-HTTP port beside the HTTPS one (0 picks a free
  // one): 301 to https, except /.well-known/acme-challenge/ which it serves.
  std::optional<int> http_port;
  std::chrono::milliseconds ssl_reload_interval{10'000};  // how often the files are checked for a change
  std::string domain;                                     // public name: ACME certificate, SAN of the self-signed one
  std::string acme_email;
  std::string acme_directory = "https://acme-v02.api.letsencrypt.org/directory";
  std::string acme_ca_file;  // PEM bundle trusted for the ACME server (tests: pebble's)
  // Our additions to AISBF's `server` section (documented in docs/config.md).
  std::uint64_t max_body_bytes = 32ull * 1024 * 1024;
  std::uint64_t max_sse_event_bytes = 8ull * 1024 * 1024;
  // A multipart upload (audio transcriptions, translations) is streamed to
  // the upstream, not held: this caps its size (OpenAI's audio limit).
  std::uint64_t max_upload_bytes = 25ull * 1024 * 1024;
  std::chrono::milliseconds header_timeout{30'000};
  std::chrono::milliseconds idle_timeout{120'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  // Host names accepted on a loopback listener besides localhost, *.localhost
  // and loopback IP literals (DNS rebinding defence).
  std::vector<std::string> allowed_hosts;
  // Browser origins ("https://app.example", lower-cased at load) that may
  // call the gateway from another site: the MCP routes' Origin check
  // (DNS rebinding) admits these besides the gateway's own, and the API
  // routes answer their CORS preflights (pipeline/cors.hpp). Empty: CORS off.
  std::vector<std::string> cors_origins;
  // Reverse proxies (IPs or CIDR ranges) whose X-Forwarded-For, -Proto and
  // -Prefix are believed (-Host is not read): the client's address (login
  // throttle, logs), https for the session cookie's Secure flag, the
  // dashboard's path prefix. From any other peer these headers are ignored.
  std::vector<IpRange> trusted_proxies;
  std::uint64_t max_connections = 10'000;       // open client connections per process
  std::uint64_t max_inflight_requests = 4'096;  // requests being served at once per process
  std::uint64_t max_upstream_body_bytes = 64ull * 1024 * 1024;  // a whole (non-stream) upstream answer
  std::uint64_t max_sse_preamble_bytes = 1024 * 1024;  // comment-only events before the first data event
  std::uint64_t max_unauthenticated_body_bytes = 64 * 1024;  // a body read before the caller is known
  std::chrono::milliseconds request_timeout{600'000};  // one client request, across every attempt and wait
  // Operations (issue 16; docs/config.md). GET /metrics: allowed with the
  // bearer `metrics_token` or from an address in `metrics_allow` (absent:
  // loopback only). `metrics: false` stops recording and answers 404.
  bool metrics = true;
  std::string metrics_token;
  std::vector<IpRange> metrics_allow;
  // One access-log line per request: "logfmt" (default) or "json"; to
  // stderr with the other logs unless `access_log` names a file; `false`
  // turns it off.
  bool access_log_enabled = true;
  std::string access_log;  // a file path; empty: stderr
  std::string log_format = "logfmt";
};

// aisbf.json `adaptive_rate_limiting`, AISBF's fields. Intervals in seconds
// between requests (docs/config.md says how each field is used).
struct AdaptiveRateLimitConfig {
  bool enabled = true;
  double initial_rate_limit = 0;
  double learning_rate = 0.1;
  double headroom_percent = 10;
  double recovery_rate = 0.05;
  double max_rate_limit = 60;
  double min_rate_limit = 0.1;
  double backoff_base = 2;
  double jitter_factor = 0.25;
  double history_window = 3600;
  int consecutive_successes_for_recovery = 10;
};

// aisbf.json `routing` (our addition): failover and health.
struct RoutingConfig {
  int max_attempts = 5;            // candidates tried for one request
  int max_attempts_per_model = 2;
  int failure_threshold = 3;       // consecutive failures before a target cools down
  double default_error_cooldown = 300;  // seconds, when neither model nor provider sets one
  double max_rate_limit_wait = 30;      // seconds a request may queue for its rate_limit slot
  std::optional<std::uint64_t> seed;    // fixed selection order (tests); absent: random
  int max_tracked_keys = 10'000;        // per shared-state map (health, spacing, limits); read at start
};

// aisbf.json `response_cache` (issue 12; docs/config.md): AISBF's fields
// plus `cache_nondeterministic` and `max_memory_bytes` (ours). Whether a
// request may use it cascades through `enable_response_cache` on the model,
// provider, rotation and autoselect (cache/cache_policy.hpp); this is the
// global switch and the store's settings.
struct ResponseCacheConfig {
  bool enabled = false;             // absent section: off; a section without `enabled`: on (AISBF's default)
  std::string backend = "memory";   // memory, redis, sqlite, mysql, file
  double ttl = 600;                 // seconds an answer is kept
  std::uint64_t max_entries = 1000;                   // `max_memory_cache` (or `max_size`): memory backend
  std::uint64_t max_memory_bytes = 64ull * 1024 * 1024;  // ours: the memory backend's byte bound
  bool cache_nondeterministic = false;  // ours: also cache temperature > 0 without a seed
  std::string redis_host = "localhost";
  int redis_port = 6379;
  int redis_db = 0;
  std::string redis_password;
  std::string redis_key_prefix = "aisbf:response:";
  std::string sqlite_path = "~/.aisbf/response_cache.db";
  std::string mysql_host = "localhost";
  int mysql_port = 3306;
  std::string mysql_user = "aisbf";
  std::string mysql_password;
  std::string mysql_database = "aisbf_response_cache";
  std::string file_dir = "~/.aisbf/response_cache";
  // Not a file field: `enabled`, or some `enable_response_cache: true` in
  // the other files. False: no request consults the cache (it costs nothing).
  bool used = false;
};

struct AuthConfig {
  bool enabled = false;
  std::vector<std::string> tokens;
};

// aisbf.json `mcp`: AISBF's switch and its two token lists (tokens that
// work on /mcp alone, whether or not they are gateway tokens), plus our
// session bounds (docs/config.md).
struct McpConfig {
  bool enabled = false;
  std::vector<std::string> autoselect_tokens;  // may list and use models
  std::vector<std::string> fullconfig_tokens;  // may also read the gateway's state (and, later, change it)
  std::chrono::milliseconds session_idle_timeout{3'600'000};  // a session unused this long is gone
  std::uint64_t max_sessions = 1'000;  // per process; the least recently used goes first
};

// aisbf.json `tor` (AISBF's fields, docs/config.md): the onion service
// pipeline/tor_service.hpp publishes over tor's control port, and the SOCKS
// port that providers with `proxy: "tor"` go through.
struct TorConfig {
  bool enabled = false;
  std::string control_host = "127.0.0.1";
  int control_port = 9051;
  std::string control_password;    // empty: cookie authentication (or none), as tor offers
  std::string hidden_service_dir;  // empty: an ephemeral service (a new address each start)
  int hidden_service_port = 80;    // the onion's virtual port
  std::string socks_host = "127.0.0.1";
  int socks_port = 9050;
};

// aisbf.json `media` (ours): the content proxy (pipeline/content_proxy.hpp).
// With `proxy_urls`, image URLs in an upstream's answer become
// `/api/proxy/{id}` links that only the requesting namespace may fetch.
struct MediaConfig {
  bool proxy_urls = false;
  std::chrono::milliseconds proxy_ttl{3'600'000};       // an id expires this long after the answer held it
  std::uint64_t proxy_max_bytes = 50ull * 1024 * 1024;  // a fetched body past this is cut (502 before the head)
  std::uint64_t proxy_max_entries = 10'000;             // per process; the oldest id goes first
};

struct Config {
  std::filesystem::path dir;
  ServerConfig server;
  AuthConfig auth;
  McpConfig mcp;
  bool notifyerrors = false;  // rotations.json top level
  AdaptiveRateLimitConfig adaptive;
  RoutingConfig routing;
  std::vector<ProviderConfig> providers;      // in file order
  std::vector<RotationConfig> rotations;      // in file order
  std::vector<AutoselectConfig> autoselects;  // in file order
  AutoselectDefaults autoselect_defaults;     // aisbf.json `autoselect` and `classify_*`
  AutoselectPrompts autoselect_prompts;       // autoselect.md, classify_nsfw.md
  CondensationConfig condensation;            // providers.json `condensation`
  RequestSplittingConfig request_splitting;   // aisbf.json feature_controls.request_splitting
  ResponseCacheConfig response_cache;         // aisbf.json `response_cache`
  TorConfig tor;                              // aisbf.json `tor`
  MediaConfig media;                          // aisbf.json `media`
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

// Words that a /api/{id}/… path cannot use as an id, until the route table
// supplies its own (LoadOptions::reserved_route_words).
inline constexpr std::array<std::string_view, 11> kReservedRouteWords = {
    "models", "v1", "user", "u", "rotations", "autoselect", "proxy", "admin", "audio", "images", "embeddings"};

struct LoadOptions {
  // Write AISBF's default files into the directory when they are missing
  // (first start). check-config never writes.
  bool write_missing_defaults = false;
  // Ids that would shadow a route; the caller owns the words (static data).
  std::span<const std::string_view> reserved_route_words = kReservedRouteWords;
  // Which providers' `"api_key": "env:NAME"` is read from the environment
  // (by provider id). Unset: all of them (the operator's own files). A
  // user's documents pass a filter: a user must not read the server's
  // environment; their "env:…" stays a literal (and a warning).
  std::function<bool(std::string_view provider_id)> env_keys_for = nullptr;
};

struct LoadResult {
  std::shared_ptr<const Config> config;  // null when there were errors
  std::vector<Diagnostic> diagnostics;   // every warning and error found
  bool ok() const { return config != nullptr; }
};

// Reads the four files of `dir` (missing ones: AISBF's defaults, written
// when asked) and loads them as load_config_values would, adding what only
// files have: read errors and file-mode warnings.
LoadResult load_config(const std::filesystem::path& dir, const LoadOptions& options = {});

// The four documents as JSON values (from the admin API or the store).
// A missing document means AISBF's default file, as a missing file does.
struct ConfigValues {
  std::filesystem::path dir;  // becomes Config::dir; nothing is read from it
  std::optional<boost::json::value> aisbf, providers, rotations, autoselect;
};
// The same snapshot and diagnostics as load_config on files holding these
// documents (file names label the diagnostics). Never writes, never throws.
LoadResult load_config_values(const ConfigValues& values, const LoadOptions& options = {});

// Whether `id` is one of `words` (default: kReservedRouteWords).
bool is_reserved_route_word(std::string_view id, std::span<const std::string_view> words = kReservedRouteWords);

}  // namespace aisbf
