// Checks on the values that leave the gateway with a request: no control
// character in anything that becomes a header line or URL, and warnings when
// a key would travel in clear or sits in a file others can read. No message
// here ever quotes a key.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "config/defaults.hpp"
#include "config/env_keys.hpp"
#include "config/load_internal.hpp"

namespace aisbf::config_detail {

namespace {

bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// 127.0.0.0/8 written as four decimal parts.
bool is_ipv4_loopback(std::string_view host) {
  int parts = 0;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = host.find('.', start);
    std::string_view part = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    if (std::stoi(std::string(part)) > 255 || (parts == 0 && part != "127")) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

bool is_loopback_host(std::string_view host) {
  const std::string h = lower(host);
  constexpr std::string_view kLocal = "localhost";
  constexpr std::string_view kDotLocal = ".localhost";
  if (h == kLocal || (h.size() > kDotLocal.size() && h.ends_with(kDotLocal))) return true;
  if (h == "[::1]" || h == "[0:0:0:0:0:0:0:1]") return true;
  return is_ipv4_loopback(h);
}

// The host of an absolute URL's authority, as written ("[::1]" keeps its brackets).
std::string_view url_host(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.starts_with('[')) return authority.substr(0, authority.find(']') + 1);
  return authority.substr(0, authority.find(':'));
}

// The endpoint requests go to: the provider's own, else its preset's.
std::string_view effective_endpoint(const ProviderConfig& provider) {
  if (!provider.endpoint.empty()) return provider.endpoint;
  const PresetFacts* preset = find_preset_facts(provider.preset);
  return preset != nullptr ? preset->endpoint : std::string_view{};
}

std::string clear_text_message(std::string_view whose, std::string_view host) {
  return fmt::format("{} is sent over plain http:// to {}, which is not a loopback address: anyone on the path can "
                     "read it; use https:// or reach the provider through a local tunnel",
                     whose, json_quoted(host));
}

}  // namespace

bool check_no_control(std::string_view value, const std::string& path, std::string_view carried, DiagSink& sink) {
  auto it = std::find_if(value.begin(), value.end(), is_control);
  if (it == value.end()) return true;
  const auto offset = static_cast<std::size_t>(it - value.begin());
  const bool trailing_newline = value.find_first_not_of("\r\n", offset) == std::string_view::npos;
  sink.error(path, fmt::format("must not contain control characters: byte 0x{:02x} at offset {}{}; {}",
                               static_cast<unsigned char>(*it), offset,
                               trailing_newline ? " (a trailing newline from a paste?)" : "", carried));
  return false;
}

bool is_plain_http_off_loopback(std::string_view url, std::string* host) {
  if (url.size() < 7 || lower(url.substr(0, 7)) != "http://") return false;
  std::string_view h = url_host(url);
  if (host != nullptr) *host = std::string(h);
  return !h.empty() && !is_loopback_host(h);
}

void warn_plain_http_keys(const Config& config, DiagSink& sink) {
  for (const ProviderConfig& provider : config.providers) {
    std::string host;
    if (provider.api_key.empty() || !is_plain_http_off_loopback(effective_endpoint(provider), &host)) continue;
    const std::string path = key_path("providers", provider.id);
    sink.warning(key_path(path, provider.endpoint.empty() ? "preset" : "endpoint"),
                 clear_text_message("the provider's api_key", host));
  }
}

void warn_plain_http_rotation_keys(const Config& config, DiagSink& sink) {
  for (const RotationConfig& rotation : config.rotations) {
    const json::array* entries = get_array(rotation.raw, "providers");
    if (entries == nullptr) continue;
    const std::string path = key_path(key_path("rotations", rotation.id), "providers");
    for (std::size_t i = 0; i < entries->size(); ++i) {
      const json::object* entry = (*entries)[i].if_object();
      if (entry == nullptr || get_string(*entry, "api_key").value_or("").empty()) continue;
      const ProviderConfig* provider = config.find_provider(get_string(*entry, "provider_id").value_or(""));
      std::string host;
      if (provider == nullptr || !is_plain_http_off_loopback(effective_endpoint(*provider), &host)) continue;
      sink.warning(key_path(index_path(path, i), "api_key"), clear_text_message("this entry's api_key", host));
    }
  }
}

bool file_holds_secrets(const Config& config, std::string_view name) {
  if (name == kAisbfFile) {
    return !config.auth.tokens.empty() || !config.mcp.autoselect_tokens.empty() ||
           !config.mcp.fullconfig_tokens.empty();
  }
  if (name == kProvidersFile) {
    // As written: an "env:NAME" reference is no secret (its value is not in the file).
    return std::any_of(config.providers.begin(), config.providers.end(), [](const ProviderConfig& p) {
      const auto written = get_string(p.raw, "api_key").value_or("");
      return !written.empty() && !env_key_reference(written);
    });
  }
  if (name == kRotationsFile) {
    return std::any_of(config.rotations.begin(), config.rotations.end(), [](const RotationConfig& r) {
      return std::any_of(r.providers.begin(), r.providers.end(),
                         [](const RotationProvider& e) { return !e.api_key.empty(); });
    });
  }
  return false;
}

}  // namespace aisbf::config_detail
