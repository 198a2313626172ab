#include "auth/host_check.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace aisbf::auth {
namespace {

TEST(HostCheck, LoopbackNames) {
  for (std::string_view h : {"localhost", "LocalHost", "app.localhost", "a.b-c.LOCALHOST", "127.0.0.1", "127.1.2.3",
                             "127.255.255.255", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_loopback_name(h)) << h;
  }
  for (std::string_view h : {"", "127.evil.example", "127.0.0.1.nip.io", "127.1", "127.0.0.01", "0x7f.0.0.1",
                             "128.0.0.1", "10.0.0.1", "0.0.0.0", "::", "::2", "[::1", "localhost.", "localhost.evil",
                             ".localhost", "evillocalhost", "a..localhost", "a_b.localhost", "example.com"}) {
    EXPECT_FALSE(is_loopback_name(h)) << h;
  }
}

TEST(HostCheck, HostHeaderName) {
  EXPECT_EQ(host_header_name("localhost:17765"), "localhost");
  EXPECT_EQ(host_header_name("localhost"), "localhost");
  EXPECT_EQ(host_header_name("[::1]:80"), "::1");
  EXPECT_EQ(host_header_name("[::1]"), "::1");
  EXPECT_EQ(host_header_name("127.0.0.1:x"), "");
  EXPECT_EQ(host_header_name("127.0.0.1:"), "");
  EXPECT_EQ(host_header_name("::1"), "");  // unbracketed IPv6 is not a Host value
  EXPECT_EQ(host_header_name("[::1]x"), "");
  EXPECT_EQ(host_header_name("[::1"), "");
}

TEST(HostCheck, AllowedLoopbackHosts) {
  const std::vector<std::string> none;
  const std::vector<std::string> allowed{"gateway.example", "box"};
  for (std::string_view h : {"", "localhost", "localhost:1", "127.0.0.1:17765", "[::1]:17765", "[::1]", "x.localhost:8"})
    EXPECT_TRUE(is_allowed_loopback_host(h, none)) << h;
  for (std::string_view h : {"127.evil.example", "127.0.0.1.nip.io:80", "evil.example", "[localhost]", "[127.0.0.1]",
                             "localhost:port", "::1", "gateway.example"})
    EXPECT_FALSE(is_allowed_loopback_host(h, none)) << h;
  EXPECT_TRUE(is_allowed_loopback_host("Gateway.Example:443", allowed));
  EXPECT_TRUE(is_allowed_loopback_host("box", allowed));
  EXPECT_FALSE(is_allowed_loopback_host("other.example", allowed));
  EXPECT_FALSE(is_allowed_loopback_host("gateway.example.evil", allowed));
}

TEST(HostCheck, SameSiteOrigin) {
  const std::vector<std::string> allowed{"gateway.example"};
  const SiteRules loopback{true, allowed};
  const SiteRules remote{false, allowed};
  EXPECT_TRUE(is_same_site_origin("", "127.0.0.1:1", loopback));
  EXPECT_TRUE(is_same_site_origin("http://127.0.0.1:1", "127.0.0.1:1", loopback));
  EXPECT_TRUE(is_same_site_origin("http://gw.example.com", "GW.example.com", remote));
  EXPECT_TRUE(is_same_site_origin("http://localhost:3000", "127.0.0.1:1", loopback));
  EXPECT_TRUE(is_same_site_origin("https://gateway.example", "127.0.0.1:1", loopback));
  EXPECT_FALSE(is_same_site_origin("http://localhost:3000", "gw.example.com", remote));
  EXPECT_FALSE(is_same_site_origin("http://evil.example", "127.0.0.1:1", loopback));
  EXPECT_FALSE(is_same_site_origin("http://127.evil.example", "127.0.0.1:1", loopback));
  EXPECT_FALSE(is_same_site_origin("null", "127.0.0.1:1", loopback));
  EXPECT_FALSE(is_same_site_origin("http://127.0.0.1:1/path", "127.0.0.1:1", loopback));
}

}  // namespace
}  // namespace aisbf::auth
