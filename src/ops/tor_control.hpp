// tor's control protocol (https://spec.torproject.org/control-spec), sans
// I/O: commands as text to write, replies parsed from the bytes read. The
// connection itself is pipeline/tor_service.hpp's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aisbf::ops {

// A value or the reason there is none (a message for the operator).
template <class T>
struct TorOutcome {
  std::optional<T> value;
  std::string error;
  explicit operator bool() const { return value.has_value(); }
};

// One reply line: "250-key=value" (mid), "250 OK" (end) or "250+key=" (its
// data lines follow, up to a lone "."; dot-stuffing undone).
struct ReplyLine {
  int status = 0;
  char separator = ' ';  // '-', ' ' or '+'
  std::string text;      // after the separator
  std::string data;      // the data lines of a '+' line, joined with '\n'
};

struct Reply {
  int status = 0;  // the final line's
  std::vector<ReplyLine> lines;
  bool ok() const { return status == 250; }
  // "515 Authentication failed: …": the final line as tor wrote it.
  std::string message() const;
};

// Splits the byte stream into replies. Bounded: a line past `max_line`
// bytes or a reply past `max_reply` bytes or lines is a protocol error, as
// is anything that is not "<3 digits><sep>" or ends with bare LF. Asynchronous
// events (6xx) are dropped (aisbf asks for none).
class ReplyParser {
 public:
  explicit ReplyParser(std::size_t max_line = 16 * 1024, std::size_t max_reply = 256 * 1024);
  // False on a protocol error (error() says which); the connection should close.
  bool feed(std::string_view bytes);
  std::optional<Reply> pop();
  const std::string& error() const { return error_; }

 private:
  bool take_line(std::string_view line);
  bool fail(std::string why);

  std::size_t max_line_;
  std::size_t max_reply_;
  std::string pending_;  // bytes of an unfinished line
  Reply current_;
  std::size_t current_bytes_ = 0;
  bool in_data_ = false;  // reading the data lines of a '+' line
  std::deque<Reply> done_;
  std::string error_;
};

// A control-spec QuotedString: "…" with \ and " escaped. Control characters
// cannot be quoted (config/ refuses them in the password).
std::string quote(std::string_view text);

// `KEY=VALUE KEY="quoted value"` arguments of a reply line, in order;
// quoted values unescaped (\\ \" \n \t \r and octal). nullopt when malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_arguments(std::string_view text);

// ---- authentication ----

struct ProtocolInfo {
  std::vector<std::string> methods;  // NULL, HASHEDPASSWORD, COOKIE, SAFECOOKIE
  std::string cookie_file;
  std::string version;  // tor's version, when given
  bool has(std::string_view method) const;
};

inline constexpr std::string_view kProtocolInfoCommand = "PROTOCOLINFO 1\r\n";
TorOutcome<ProtocolInfo> parse_protocolinfo(const Reply& reply);

enum class AuthMethod { none, password, safecookie, cookie };
// What to use: a configured password wins; otherwise SAFECOOKIE, COOKIE,
// then NULL, as tor offers them. An error says what tor wants and what is missing.
TorOutcome<AuthMethod> choose_auth(const ProtocolInfo& info, bool have_password);

std::string authenticate_password(std::string_view password);
std::string authenticate_none();
std::string authenticate_cookie(std::span<const std::uint8_t> cookie);

inline constexpr std::size_t kCookieSize = 32;
inline constexpr std::size_t kNonceSize = 32;
// AUTHCHALLENGE SAFECOOKIE <client nonce, hex>.
std::string authchallenge_command(std::span<const std::uint8_t> client_nonce);
// Checks the server's hash in the AUTHCHALLENGE reply (HMAC-SHA256 keyed by
// "Tor safe cookie authentication server-to-controller hash" over cookie |
// client nonce | server nonce) and gives the AUTHENTICATE command with the
// controller-to-server hash.
TorOutcome<std::string> safecookie_authenticate(const Reply& reply, std::span<const std::uint8_t> cookie,
                                                std::span<const std::uint8_t> client_nonce);

// ---- onion services ----

struct OnionRequest {
  // "NEW:ED25519-V3" or a stored "ED25519-V3:<base64>".
  std::string key = "NEW:ED25519-V3";
  bool discard_key = true;  // ephemeral: tor does not send the private key
  int virtual_port = 80;
  std::string target;  // "127.0.0.1:17765"
};
std::string add_onion_command(const OnionRequest& request);

struct OnionService {
  std::string service_id;   // 56 base32 characters, without ".onion"
  std::string private_key;  // "ED25519-V3:<base64>", when tor sent one
};
TorOutcome<OnionService> parse_add_onion(const Reply& reply);

std::string del_onion_command(std::string_view service_id);

// A stored key as ADD_ONION takes it: "ED25519-V3:" and 88 base64 characters.
bool valid_onion_key(std::string_view key);

}  // namespace aisbf::ops
