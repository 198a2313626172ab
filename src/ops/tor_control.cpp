#include "ops/tor_control.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

namespace aisbf::ops {

namespace {

constexpr std::size_t kMaxReplyLines = 1024;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> unhex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]);
    const int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

using Digest = std::array<std::uint8_t, 32>;

Digest safecookie_hmac(std::string_view key, std::span<const std::uint8_t> cookie,
                       std::span<const std::uint8_t> client_nonce, std::span<const std::uint8_t> server_nonce) {
  std::vector<std::uint8_t> message;
  message.reserve(cookie.size() + client_nonce.size() + server_nonce.size());
  message.insert(message.end(), cookie.begin(), cookie.end());
  message.insert(message.end(), client_nonce.begin(), client_nonce.end());
  message.insert(message.end(), server_nonce.begin(), server_nonce.end());
  Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), message.data(), message.size(), out.data(), &len);
  return out;
}

// The value of KEY in a reply line's arguments ("" when absent).
std::string argument(const std::vector<std::pair<std::string, std::string>>& args, std::string_view key) {
  for (const auto& [k, v] : args) {
    if (k == key) return v;
  }
  return {};
}

}  // namespace

std::string Reply::message() const {
  if (lines.empty()) return fmt::format("{}", status);
  return fmt::format("{} {}", status, lines.back().text);
}

ReplyParser::ReplyParser(std::size_t max_line, std::size_t max_reply) : max_line_(max_line), max_reply_(max_reply) {}

bool ReplyParser::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return false;
}

bool ReplyParser::feed(std::string_view bytes) {
  if (!error_.empty()) return false;
  while (!bytes.empty()) {
    const auto lf = bytes.find('\n');
    const auto piece = bytes.substr(0, lf);
    if (pending_.size() + piece.size() > max_line_ + 1) {  // +1: the CR
      return fail(fmt::format("a reply line longer than {} bytes", max_line_));
    }
    pending_.append(piece);
    if (lf == std::string_view::npos) return true;
    bytes.remove_prefix(lf + 1);
    if (pending_.empty() || pending_.back() != '\r') return fail("a reply line not ended by CRLF");
    pending_.pop_back();
    std::string line = std::move(pending_);
    pending_.clear();
    if (!take_line(line)) return false;
  }
  return true;
}

bool ReplyParser::take_line(std::string_view line) {
  current_bytes_ += line.size() + 2;
  if (current_bytes_ > max_reply_) return fail(fmt::format("a reply longer than {} bytes", max_reply_));
  if (in_data_) {
    if (line == ".") {
      in_data_ = false;
      return true;
    }
    if (line.starts_with('.')) line.remove_prefix(1);  // dot-stuffing
    auto& data = current_.lines.back().data;
    if (!data.empty()) data += '\n';
    data.append(line);
    return true;
  }
  if (line.size() < 4 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
      (line[3] != ' ' && line[3] != '-' && line[3] != '+')) {
    return fail("a reply line without a status code");
  }
  if (current_.lines.size() >= kMaxReplyLines)
    return fail(fmt::format("a reply of more than {} lines", kMaxReplyLines));
  ReplyLine parsed;
  parsed.status = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  parsed.separator = line[3];
  parsed.text = std::string(line.substr(4));
  if (!current_.lines.empty() && current_.lines.front().status != parsed.status) {
    return fail("a reply whose lines carry different status codes");
  }
  current_.lines.push_back(std::move(parsed));
  const char separator = line[3];
  if (separator == '+') in_data_ = true;
  if (separator == ' ') {
    current_.status = current_.lines.back().status;
    if (current_.status / 100 != 6) done_.push_back(std::move(current_));
    current_ = Reply{};
    current_bytes_ = 0;
  }
  return true;
}

std::optional<Reply> ReplyParser::pop() {
  if (done_.empty()) return std::nullopt;
  Reply r = std::move(done_.front());
  done_.pop_front();
  return r;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_arguments(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    const auto eq = text.find('=', i);
    const auto space = text.find(' ', i);
    if (eq == std::string_view::npos || (space != std::string_view::npos && space < eq)) {
      // A bare word (PROTOCOLINFO's "1", AUTH's first word): kept with an empty value.
      const auto end = space == std::string_view::npos ? text.size() : space;
      out.emplace_back(std::string(text.substr(i, end - i)), std::string());
      i = end;
      continue;
    }
    std::string key(text.substr(i, eq - i));
    if (key.empty()) return std::nullopt;
    i = eq + 1;
    std::string value;
    if (i < text.size() && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char c = text[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\') {
          value += c;
          continue;
        }
        if (i >= text.size()) return std::nullopt;
        c = text[i++];
        if (c >= '0' && c <= '7') {  // up to three octal digits
          int v = c - '0';
          for (int k = 0; k < 2 && i < text.size() && text[i] >= '0' && text[i] <= '7'; ++k)
            v = v * 8 + (text[i++] - '0');
          if (v > 255) return std::nullopt;
          value += static_cast<char>(v);
        } else if (c == 'n') {
          value += '\n';
        } else if (c == 't') {
          value += '\t';
        } else if (c == 'r') {
          value += '\r';
        } else {
          value += c;
        }
      }
      if (!closed || (i < text.size() && text[i] != ' ')) return std::nullopt;
    } else {
      const auto end = text.find(' ', i);
      value = std::string(text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
      i = end == std::string_view::npos ? text.size() : end;
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

bool ProtocolInfo::has(std::string_view method) const {
  return std::find(methods.begin(), methods.end(), method) != methods.end();
}

TorOutcome<ProtocolInfo> parse_protocolinfo(const Reply& reply) {
  if (!reply.ok()) return {std::nullopt, "PROTOCOLINFO refused: " + reply.message()};
  ProtocolInfo info;
  bool saw_auth = false;
  for (const auto& line : reply.lines) {
    const std::string_view text = line.text;
    const auto space = text.find(' ');
    const auto word = text.substr(0, space);
    if (word != "AUTH" && word != "VERSION") continue;
    auto args = parse_arguments(space == std::string_view::npos ? std::string_view{} : text.substr(space + 1));
    if (!args) return {std::nullopt, "a malformed PROTOCOLINFO line: " + std::string(text.substr(0, 200))};
    if (word == "VERSION") {
      info.version = argument(*args, "Tor");
      continue;
    }
    saw_auth = true;
    const std::string methods = argument(*args, "METHODS");
    for (std::size_t start = 0; start < methods.size();) {
      auto comma = methods.find(',', start);
      if (comma == std::string::npos) comma = methods.size();
      if (comma > start) info.methods.push_back(methods.substr(start, comma - start));
      start = comma + 1;
    }
    info.cookie_file = argument(*args, "COOKIEFILE");
  }
  if (!saw_auth || info.methods.empty()) return {std::nullopt, "PROTOCOLINFO named no authentication method"};
  return {std::move(info), {}};
}

TorOutcome<AuthMethod> choose_auth(const ProtocolInfo& info, bool have_password) {
  if (info.has("NULL")) return {AuthMethod::none, {}};
  if (have_password) {
    if (info.has("HASHEDPASSWORD")) return {AuthMethod::password, {}};
    return {std::nullopt,
            "tor.control_password is set, but tor does not take a password (no HashedControlPassword "
            "in its torrc); it offers: " +
                fmt::format("{}", fmt::join(info.methods, ", "))};
  }
  const bool cookie_file = !info.cookie_file.empty();
  if (info.has("SAFECOOKIE") && cookie_file) return {AuthMethod::safecookie, {}};
  // COOKIE alone is refused: it sends the file's bytes to whatever listens
  // on the control port, with no proof that it is the tor that wrote the
  // file (tor offers SAFECOOKIE whenever CookieAuthentication is on).
  if (info.has("COOKIE") && cookie_file) {
    return {std::nullopt,
            "tor offers COOKIE authentication but not SAFECOOKIE; aisbf only uses SAFECOOKIE (it proves the "
            "control port is tor's before the cookie is used): is this tor?"};
  }
  if (info.has("HASHEDPASSWORD")) {
    return {std::nullopt, "tor wants a control password: set tor.control_password in aisbf.json"};
  }
  return {std::nullopt,
          "no authentication method aisbf can use; tor offers: " + fmt::format("{}", fmt::join(info.methods, ", "))};
}

std::string authenticate_password(std::string_view password) { return "AUTHENTICATE " + quote(password) + "\r\n"; }
std::string authenticate_none() { return "AUTHENTICATE\r\n"; }
std::string authenticate_cookie(std::span<const std::uint8_t> cookie) { return "AUTHENTICATE " + hex(cookie) + "\r\n"; }

std::string authchallenge_command(std::span<const std::uint8_t> client_nonce) {
  return "AUTHCHALLENGE SAFECOOKIE " + hex(client_nonce) + "\r\n";
}

TorOutcome<std::string> safecookie_authenticate(const Reply& reply, std::span<const std::uint8_t> cookie,
                                                std::span<const std::uint8_t> client_nonce) {
  if (!reply.ok()) return {std::nullopt, "AUTHCHALLENGE refused: " + reply.message()};
  const std::string_view text = reply.lines.back().text;
  if (!text.starts_with("AUTHCHALLENGE ")) return {std::nullopt, "a malformed AUTHCHALLENGE reply"};
  auto args = parse_arguments(text.substr(14));
  if (!args) return {std::nullopt, "a malformed AUTHCHALLENGE reply"};
  auto server_hash = unhex(argument(*args, "SERVERHASH"));
  auto server_nonce = unhex(argument(*args, "SERVERNONCE"));
  if (!server_hash || server_hash->size() != 32 || !server_nonce || server_nonce->size() != kNonceSize) {
    return {std::nullopt, "a malformed AUTHCHALLENGE reply (SERVERHASH and SERVERNONCE must be 32 bytes in hex)"};
  }
  const Digest expected =
      safecookie_hmac("Tor safe cookie authentication server-to-controller hash", cookie, client_nonce, *server_nonce);
  if (CRYPTO_memcmp(expected.data(), server_hash->data(), expected.size()) != 0) {
    return {std::nullopt,
            "tor's SAFECOOKIE hash does not match the cookie file (another process on the control "
            "port, or a stale cookie)"};
  }
  const Digest response =
      safecookie_hmac("Tor safe cookie authentication controller-to-server hash", cookie, client_nonce, *server_nonce);
  return {"AUTHENTICATE " + hex(response) + "\r\n", {}};
}

std::string add_onion_command(const OnionRequest& request) {
  std::string out = "ADD_ONION " + request.key;
  if (request.discard_key) out += " Flags=DiscardPK";
  out += fmt::format(" Port={},{}\r\n", request.virtual_port, request.target);
  return out;
}

TorOutcome<OnionService> parse_add_onion(const Reply& reply) {
  if (!reply.ok()) return {std::nullopt, "ADD_ONION refused: " + reply.message()};
  OnionService service;
  for (const auto& line : reply.lines) {
    const std::string_view text = line.text;
    if (text.starts_with("ServiceID=")) service.service_id = std::string(text.substr(10));
    if (text.starts_with("PrivateKey=")) service.private_key = std::string(text.substr(11));
  }
  const bool id_ok = service.service_id.size() == 56 &&
                     std::all_of(service.service_id.begin(), service.service_id.end(),
                                 [](char c) { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); });
  if (!id_ok) return {std::nullopt, "ADD_ONION answered without a v3 ServiceID"};
  if (!service.private_key.empty() && !valid_onion_key(service.private_key)) {
    return {std::nullopt, "ADD_ONION answered with a PrivateKey that is not ED25519-V3"};
  }
  return {std::move(service), {}};
}

std::string del_onion_command(std::string_view service_id) { return fmt::format("DEL_ONION {}\r\n", service_id); }

bool valid_onion_key(std::string_view key) {
  constexpr std::string_view prefix = "ED25519-V3:";
  if (!key.starts_with(prefix)) return false;
  key.remove_prefix(prefix.size());
  if (key.size() != 88) return false;  // 64 bytes in base64, "==" included
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool b64 = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
    if (!b64 && !(c == '=' && i >= 86)) return false;
  }
  return true;
}

}  // namespace aisbf::ops
