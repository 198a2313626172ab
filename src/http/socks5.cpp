#include "http/socks5.hpp"

#include <string>

#include <boost/asio/ip/address.hpp>

namespace aisbf::http::socks5 {

namespace {

class Category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "socks5"; }
  std::string message(int code) const override {
    switch (static_cast<Error>(code)) {
      case Error::general_failure:
        return "the SOCKS5 proxy failed (general failure)";
      case Error::not_allowed:
        return "the SOCKS5 proxy's rules do not allow this connection";
      case Error::network_unreachable:
        return "the SOCKS5 proxy says: network unreachable";
      case Error::host_unreachable:
        return "the SOCKS5 proxy says: host unreachable (or its name does not resolve)";
      case Error::connection_refused:
        return "the SOCKS5 proxy says: connection refused by the host";
      case Error::ttl_expired:
        return "the SOCKS5 proxy says: TTL expired (the connection timed out)";
      case Error::command_not_supported:
        return "the SOCKS5 proxy does not support CONNECT";
      case Error::address_type_not_supported:
        return "the SOCKS5 proxy does not support this address type";
      case Error::onion_descriptor_not_found:
        return "tor: the onion service's descriptor cannot be found";
      case Error::onion_descriptor_invalid:
        return "tor: the onion service's descriptor is invalid";
      case Error::onion_intro_failed:
        return "tor: introduction to the onion service failed";
      case Error::onion_rendezvous_failed:
        return "tor: rendezvous with the onion service failed";
      case Error::onion_missing_client_auth:
        return "tor: the onion service needs client authorization";
      case Error::onion_wrong_client_auth:
        return "tor: the onion service refused the client authorization";
      case Error::onion_bad_address:
        return "tor: not a valid onion address";
      case Error::onion_intro_timed_out:
        return "tor: introduction to the onion service timed out";
      case Error::not_socks5:
        return "the proxy does not speak SOCKS5";
      case Error::no_acceptable_method:
        return "the SOCKS5 proxy wants authentication (aisbf sends none)";
      case Error::malformed_reply:
        return "the SOCKS5 proxy's reply is malformed";
      case Error::host_too_long:
        return "the host name is too long for SOCKS5 (over 255 bytes)";
    }
    return "the SOCKS5 proxy refused the connection (reply " + std::to_string(code) + ")";
  }
};

}  // namespace

const boost::system::error_category& socks5_category() {
  static const Category category;
  return category;
}

boost::system::error_code make_error_code(Error e) { return {static_cast<int>(e), socks5_category()}; }

boost::system::error_code check_method_reply(std::span<const std::uint8_t, 2> reply) {
  if (reply[0] != 0x05) return Error::not_socks5;
  if (reply[1] != 0x00) return Error::no_acceptable_method;
  return {};
}

boost::system::error_code connect_request(std::string_view host, std::uint16_t port, std::vector<std::uint8_t>& out) {
  out = {0x05, 0x01, 0x00};
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  if (!ec && address.is_v4()) {
    out.push_back(0x01);
    for (auto b : address.to_v4().to_bytes()) out.push_back(b);
  } else if (!ec) {
    out.push_back(0x04);
    for (auto b : address.to_v6().to_bytes()) out.push_back(b);
  } else {
    if (host.empty() || host.size() > 255) return Error::host_too_long;
    out.push_back(0x03);
    out.push_back(static_cast<std::uint8_t>(host.size()));
    out.insert(out.end(), host.begin(), host.end());
  }
  out.push_back(static_cast<std::uint8_t>(port >> 8));
  out.push_back(static_cast<std::uint8_t>(port & 0xff));
  return {};
}

std::size_t reply_size(std::span<const std::uint8_t, 5> head) {
  if (head[0] != 0x05 || head[2] != 0x00) return 0;
  switch (head[3]) {
    case 0x01:
      return 4 + 4 + 2;
    case 0x04:
      return 4 + 16 + 2;
    case 0x03:
      return head[4] == 0 ? 0 : 4 + 1 + head[4] + 2;
    default:
      return 0;
  }
}

boost::system::error_code check_reply(std::span<const std::uint8_t> reply) {
  if (reply.size() < 5) return Error::malformed_reply;
  if (reply[0] != 0x05) return Error::not_socks5;
  if (reply[1] != 0x00) {
    const int code = reply[1];
    if ((code >= 1 && code <= 8) || (code >= 0xF0 && code <= 0xF7)) return make_error_code(static_cast<Error>(code));
    return Error::general_failure;
  }
  const std::span<const std::uint8_t, 5> head(reply.data(), 5);
  if (reply_size(head) != reply.size()) return Error::malformed_reply;
  return {};
}

}  // namespace aisbf::http::socks5
