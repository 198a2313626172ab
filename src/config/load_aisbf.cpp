// aisbf.json: the `server` and `auth` sections are interpreted here; every
// other section is type-checked at the top level only and kept in
// Config::aisbf for the modules that use it.
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
  read_byte_limit(server, "max_body_bytes", sink, out.max_body_bytes);
  read_byte_limit(server, "max_sse_event_bytes", sink, out.max_sse_event_bytes);
  const Range positive{0, true, std::nullopt};
  read_seconds(server, "header_timeout", positive, sink, out.header_timeout);
  read_seconds(server, "idle_timeout", positive, sink, out.idle_timeout);
  read_seconds(server, "shutdown_grace", Range{0, false, std::nullopt}, sink, out.shutdown_grace);
}

void load_auth(const json::object& auth, DiagSink& sink, AuthConfig& out) {
  const std::string path = "auth";
  check_fields(auth, path, auth_schema(), sink);
  if (auto enabled = get_bool(auth, "enabled")) out.enabled = *enabled;
  if (const json::array* tokens = get_array(auth, "tokens")) {
    for (std::size_t i = 0; i < tokens->size(); ++i) {
      const json::string* token = (*tokens)[i].if_string();
      if (token == nullptr) continue;  // reported by check_fields
      if (token->empty()) {
        sink.error(index_path(key_path(path, "tokens"), i), "must not be empty");
        continue;
      }
      out.tokens.emplace_back(token->data(), token->size());
    }
  }
}

}  // namespace

bool load_aisbf(const json::value& root, DiagSink& sink, Config& config) {
  const json::object* obj = root.if_object();
  if (obj == nullptr) {
    sink.error("", fmt::format("expected an object, got {}", kind_name(root)));
    return false;
  }
  check_fields(*obj, "", aisbf_schema(), sink);
  if (const json::object* server = get_object(*obj, "server")) load_server(*server, sink, config.server);
  if (const json::object* auth = get_object(*obj, "auth")) load_auth(*auth, sink, config.auth);
  config.aisbf = *obj;
  return true;
}

}  // namespace aisbf::config_detail
