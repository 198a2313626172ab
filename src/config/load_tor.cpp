// aisbf.json `tor` (AISBF's fields) and providers.json `proxy`, which may
// name tor's SOCKS port.
#include <charconv>

#include <fmt/format.h>

#include "config/load_internal.hpp"
#include "config/schema.hpp"
#include "core/ip_range.hpp"

namespace aisbf::config_detail {

namespace {

// The gateway connects to a SOCKS proxy without DNS: an IP address or localhost.
bool is_address(std::string_view host) {
  return host == "localhost" || (host.find('/') == std::string_view::npos && parse_ip_range(host).range.has_value());
}

const Range kPort{1, false, 65535.0};

void read_port(const json::object& tor, std::string_view key, DiagSink& sink, int& out) {
  if (!check_range(tor, key, "tor", kPort, sink)) return;
  if (auto port = get_int(tor, key)) out = static_cast<int>(*port);
}

void read_host(const json::object& tor, std::string_view key, DiagSink& sink, std::string& out) {
  auto host = get_string(tor, key);
  if (!host) return;
  if (host->empty()) {
    sink.error(key_path("tor", key), "must not be empty");
    return;
  }
  if (check_no_control(*host, key_path("tor", key), "it is a host name to connect to", sink)) out = *host;
}

// "socks5://host:port" (or socks5h://, the same here: the proxy always
// resolves the name).
std::optional<SocksProxy> parse_socks_url(std::string_view url) {
  for (std::string_view scheme : {"socks5://", "socks5h://"}) {
    if (!url.starts_with(scheme)) continue;
    std::string_view rest = url.substr(scheme.size());
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    std::string_view host;
    std::string_view port_text;
    if (rest.starts_with('[')) {
      const auto close = rest.find(']');
      if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') return std::nullopt;
      host = rest.substr(1, close - 1);
      port_text = rest.substr(close + 2);
    } else {
      const auto colon = rest.rfind(':');
      if (colon == std::string_view::npos) return std::nullopt;
      host = rest.substr(0, colon);
      port_text = rest.substr(colon + 1);
    }
    if (!is_address(host)) return std::nullopt;
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return std::nullopt;
    }
    return SocksProxy{std::string(host), static_cast<std::uint16_t>(port), false};
  }
  return std::nullopt;
}

}  // namespace

void load_tor(const json::object& tor, DiagSink& sink, TorConfig& out) {
  check_fields(tor, "tor", tor_schema(), sink);
  if (auto enabled = get_bool(tor, "enabled")) out.enabled = *enabled;
  read_host(tor, "control_host", sink, out.control_host);
  read_port(tor, "control_port", sink, out.control_port);
  if (auto password = get_string(tor, "control_password")) {
    // Sent quoted on the control connection: a line break would end the command.
    if (check_no_control(*password, "tor.control_password", "it is sent in a tor control command", sink)) {
      out.control_password = *password;
    }
  }
  if (auto dir = get_string(tor, "hidden_service_dir")) out.hidden_service_dir = *dir;
  read_port(tor, "hidden_service_port", sink, out.hidden_service_port);
  read_host(tor, "socks_host", sink, out.socks_host);
  if (!is_address(out.socks_host)) sink.error("tor.socks_host", "expected an IP address (or localhost)");
  read_port(tor, "socks_port", sink, out.socks_port);
}

void read_provider_proxy(const json::object& provider, const std::string& path, const TorConfig& tor, DiagSink& sink,
                         std::optional<SocksProxy>& out) {
  auto proxy = get_string(provider, "proxy");
  if (!proxy || proxy->empty()) return;
  if (*proxy == "tor") {
    out = SocksProxy{tor.socks_host, static_cast<std::uint16_t>(tor.socks_port), true};
    return;
  }
  if (auto socks = parse_socks_url(*proxy)) {
    out = std::move(*socks);
    return;
  }
  sink.error(key_path(path, "proxy"),
             "expected \"tor\" (aisbf.json tor.socks_host and socks_port) or "
             "\"socks5://host:port\"");
}

}  // namespace aisbf::config_detail
