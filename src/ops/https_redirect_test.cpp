#include "ops/https_redirect.hpp"

#include <gtest/gtest.h>

namespace aisbf::ops {
namespace {

TEST(HttpsRedirect, KeepsTheHostAndPathAndNamesThePort) {
  EXPECT_EQ(https_location("gw.example.com", "/api/v1/models?x=1", 443, "127.0.0.1"),
            "https://gw.example.com/api/v1/models?x=1");
  EXPECT_EQ(https_location("gw.example.com:80", "/", 8443, "127.0.0.1"), "https://gw.example.com:8443/");
  EXPECT_EQ(https_location("[::1]:8080", "/dashboard/", 17765, "127.0.0.1"), "https://[::1]:17765/dashboard/");
  EXPECT_EQ(https_location("127.0.0.1:9", "/a", 17765, "x"), "https://127.0.0.1:17765/a");
}

TEST(HttpsRedirect, AnOddHostOrTargetFallsBack) {
  EXPECT_EQ(https_location("", "/a", 443, "gw.example.com"), "https://gw.example.com/a");
  EXPECT_EQ(https_location("evil.example/x", "/a", 443, "gw.example.com"), "https://gw.example.com/a");
  EXPECT_EQ(https_location("a b", "/a", 443, "gw.example.com"), "https://gw.example.com/a");
  EXPECT_EQ(https_location("[zz]", "/a", 443, "gw.example.com"), "https://gw.example.com/a");
  EXPECT_EQ(https_location("", "/a", 8443, "::1"), "https://[::1]:8443/a");
  // Absolute-form or a scheme-relative path would leave the host.
  EXPECT_EQ(https_location("gw.example.com", "http://other.example/", 443, "x"), "https://gw.example.com/");
  EXPECT_EQ(https_location("gw.example.com", "//other.example/", 443, "x"), "https://gw.example.com/");
  EXPECT_EQ(https_location("gw.example.com", "*", 443, "x"), "https://gw.example.com/");
}

TEST(HttpsRedirect, OnlyAcmeChallengesAreServedOverPlainHttp) {
  EXPECT_TRUE(served_over_plain_http("/.well-known/acme-challenge/tok3n"));
  EXPECT_FALSE(served_over_plain_http("/.well-known/acme-challenge/"));
  EXPECT_FALSE(served_over_plain_http("/.well-known/other"));
  EXPECT_FALSE(served_over_plain_http("/api/v1/models"));
}

}  // namespace
}  // namespace aisbf::ops
