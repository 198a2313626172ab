#include "core/address_policy.hpp"

#include <gtest/gtest.h>

#include <string>

namespace aisbf {
namespace {

using C = AddressClass;

void expect_class(std::string_view host, C expected) {
  auto c = classify_host_literal(host);
  ASSERT_TRUE(c.has_value()) << host;
  EXPECT_EQ(*c, expected) << host << ": got " << address_class_name(*c);
}

TEST(AddressPolicy, TheIssueCases) {
  expect_class("127.0.0.1", C::loopback);
  expect_class("localhost", C::loopback);
  expect_class("LocalHost.", C::loopback);
  expect_class("api.localhost", C::loopback);
  expect_class("[::1]", C::loopback);
  expect_class("::1", C::loopback);
  expect_class("0.0.0.0", C::unspecified);
  expect_class("[::]", C::unspecified);
  expect_class("[::ffff:127.0.0.1]", C::loopback);
  expect_class("::ffff:7f00:1", C::loopback);
  expect_class("169.254.169.254", C::link_local);
  expect_class("10.0.0.1", C::private_net);
  // An onion name may be the gateway's own onion service (tor forwards it to loopback).
  expect_class("abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion", C::loopback);
  expect_class("Api.Example.ONION.", C::loopback);
  EXPECT_FALSE(classify_host_literal("onion.example.com").has_value());
  EXPECT_FALSE(classify_host_literal("notonion").has_value());
}

TEST(AddressPolicy, InetAtonSpellings) {
  expect_class("2130706433", C::loopback);   // 127.0.0.1 as one number
  expect_class("0177.0.0.1", C::loopback);   // octal
  expect_class("0x7f.0.0.1", C::loopback);   // hex
  expect_class("0x7f000001", C::loopback);
  expect_class("127.1", C::loopback);        // a.b: b fills 24 bits
  expect_class("127.0.1", C::loopback);      // a.b.c: c fills 16 bits
  expect_class("0", C::unspecified);
  expect_class("017700000001", C::loopback);  // octal, one number
  expect_class("3232235777", C::private_net);  // 192.168.1.1
  expect_class("0xa9.0xfe.0xa9.0xfe", C::link_local);
  // Not addresses: names to resolve.
  for (std::string_view name : {"example.com", "256.0.0.1", "1.2.3.4.5", "08.0.0.1", "0x1g", "1..2", "4294967296",
                                "127.0.0.1x", "", "::g"}) {
    EXPECT_FALSE(classify_host_literal(name).has_value()) << name;
  }
}

TEST(AddressPolicy, Ipv4Ranges) {
  expect_class("172.16.0.1", C::private_net);
  expect_class("172.31.255.255", C::private_net);
  expect_class("172.32.0.1", C::public_address);
  expect_class("192.168.0.1", C::private_net);
  expect_class("100.64.0.1", C::cgnat);
  expect_class("100.127.255.255", C::cgnat);
  expect_class("100.128.0.1", C::public_address);
  expect_class("224.0.0.1", C::multicast);
  expect_class("239.255.255.250", C::multicast);
  expect_class("255.255.255.255", C::broadcast);
  expect_class("240.0.0.1", C::reserved);
  expect_class("0.1.2.3", C::unspecified);
  expect_class("8.8.8.8", C::public_address);
  expect_class("1.1.1.1", C::public_address);
}

TEST(AddressPolicy, Ipv6Ranges) {
  expect_class("fe80::1", C::link_local);
  expect_class("[fe80::1%eth0]", C::link_local);
  expect_class("fc00::1", C::private_net);
  expect_class("fd12:3456::1", C::private_net);
  expect_class("fec0::1", C::private_net);
  expect_class("ff02::1", C::multicast);
  expect_class("::127.0.0.1", C::loopback);        // IPv4-compatible
  expect_class("::ffff:10.1.2.3", C::private_net);  // IPv4-mapped
  expect_class("::ffff:0:127.0.0.1", C::loopback);  // SIIT
  expect_class("::ffff:8.8.8.8", C::public_address);
  expect_class("64:ff9b::7f00:1", C::loopback);     // NAT64 of 127.0.0.1
  expect_class("64:ff9b::a9fe:a9fe", C::link_local);
  expect_class("64:ff9b::808:808", C::public_address);
  expect_class("64:ff9b:1::1", C::private_net);
  expect_class("2002:7f00:1::1", C::loopback);       // 6to4 of 127.0.0.1
  expect_class("2002:c0a8:101::1", C::private_net);  // 6to4 of 192.168.1.1
  expect_class("2002:808:808::1", C::public_address);
  expect_class("2001:0:4136:e378:8000:63bf:80ff:fffe", C::loopback);  // Teredo, client ~ = 127.0.0.1
  expect_class("2606:4700:4700::1111", C::public_address);
  expect_class("2001:db8::1", C::reserved);
}

TEST(AddressPolicy, ClassifyBytes) {
  EXPECT_EQ(classify_ipv4({127, 0, 0, 1}), C::loopback);
  EXPECT_EQ(classify_ipv4({93, 184, 216, 34}), C::public_address);
  Ipv6Bytes mapped{};
  mapped[10] = 0xff;
  mapped[11] = 0xff;
  mapped[12] = 169;
  mapped[13] = 254;
  mapped[14] = 169;
  mapped[15] = 254;
  EXPECT_EQ(classify_ipv6(mapped), C::link_local);
  EXPECT_TRUE(is_public(C::public_address));
  EXPECT_FALSE(is_public(C::reserved));
}

}  // namespace
}  // namespace aisbf
