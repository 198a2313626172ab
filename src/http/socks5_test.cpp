#include "http/socks5.hpp"

#include <gtest/gtest.h>

namespace aisbf::http::socks5 {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Socks5, GreetingOffersNoAuthentication) {
  EXPECT_EQ(Bytes(kGreeting.begin(), kGreeting.end()), (Bytes{5, 1, 0}));
  std::array<std::uint8_t, 2> ok{5, 0}, wants_password{5, 2}, socks4{4, 0};
  EXPECT_FALSE(check_method_reply(ok));
  EXPECT_EQ(check_method_reply(wants_password), make_error_code(Error::no_acceptable_method));
  EXPECT_EQ(check_method_reply(socks4), make_error_code(Error::not_socks5));
}

TEST(Socks5, NamesGoToTheProxyUnresolved) {
  Bytes out;
  ASSERT_FALSE(connect_request("api.example.com", 443, out));
  Bytes expected{5, 1, 0, 3, 15};
  for (char c : std::string("api.example.com")) expected.push_back(static_cast<std::uint8_t>(c));
  expected.push_back(0x01);
  expected.push_back(0xbb);
  EXPECT_EQ(out, expected);
}

TEST(Socks5, IpLiteralsUseTheirAddressTypes) {
  Bytes out;
  ASSERT_FALSE(connect_request("10.1.2.3", 80, out));
  EXPECT_EQ(out, (Bytes{5, 1, 0, 1, 10, 1, 2, 3, 0, 80}));
  ASSERT_FALSE(connect_request("::1", 8080, out));
  ASSERT_EQ(out.size(), 4u + 16 + 2);
  EXPECT_EQ(out[3], 4);
  EXPECT_EQ(out[19], 1);
  EXPECT_EQ(connect_request(std::string(256, 'a'), 1, out), make_error_code(Error::host_too_long));
  EXPECT_EQ(connect_request("", 1, out), make_error_code(Error::host_too_long));
}

TEST(Socks5, ReplySizesByAddressType) {
  EXPECT_EQ(reply_size(std::array<std::uint8_t, 5>{5, 0, 0, 1, 127}), 10u);
  EXPECT_EQ(reply_size(std::array<std::uint8_t, 5>{5, 0, 0, 4, 0}), 22u);
  EXPECT_EQ(reply_size(std::array<std::uint8_t, 5>{5, 0, 0, 3, 9}), 16u);
  EXPECT_EQ(reply_size(std::array<std::uint8_t, 5>{5, 0, 0, 3, 0}), 0u);
  EXPECT_EQ(reply_size(std::array<std::uint8_t, 5>{5, 0, 0, 2, 0}), 0u);
  EXPECT_EQ(reply_size(std::array<std::uint8_t, 5>{4, 0, 0, 1, 0}), 0u);
  EXPECT_EQ(reply_size(std::array<std::uint8_t, 5>{5, 0, 1, 1, 0}), 0u);
}

TEST(Socks5, RepliesBecomeErrorsWithClearMessages) {
  Bytes success{5, 0, 0, 1, 127, 0, 0, 1, 0, 80};
  EXPECT_FALSE(check_reply(success));
  Bytes unreachable{5, 4, 0, 1, 0, 0, 0, 0, 0, 0};
  auto ec = check_reply(unreachable);
  EXPECT_EQ(ec, make_error_code(Error::host_unreachable));
  EXPECT_NE(ec.message().find("host unreachable"), std::string::npos);
  Bytes onion{5, 0xF6, 0, 1, 0, 0, 0, 0, 0, 0};
  EXPECT_NE(check_reply(onion).message().find("onion"), std::string::npos);
  Bytes unknown{5, 0x42, 0, 1, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(check_reply(unknown), make_error_code(Error::general_failure));
  Bytes truncated{5, 0, 0, 1, 127, 0};
  EXPECT_EQ(check_reply(truncated), make_error_code(Error::malformed_reply));
  EXPECT_EQ(check_reply(Bytes{5, 0}), make_error_code(Error::malformed_reply));
  EXPECT_EQ(check_reply(Bytes{4, 0, 0, 1, 0}), make_error_code(Error::not_socks5));
  for (int code : {1, 2, 3, 5, 6, 7, 8, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF7}) {
    EXPECT_FALSE(make_error_code(static_cast<Error>(code)).message().empty());
  }
}

}  // namespace
}  // namespace aisbf::http::socks5
