// SOCKS5 (RFC 1928) as the upstream client speaks it to a provider's proxy
// (providers.json `proxy`), sans I/O: no authentication, CONNECT with the
// host name itself (ATYP 3) so that the proxy resolves it (tor: at the exit
// relay, never in aisbf's network); IP literals go as ATYP 1 or 4. Replies
// become error codes of socks5_category(), whose messages name tor's
// extended codes too (F0–F7, onion services).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <boost/system/error_code.hpp>

namespace aisbf::http::socks5 {

enum class Error {
  general_failure = 1,
  not_allowed = 2,
  network_unreachable = 3,
  host_unreachable = 4,
  connection_refused = 5,
  ttl_expired = 6,
  command_not_supported = 7,
  address_type_not_supported = 8,
  onion_descriptor_not_found = 0xF0,
  onion_descriptor_invalid = 0xF1,
  onion_intro_failed = 0xF2,
  onion_rendezvous_failed = 0xF3,
  onion_missing_client_auth = 0xF4,
  onion_wrong_client_auth = 0xF5,
  onion_bad_address = 0xF6,
  onion_intro_timed_out = 0xF7,
  // Ours, not the proxy's:
  not_socks5 = 0x100,            // the proxy answered with another version
  no_acceptable_method = 0x101,  // it wants authentication
  malformed_reply = 0x102,
  host_too_long = 0x103,  // a name over 255 bytes cannot be sent
};

const boost::system::error_category& socks5_category();
boost::system::error_code make_error_code(Error e);

// "no authentication" offered.
inline constexpr std::array<std::uint8_t, 3> kGreeting{0x05, 0x01, 0x00};
// The proxy's 2-byte answer to the greeting.
boost::system::error_code check_method_reply(std::span<const std::uint8_t, 2> reply);

// CONNECT host:port; host_too_long for a name past 255 bytes.
boost::system::error_code connect_request(std::string_view host, std::uint16_t port, std::vector<std::uint8_t>& out);

// The reply's whole size from its first 5 bytes (VER REP RSV ATYP and the
// address's first byte); 0 when they are malformed.
std::size_t reply_size(std::span<const std::uint8_t, 5> head);
// The whole reply: success, or the proxy's refusal as an error code.
boost::system::error_code check_reply(std::span<const std::uint8_t> reply);

}  // namespace aisbf::http::socks5

template <>
struct boost::system::is_error_code_enum<aisbf::http::socks5::Error> : std::true_type {};
