#include "pipeline/provider_key_guard.hpp"

#include <cctype>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "api/admin_config_json.hpp"
#include "auth/secret_box.hpp"
#include "config/env_keys.hpp"
#include "http/endpoint.hpp"
#include "providers/openai/openai_presets.hpp"

namespace aisbf {

namespace {

namespace json = boost::json;

// The ChatGPT backend, which the loader gives a codex entry without an
// endpoint (config/load_providers.cpp).
constexpr std::string_view kCodexEndpoint = "https://chatgpt.com/backend-api";

std::string string_at(const json::object& entry, std::string_view key) {
  const json::value* v = entry.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string origin_of(std::string_view url) {
  auto endpoint = http::parse_endpoint(url);
  if (!endpoint) return std::string(url);
  std::string origin = endpoint->origin_key;
  for (auto& c : origin) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return origin;
}

std::string child(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, std::string_view(key));
}

// The path of the first masked secret in `v` (under a secret key, or in a
// list under one), or nullopt.
std::optional<std::string> first_masked(const json::value& v, bool secret, const std::string& path) {
  if (v.is_string()) {
    if (secret && auth::is_masked(v.get_string())) return path;
  } else if (v.is_array()) {
    const auto& items = v.get_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (auto found = first_masked(items[i], secret, fmt::format("{}[{}]", path, i))) return found;
    }
  } else if (v.is_object()) {
    for (const auto& kv : v.get_object()) {
      if (auto found = first_masked(kv.value(), api::is_secret_key(kv.key()), child(path, kv.key()))) return found;
    }
  }
  return std::nullopt;
}

// What changed between two destinations, for the message.
std::string_view what_changed(const ProviderDestination& was, const ProviderDestination& now) {
  if (was.origin != now.origin) return "the endpoint";
  if (was.type != now.type) return "the type";
  if (was.preset != now.preset) return "the preset";
  if (was.api != now.api) return "the api";
  if (was.proxy != now.proxy) return "the proxy";
  return "the api_version";
}

}  // namespace

ProviderDestination provider_destination(const json::object& entry) {
  ProviderDestination d;
  d.type = string_at(entry, "type");
  if (d.type != "openai" && openai::find_openai_preset(d.type) != nullptr) {
    d.preset = d.type;
  } else if (d.type == "openai") {
    d.preset = string_at(entry, "preset");
  }
  d.api = string_at(entry, "api");
  if (d.api.empty()) d.api = d.type == "codex" ? "responses" : "chat";
  d.api_version = string_at(entry, "api_version");
  d.proxy = string_at(entry, "proxy");
  std::string endpoint = string_at(entry, "endpoint");
  if (endpoint.empty()) {
    if (const auto* preset = openai::find_openai_preset(d.preset))
      endpoint = std::string(preset->endpoint);
    else if (d.type == "codex")
      endpoint = std::string(kCodexEndpoint);
  }
  d.origin = origin_of(endpoint);
  return d;
}

std::optional<GatewayError> masked_key_elsewhere(const json::object& sent, const json::object* stored,
                                                 std::string_view path) {
  if (stored == nullptr) return std::nullopt;
  std::optional<std::string> masked;
  for (auto it = sent.begin(); it != sent.end() && !masked; ++it) {
    masked = first_masked(it->value(), api::is_secret_key(it->key()), child(std::string(path), it->key()));
  }
  if (!masked) return std::nullopt;
  const ProviderDestination was = provider_destination(*stored);
  const ProviderDestination now = provider_destination(sent);
  if (was == now) return std::nullopt;
  return make_error(ErrorKind::invalid_request,
                    fmt::format("{}: {} changed: enter the key again (a masked key stands for the stored one only "
                                "where it was saved to be sent)",
                                *masked, what_changed(was, now)),
                    "masked_value", *masked);
}

std::optional<GatewayError> env_key_introduced(const json::object& sent, const json::object* stored,
                                               std::string_view path) {
  const std::string key = string_at(sent, "api_key");
  if (!env_key_reference(key)) return std::nullopt;
  if (stored != nullptr && string_at(*stored, "api_key") == key &&
      provider_destination(*stored) == provider_destination(sent))
    return std::nullopt;
  const std::string where = child(std::string(path), "api_key");
  return make_error(ErrorKind::invalid_request,
                    fmt::format("{}: an \"env:…\" key can only be written in providers.json by the operator (a saved "
                                "one is kept only while the entry goes where it went); enter the key itself",
                                where),
                    "env_key_refused", where);
}

}  // namespace aisbf
