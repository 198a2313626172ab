#include "ops/https_redirect.hpp"

#include <gtest/gtest.h>

namespace aisbf::ops {
namespace {

const std::vector<std::string> kAllowed{"gw.example.com", "127.0.0.1", "::1", "localhost"};

TEST(HttpsRedirect, KeepsTheHostAndPathAndNamesThePort) {
  EXPECT_EQ(https_location("gw.example.com", "/api/v1/models?x=1", 443, "127.0.0.1", kAllowed),
            "https://gw.example.com/api/v1/models?x=1");
  EXPECT_EQ(https_location("GW.example.com:80", "/", 8443, "127.0.0.1", kAllowed), "https://GW.example.com:8443/");
  EXPECT_EQ(https_location("[::1]:8080", "/dashboard/", 17765, "127.0.0.1", kAllowed),
            "https://[::1]:17765/dashboard/");
  EXPECT_EQ(https_location("127.0.0.1:9", "/a", 17765, "x", kAllowed), "https://127.0.0.1:17765/a");
}

TEST(HttpsRedirect, AHostNotAllowedIsReplacedByTheFallback) {
  EXPECT_EQ(https_location("evil.example", "/a", 443, "gw.example.com", kAllowed), "https://gw.example.com/a");
  EXPECT_EQ(https_location("[::2]:80", "/a", 443, "localhost", kAllowed), "https://localhost/a");
  EXPECT_EQ(https_location("gw.example.com", "/a", 443, "fallback.example", {}), "https://fallback.example/a");
}

TEST(HttpsRedirect, AnOddHostOrTargetFallsBack) {
  EXPECT_EQ(https_location("", "/a", 443, "gw.example.com", kAllowed), "https://gw.example.com/a");
  EXPECT_EQ(https_location("evil.example/x", "/a", 443, "gw.example.com", kAllowed), "https://gw.example.com/a");
  EXPECT_EQ(https_location("a b", "/a", 443, "gw.example.com", kAllowed), "https://gw.example.com/a");
  EXPECT_EQ(https_location("[zz]", "/a", 443, "gw.example.com", kAllowed), "https://gw.example.com/a");
  EXPECT_EQ(https_location("", "/a", 8443, "::1", kAllowed), "https://[::1]:8443/a");
  // Absolute-form or a scheme-relative path would leave the host.
  EXPECT_EQ(https_location("gw.example.com", "http://other.example/", 443, "x", kAllowed), "https://gw.example.com/");
  EXPECT_EQ(https_location("gw.example.com", "//other.example/", 443, "x", kAllowed), "https://gw.example.com/");
  EXPECT_EQ(https_location("gw.example.com", "*", 443, "x", kAllowed), "https://gw.example.com/");
}

TEST(HttpsRedirect, OnlyAcmeChallengesAreServedOverPlainHttp) {
  EXPECT_TRUE(served_over_plain_http("/.well-known/acme-challenge/tok3n"));
  EXPECT_FALSE(served_over_plain_http("/.well-known/acme-challenge/"));
  EXPECT_FALSE(served_over_plain_http("/.well-known/other"));
  EXPECT_FALSE(served_over_plain_http("/api/v1/models"));
}

}  // namespace
}  // namespace aisbf::ops
