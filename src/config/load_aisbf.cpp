// aisbf.json: the `server`, `auth`, `mcp`, `adaptive_rate_limiting` and `routing`
// sections are interpreted here (`database` only checked; the autoselect
// defaults in load_autoselect.cpp); every
// other section is type-checked at the top level only and kept in
// Config::aisbf for the modules that use it.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "config/load_internal.hpp"
#include "config/schema.hpp"

namespace aisbf::config_detail {

namespace {

std::optional<std::uint64_t> get_u64(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (const auto* u = v->if_uint64()) return *u;
  std::optional<std::int64_t> i = as_int(*v);
  if (i && *i >= 0) return static_cast<std::uint64_t>(*i);
  return std::nullopt;
}

void read_byte_limit(const json::object& server, std::string_view key, DiagSink& sink, std::uint64_t& out) {
  if (!check_range(server, key, "server", Range{1, false, std::nullopt}, sink)) return;
  if (auto n = get_u64(server, key)) out = *n;
}

void read_seconds(const json::object& server, std::string_view key, const Range& range, DiagSink& sink,
                  std::chrono::milliseconds& out) {
  if (!check_range(server, key, "server", range, sink)) return;
  if (auto s = get_number(server, key)) out = seconds_to_ms(*s);
}

// "scheme://host[:port]" as a browser sends it in Origin, lower-cased.
void read_cors_origins(const json::object& server, DiagSink& sink, std::vector<std::string>& out) {
  const json::array* origins = get_array(server, "cors_origins");
  if (origins == nullptr) return;
  for (std::size_t i = 0; i < origins->size(); ++i) {
    const json::string* origin = (*origins)[i].if_string();
    if (origin == nullptr) continue;  // reported by check_fields
    const std::string_view text(origin->data(), origin->size());
    const auto sep = text.find("://");
    if (sep == std::string_view::npos || sep == 0 || text.size() == sep + 3 ||
        text.find('/', sep + 3) != std::string_view::npos) {
      sink.error(index_path("server.cors_origins", i),
                 "expected an origin as a browser sends it: scheme://host[:port], without a path");
      continue;
    }
    std::string lower(text);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out.push_back(std::move(lower));
  }
}

// A list of IPs or CIDR ranges (trusted_proxies, metrics_allow). False
// when the key is absent.
bool read_ip_ranges(const json::object& server, std::string_view key, DiagSink& sink, std::vector<IpRange>& out) {
  const json::array* ranges = get_array(server, key);
  if (ranges == nullptr) return false;
  for (std::size_t i = 0; i < ranges->size(); ++i) {
    const json::string* entry = (*ranges)[i].if_string();
    if (entry == nullptr) continue;  // reported by check_fields
    auto parsed = parse_ip_range(std::string_view(entry->data(), entry->size()));
    if (!parsed.range) {
      sink.error(index_path(key_path("server", key), i), parsed.error);
      continue;
    }
    out.push_back(*parsed.range);
  }
  return true;
}

// /metrics and the access log (issue 16).
void read_operations(const json::object& server, DiagSink& sink, ServerConfig& out) {
  if (auto on = get_bool(server, "metrics")) out.metrics = *on;
  if (auto token = get_string(server, "metrics_token")) out.metrics_token = *token;
  if (!read_ip_ranges(server, "metrics_allow", sink, out.metrics_allow)) {
    for (const char* loopback : {"127.0.0.0/8", "::1"}) out.metrics_allow.push_back(*parse_ip_range(loopback).range);
  }
  if (const json::value* log = server.if_contains("access_log")) {
    if (const bool* on = log->if_bool()) out.access_log_enabled = *on;
    if (const json::string* file = log->if_string()) out.access_log = std::string(file->data(), file->size());
  }
  if (auto format = get_string(server, "log_format")) {
    if (*format == "logfmt" || *format == "json")
      out.log_format = *format;
    else
      sink.error("server.log_format", "expected \"logfmt\" or \"json\"");
  }
}

namespace {

// A public DNS name, as the CA validates it over HTTP-01: letters, digits,
// '-' and dots, at least two labels, and not an IP address (whose last
// label would be digits).
bool is_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
  if (name.find('.') == std::string_view::npos) return false;
  const std::string_view last_label = name.substr(name.rfind('.') + 1);
  if (std::all_of(last_label.begin(), last_label.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.'; });
}

// The TLS fields (docs/config.md "TLS"): the certificate files go in pairs.
void read_tls(const json::object& server, DiagSink& sink, ServerConfig& out) {
  out.ssl_certfile = get_string(server, "ssl_certfile").value_or("");
  out.ssl_keyfile = get_string(server, "ssl_keyfile").value_or("");
  if (out.ssl_certfile.empty() != out.ssl_keyfile.empty()) {
    sink.error(out.ssl_certfile.empty() ? "server.ssl_certfile" : "server.ssl_keyfile",
               "ssl_certfile and ssl_keyfile go together: set both, or neither for a managed certificate");
  }
  if (check_range(server, "http_port", "server", Range{0, false, 65535.0}, sink)) {
    if (auto port = get_int(server, "http_port")) out.http_port = static_cast<int>(*port);
  }
  if (out.http_port && out.protocol != "https") {
    sink.warning("server.http_port", "used only with \"protocol\": \"https\" (the plain port beside the TLS one)");
  }
  read_seconds(server, "ssl_reload_interval", Range{0, true, std::nullopt}, sink, out.ssl_reload_interval);
  out.domain = get_string(server, "domain").value_or("");
  for (auto& ch : out.domain) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (!out.domain.empty() && !is_dns_name(out.domain)) {
    sink.error("server.domain",
               "expected a public DNS name such as \"gateway.example.com\" (no scheme, port, wildcard or IP "
               "address): the certificate is ordered for it");
  }
  out.acme_email = get_string(server, "acme_email").value_or("");
  if (!out.acme_email.empty() && (out.acme_email.find('@') == std::string::npos || out.acme_email.find_first_of(" \r\n,") != std::string::npos)) {
    sink.error("server.acme_email", "expected an e-mail address (the ACME account's contact)");
  }
  if (auto directory = get_string(server, "acme_directory")) {
    if (directory->rfind("https://", 0) != 0) {
      sink.error("server.acme_directory", "expected an https:// URL of an ACME directory");
    } else {
      out.acme_directory = *directory;
    }
  }
  out.acme_ca_file = get_string(server, "acme_ca_file").value_or("");
}

}  // namespace

void load_server(const json::object& server, DiagSink& sink, ServerConfig& out) {
  const std::string path = "server";
  check_fields(server, path, server_schema(), sink);
  if (auto host = get_string(server, "host")) {
    if (host->empty()) {
      sink.error(key_path(path, "host"), "must not be empty");
    } else {
      out.host = *host;
    }
  }
  if (check_range(server, "port", path, Range{0, false, 65535.0}, sink)) {
    if (auto port = get_int(server, "port")) out.port = static_cast<int>(*port);
  }
  if (auto protocol = get_string(server, "protocol")) {
    if (*protocol == "http" || *protocol == "https") {
      out.protocol = *protocol;
    } else {
      sink.error(key_path(path, "protocol"), "expected \"http\" or \"https\"");
    }
  }
  read_tls(server, sink, out);
  read_byte_limit(server, "max_body_bytes", sink, out.max_body_bytes);
  read_byte_limit(server, "max_sse_event_bytes", sink, out.max_sse_event_bytes);
  read_byte_limit(server, "max_upload_bytes", sink, out.max_upload_bytes);
  const Range positive{0, true, std::nullopt};
  read_seconds(server, "header_timeout", positive, sink, out.header_timeout);
  read_seconds(server, "idle_timeout", positive, sink, out.idle_timeout);
  read_seconds(server, "shutdown_grace", Range{0, false, std::nullopt}, sink, out.shutdown_grace);
  read_seconds(server, "request_timeout", positive, sink, out.request_timeout);
  read_byte_limit(server, "max_connections", sink, out.max_connections);
  read_byte_limit(server, "max_inflight_requests", sink, out.max_inflight_requests);
  read_byte_limit(server, "max_upstream_body_bytes", sink, out.max_upstream_body_bytes);
  read_byte_limit(server, "max_sse_preamble_bytes", sink, out.max_sse_preamble_bytes);
  read_byte_limit(server, "max_unauthenticated_body_bytes", sink, out.max_unauthenticated_body_bytes);
  if (const json::array* hosts = get_array(server, "allowed_hosts")) {
    for (std::size_t i = 0; i < hosts->size(); ++i) {
      const json::string* host = (*hosts)[i].if_string();
      if (host == nullptr) continue;  // reported by check_fields
      if (host->empty()) {
        sink.error(index_path(key_path(path, "allowed_hosts"), i), "must not be empty");
        continue;
      }
      std::string lower(host->data(), host->size());
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      out.allowed_hosts.push_back(std::move(lower));
    }
  }
  read_cors_origins(server, sink, out.cors_origins);
  read_ip_ranges(server, "trusted_proxies", sink, out.trusted_proxies);
  read_operations(server, sink, out);
}

void read_tokens(const json::object& obj, std::string_view key, const std::string& path, DiagSink& sink,
                 std::vector<std::string>& out) {
  const json::array* tokens = get_array(obj, key);
  if (tokens == nullptr) return;
  for (std::size_t i = 0; i < tokens->size(); ++i) {
    const json::string* token = (*tokens)[i].if_string();
    if (token == nullptr) continue;  // reported by check_fields
    const std::string token_path = index_path(key_path(path, key), i);
    if (token->empty()) {
      sink.error(token_path, "must not be empty");
      continue;
    }
    // A pasted token with a trailing newline could never match a header.
    if (!check_no_control(*token, token_path, "a client sends it in a header, so it could never match", sink)) {
      continue;
    }
    out.emplace_back(token->data(), token->size());
  }
}

void load_auth(const json::object& auth, DiagSink& sink, AuthConfig& out) {
  const std::string path = "auth";
  check_fields(auth, path, auth_schema(), sink);
  if (auto enabled = get_bool(auth, "enabled")) out.enabled = *enabled;
  read_tokens(auth, "tokens", path, sink, out.tokens);
}

void load_mcp(const json::object& mcp, DiagSink& sink, McpConfig& out) {
  const std::string path = "mcp";
  check_fields(mcp, path, mcp_schema(), sink);
  if (auto enabled = get_bool(mcp, "enabled")) out.enabled = *enabled;
  read_tokens(mcp, "autoselect_tokens", path, sink, out.autoselect_tokens);
  read_tokens(mcp, "fullconfig_tokens", path, sink, out.fullconfig_tokens);
  if (check_range(mcp, "session_idle_timeout", path, Range{0, true, std::nullopt}, sink)) {
    if (auto s = get_number(mcp, "session_idle_timeout")) out.session_idle_timeout = seconds_to_ms(*s);
  }
  if (check_range(mcp, "max_sessions", path, Range{1, false, 1'000'000.0}, sink)) {
    if (auto n = get_u64(mcp, "max_sessions")) out.max_sessions = *n;
  }
}

// `dashboard` is read where it is used (dashboard_enabled(), the first
// admin in auth/bootstrap.cpp); checked here.
void check_dashboard(const json::object& dashboard, DiagSink& sink) {
  check_fields(dashboard, "dashboard", dashboard_schema(), sink);
}

void read_number(const json::object& obj, std::string_view key, const std::string& path, const Range& range,
                 DiagSink& sink, double& out) {
  if (!check_range(obj, key, path, range, sink)) return;
  if (auto v = get_number(obj, key)) out = *v;
}

void read_int(const json::object& obj, std::string_view key, const std::string& path, const Range& range,
              DiagSink& sink, int& out) {
  if (!check_range(obj, key, path, range, sink)) return;
  if (auto v = get_int(obj, key)) out = static_cast<int>(*v);
}

void load_adaptive(const json::object& section, DiagSink& sink, AdaptiveRateLimitConfig& out) {
  const std::string path = "adaptive_rate_limiting";
  check_fields(section, path, adaptive_schema(), sink);
  const Range non_negative{0, false, std::nullopt};
  const Range positive{0, true, std::nullopt};
  const Range fraction{0, false, 1.0};
  if (auto enabled = get_bool(section, "enabled")) out.enabled = *enabled;
  read_number(section, "initial_rate_limit", path, non_negative, sink, out.initial_rate_limit);
  read_number(section, "learning_rate", path, fraction, sink, out.learning_rate);
  read_number(section, "headroom_percent", path, Range{0, false, 99.0}, sink, out.headroom_percent);
  read_number(section, "recovery_rate", path, fraction, sink, out.recovery_rate);
  read_number(section, "max_rate_limit", path, positive, sink, out.max_rate_limit);
  read_number(section, "min_rate_limit", path, non_negative, sink, out.min_rate_limit);
  read_number(section, "backoff_base", path, Range{1, false, std::nullopt}, sink, out.backoff_base);
  read_number(section, "jitter_factor", path, fraction, sink, out.jitter_factor);
  read_number(section, "history_window", path, positive, sink, out.history_window);
  read_int(section, "consecutive_successes_for_recovery", path, Range{1, false, std::nullopt}, sink,
           out.consecutive_successes_for_recovery);
  if (out.min_rate_limit > out.max_rate_limit) {
    sink.error(key_path(path, "min_rate_limit"), "must not be greater than max_rate_limit");
  }
}

void load_routing(const json::object& section, DiagSink& sink, RoutingConfig& out) {
  const std::string path = "routing";
  check_fields(section, path, routing_schema(), sink);
  const Range at_least_one{1, false, 100.0};
  read_int(section, "max_attempts", path, at_least_one, sink, out.max_attempts);
  read_int(section, "max_attempts_per_model", path, at_least_one, sink, out.max_attempts_per_model);
  read_int(section, "failure_threshold", path, at_least_one, sink, out.failure_threshold);
  read_number(section, "default_error_cooldown", path, Range{0, false, std::nullopt}, sink,
              out.default_error_cooldown);
  read_number(section, "max_rate_limit_wait", path, Range{0, false, std::nullopt}, sink, out.max_rate_limit_wait);
  read_int(section, "max_tracked_keys", path, Range{1, false, 10'000'000.0}, sink, out.max_tracked_keys);
  if (check_range(section, "seed", path, Range{0, false, std::nullopt}, sink)) {
    if (auto seed = get_u64(section, "seed")) out.seed = *seed;
  }
}

// `database` is read by store/ (database_settings.hpp) when the server
// starts; here it is only checked, so that check-config reports its errors
// without config/ depending on store/.
void check_database(const json::object& section, DiagSink& sink) {
  const std::string path = "database";
  check_fields(section, path, database_schema(), sink);
  if (auto type = get_string(section, "type")) {
    std::string lower;
    for (char c : *type) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    constexpr std::string_view known[] = {"sqlite", "postgres", "postgresql", "mysql", "mariadb"};
    if (std::find(std::begin(known), std::end(known), lower) == std::end(known)) {
      sink.error(key_path(path, "type"),
                 fmt::format("{} is not one of sqlite, postgres (postgresql), mysql (mariadb)", json_quoted(*type)));
    }
  }
  check_range(section, "mysql_port", path, Range{1, false, 65535.0}, sink);
  check_range(section, "postgres_port", path, Range{1, false, 65535.0}, sink);
  check_range(section, "usage_retention_days", path, Range{0, false, 100000.0}, sink);
  check_range(section, "usage_queue_size", path, Range{1, false, 10000000.0}, sink);
  check_range(section, "accounts_refresh_seconds", path, Range{1, false, 86400.0}, sink);
  check_range(section, "statement_timeout_seconds", path, Range{1, false, 3600.0}, sink);
}

}  // namespace

bool load_aisbf(const json::value& root, const LoadContext& /*ctx*/, DiagSink& sink, Config& config) {
  const json::object* obj = root.if_object();
  if (obj == nullptr) {
    sink.error("", fmt::format("expected an object, got {}", kind_name(root)));
    return false;
  }
  check_fields(*obj, "", aisbf_schema(), sink);
  static const json::object no_server;  // the defaults that need reading (metrics_allow) apply without a section too
  const json::object* server = get_object(*obj, "server");
  load_server(server != nullptr ? *server : no_server, sink, config.server);
  if (const json::object* auth = get_object(*obj, "auth")) load_auth(*auth, sink, config.auth);
  if (const json::object* mcp = get_object(*obj, "mcp")) load_mcp(*mcp, sink, config.mcp);
  if (const json::object* dashboard = get_object(*obj, "dashboard")) check_dashboard(*dashboard, sink);
  if (const json::object* adaptive = get_object(*obj, "adaptive_rate_limiting")) {
    load_adaptive(*adaptive, sink, config.adaptive);
  }
  if (const json::object* routing = get_object(*obj, "routing")) load_routing(*routing, sink, config.routing);
  if (const json::object* database = get_object(*obj, "database")) check_database(*database, sink);
  if (const json::object* tor = get_object(*obj, "tor")) load_tor(*tor, sink, config.tor);
  if (const json::object* media = get_object(*obj, "media")) load_media(*media, sink, config.media);
  // tor's connections arrive from loopback: with an onion service, the
  // loopback default of metrics_allow would open /metrics to any TOR client.
  // Without a list of its own, /metrics then needs the token.
  if (config.tor.enabled && (server == nullptr || !server->contains("metrics_allow")))
    config.server.metrics_allow.clear();
  check_condensation_mode(*obj, sink);
  load_request_splitting(*obj, sink, config.request_splitting);
  load_response_cache(*obj, sink, config.response_cache);
  check_responses_store(*obj, sink);
  load_autoselect_defaults(*obj, sink, config.autoselect_defaults);
  config.aisbf = *obj;
  return true;
}

}  // namespace aisbf::config_detail
