#include "core/ip_range.hpp"

#include <charconv>
#include <variant>

#include "core/address_policy.hpp"

namespace aisbf {

namespace {

using Bytes = std::array<std::uint8_t, 16>;

// A plain IP literal: dotted-quad IPv4 or IPv6. The inet_aton spellings
// parse_ip_literal also takes (127.1, 0x7f.0.0.1) are refused: in a list of
// trusted peers they would only hide what is meant.
bool is_dotted_quad(std::string_view text) {
  int parts = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto dot = text.find('.', pos);
    const auto part = text.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return false;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
    }
    ++parts;
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return parts == 4;
}

std::optional<Bytes> address_bytes(std::string_view text, bool strict) {
  if (text.empty() || text.front() == '[') return std::nullopt;
  const bool v4 = text.find(':') == std::string_view::npos;
  if (strict && v4 && !is_dotted_quad(text)) return std::nullopt;
  if (strict && !v4 && text.find('%') != std::string_view::npos) return std::nullopt;
  auto parsed = parse_ip_literal(text);
  if (!parsed) return std::nullopt;
  Bytes out{};
  if (const auto* a4 = std::get_if<Ipv4Bytes>(&*parsed)) {
    out[10] = out[11] = 0xff;
    for (int i = 0; i < 4; ++i) out[12 + i] = (*a4)[i];
  } else {
    out = std::get<Ipv6Bytes>(*parsed);
  }
  return out;
}

bool same_prefix(const Bytes& a, const Bytes& b, int bits) {
  const int whole = bits / 8;
  for (int i = 0; i < whole; ++i) {
    if (a[i] != b[i]) return false;
  }
  const int rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

IpRangeParse parse_ip_range(std::string_view text) {
  const auto slash = text.find('/');
  const auto address = text.substr(0, slash);
  const auto bytes = address_bytes(address, true);
  if (!bytes) return {std::nullopt, "expected an IP address (127.0.0.1, ::1) or a CIDR range (10.0.0.0/8, fd00::/8)"};
  const bool v4 = address.find(':') == std::string_view::npos;
  const int width = v4 ? 32 : 128;
  int bits = width;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || bits < 0 || bits > width) {
      return {std::nullopt, v4 ? "an IPv4 prefix length is 0 to 32" : "an IPv6 prefix length is 0 to 128"};
    }
  }
  IpRange range{*bytes, bits + (v4 ? 96 : 0)};
  Bytes masked{};
  for (int i = 0; i < 16; ++i) {
    const int left = range.prefix_bits - i * 8;
    masked[i] = left >= 8   ? range.bytes[i]
                : left <= 0 ? 0
                            : static_cast<std::uint8_t>(range.bytes[i] & (0xff << (8 - left)));
  }
  if (masked != range.bytes) {
    return {std::nullopt,
            "host bits are set after the prefix: write the network address (10.0.0.0/8) or a single address"};
  }
  return {range, {}};
}

bool in_range(const IpRange& range, std::string_view address) {
  const auto bytes = address_bytes(address, false);
  return bytes && same_prefix(*bytes, range.bytes, range.prefix_bits);
}

bool in_any_range(std::span<const IpRange> ranges, std::string_view address) {
  if (ranges.empty()) return false;
  const auto bytes = address_bytes(address, false);
  if (!bytes) return false;
  for (const auto& r : ranges) {
    if (same_prefix(*bytes, r.bytes, r.prefix_bits)) return true;
  }
  return false;
}

std::string forwarded_client(std::string_view peer, std::string_view x_forwarded_for,
                             std::span<const IpRange> trusted) {
  if (x_forwarded_for.empty() || !in_any_range(trusted, peer)) return std::string(peer);
  std::string_view hop = peer;
  std::string_view rest = x_forwarded_for;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    auto entry = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
    while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
    if (!address_bytes(entry, false)) break;
    hop = entry;
    if (!in_any_range(trusted, entry)) break;
  }
  return std::string(hop);
}

namespace {

// The last comma-separated entry, trimmed: what the nearest proxy wrote.
std::string_view last_entry(std::string_view list) {
  const auto comma = list.rfind(',');
  auto entry = comma == std::string_view::npos ? list : list.substr(comma + 1);
  while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
  while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
  return entry;
}

bool is_host_text(std::string_view host) {
  constexpr std::size_t kMaxHost = 255 + 6;  // a DNS name and ":port"
  if (host.empty() || host.size() > kMaxHost) return false;
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

}  // namespace

ClientView client_view(std::string_view peer, bool tls, const ForwardedHeaders& headers,
                       std::span<const IpRange> trusted) {
  ClientView view;
  view.https = tls;
  if (trusted.empty() || !in_any_range(trusted, peer)) {
    view.address = std::string(peer);
    return view;
  }
  view.address = forwarded_client(peer, headers.x_forwarded_for, trusted);
  view.https = tls || iequals(last_entry(headers.x_forwarded_proto), "https");
  if (const auto host = last_entry(headers.x_forwarded_host); is_host_text(host)) view.host = std::string(host);
  return view;
}

}  // namespace aisbf
