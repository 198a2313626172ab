#include "core/ip_range.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace aisbf {
namespace {

IpRange must(std::string_view text) {
  auto parsed = parse_ip_range(text);
  EXPECT_TRUE(parsed.range) << text << ": " << parsed.error;
  return parsed.range.value_or(IpRange{});
}

TEST(IpRange, SingleAddressesMatchOnlyThemselves) {
  const auto v4 = must("127.0.0.1");
  EXPECT_TRUE(in_range(v4, "127.0.0.1"));
  EXPECT_TRUE(in_range(v4, "::ffff:127.0.0.1"));  // a dual-stack socket's spelling
  EXPECT_FALSE(in_range(v4, "127.0.0.2"));
  const auto v6 = must("::1");
  EXPECT_TRUE(in_range(v6, "::1"));
  EXPECT_TRUE(in_range(v6, "0:0:0:0:0:0:0:1"));
  EXPECT_FALSE(in_range(v6, "127.0.0.1"));
}

TEST(IpRange, PrefixesCoverTheirNetworkOnly) {
  const auto net = must("10.0.0.0/8");
  EXPECT_TRUE(in_range(net, "10.255.1.2"));
  EXPECT_FALSE(in_range(net, "11.0.0.0"));
  const auto odd = must("192.168.4.0/22");
  EXPECT_TRUE(in_range(odd, "192.168.7.255"));
  EXPECT_FALSE(in_range(odd, "192.168.8.0"));
  const auto ula = must("fd00::/8");
  EXPECT_TRUE(in_range(ula, "fd12:3456::1"));
  EXPECT_FALSE(in_range(ula, "fe80::1"));
  const auto all4 = must("0.0.0.0/0");
  EXPECT_TRUE(in_range(all4, "8.8.8.8"));
  EXPECT_FALSE(in_range(all4, "2001:db8::1"));  // every IPv4 address, not every address
  EXPECT_TRUE(in_range(must("::/0"), "2001:db8::1"));
}

TEST(IpRange, RefusesWhatIsNotARange) {
  for (std::string_view bad :
       {"", "localhost", "127.1", "0x7f.0.0.1", "010.0.0.1", "127.0.0.1/33", "::1/129", "10.0.0.0/", "10.0.0.0/8x",
        "10.0.0.0/-1", "[::1]", "fe80::1%eth0", "10.0.0.1/8", "fd00::1/8", "1.2.3.4.5"}) {
    const auto parsed = parse_ip_range(bad);
    EXPECT_FALSE(parsed.range) << bad;
    EXPECT_FALSE(parsed.error.empty()) << bad;
  }
  EXPECT_NE(parse_ip_range("10.0.0.1/8").error.find("host bits"), std::string::npos);
}

TEST(IpRange, AnyOfAList) {
  const std::vector<IpRange> list{must("127.0.0.1"), must("10.0.0.0/8")};
  EXPECT_TRUE(in_any_range(list, "10.1.2.3"));
  EXPECT_TRUE(in_any_range(list, "127.0.0.1"));
  EXPECT_FALSE(in_any_range(list, "192.168.0.1"));
  EXPECT_FALSE(in_any_range(list, ""));
  EXPECT_FALSE(in_any_range(list, "not an address"));
  EXPECT_FALSE(in_any_range({}, "127.0.0.1"));
}

TEST(IpRange, ForwardedClientBelievesTrustedHopsOnly) {
  const std::vector<IpRange> proxies{must("127.0.0.1"), must("10.0.0.0/8")};
  // The proxy appended the client it saw; what the client wrote before is not believed.
  EXPECT_EQ(forwarded_client("127.0.0.1", "203.0.113.5", proxies), "203.0.113.5");
  EXPECT_EQ(forwarded_client("127.0.0.1", "198.51.100.1, 203.0.113.5", proxies), "203.0.113.5");
  // Two trusted proxies in a row: the first address neither of them is.
  EXPECT_EQ(forwarded_client("127.0.0.1", "203.0.113.5, 10.1.2.3", proxies), "203.0.113.5");
  EXPECT_EQ(forwarded_client("::ffff:127.0.0.1", " 203.0.113.5 ,10.1.2.3 ", proxies), "203.0.113.5");
  // A peer not listed: its header means nothing.
  EXPECT_EQ(forwarded_client("192.0.2.9", "203.0.113.5", proxies), "192.0.2.9");
  EXPECT_EQ(forwarded_client("127.0.0.1", "203.0.113.5", {}), "127.0.0.1");
  // No header, or a hop that is not an address: the last trusted hop.
  EXPECT_EQ(forwarded_client("127.0.0.1", "", proxies), "127.0.0.1");
  EXPECT_EQ(forwarded_client("127.0.0.1", "203.0.113.5, garbage", proxies), "127.0.0.1");
  EXPECT_EQ(forwarded_client("127.0.0.1", "garbage, 10.0.0.7", proxies), "10.0.0.7");
  // Only trusted hops: the leftmost of them.
  EXPECT_EQ(forwarded_client("127.0.0.1", "10.0.0.8, 10.0.0.7", proxies), "10.0.0.8");
}

TEST(IpRange, ClientViewFromTrustedProxiesOnly) {
  const std::vector<IpRange> proxies{must("127.0.0.1")};
  const ForwardedHeaders sent{"203.0.113.5", "https", "gw.example.com"};
  const auto trusted = client_view("127.0.0.1", false, sent, proxies);
  EXPECT_EQ(trusted.address, "203.0.113.5");
  EXPECT_TRUE(trusted.https);
  EXPECT_EQ(trusted.host, "gw.example.com");
  // Another peer: its headers are ignored; our own TLS still counts.
  const auto other = client_view("192.0.2.9", false, sent, proxies);
  EXPECT_EQ(other.address, "192.0.2.9");
  EXPECT_FALSE(other.https);
  EXPECT_EQ(other.host, "");
  EXPECT_TRUE(client_view("192.0.2.9", true, sent, proxies).https);
  EXPECT_FALSE(client_view("127.0.0.1", false, sent, {}).https);
  // The nearest proxy's entry counts (a client's own "https" to its left does not).
  EXPECT_FALSE(client_view("127.0.0.1", false, {"", "https, http", ""}, proxies).https);
  EXPECT_TRUE(client_view("127.0.0.1", false, {"", "HTTPS", ""}, proxies).https);
  EXPECT_EQ(client_view("127.0.0.1", false, {"", "", "evil.example, gw.example:8443"}, proxies).host,
            "gw.example:8443");
  // A host that is no host is dropped.
  EXPECT_EQ(client_view("127.0.0.1", false, {"", "", "gw.example/evil"}, proxies).host, "");
  EXPECT_EQ(client_view("127.0.0.1", false, {"", "", "a b"}, proxies).host, "");
}

}  // namespace
}  // namespace aisbf
