#include "api/routes.hpp"

#include <gtest/gtest.h>

namespace aisbf::api {
namespace {

using Outcome = RouteMatch::Outcome;

// A small table with the shapes the gateway's own uses (pipeline/route_table_test.cpp
// checks the real one).
const RouteSpec kSpecs[] = {
    {"health", kGet, "/health"},
    {"chat", kPost, "/v1/chat/completions"},
    {"item_get", kGet, "/items/{id*}"},
    {"scoped", kPost, "/api/{scope}/chat/completions"},
    {"scoped_models", kGet, "/api/{scope}/models"},
    {"two", kGet, "/api/{scope}/things/{thing}"},
    {"thing_put", kMethodPut, "/api/{scope}/things/{thing}"},
    {"fixed", kGet, "/api/fixed/models"},
};

std::string_view name_of(const RouteMatch& m) { return m.outcome == Outcome::not_found ? "" : kSpecs[m.route].name; }

TEST(RouteMatcher, LiteralRoutesAndMethods) {
  RouteMatcher matcher(kSpecs);
  auto m = matcher.match("GET", "/health");
  EXPECT_EQ(m.outcome, Outcome::matched);
  EXPECT_EQ(name_of(m), "health");
  EXPECT_EQ(matcher.match("HEAD", "/health").outcome, Outcome::matched);
  EXPECT_EQ(matcher.match("POST", "/health").outcome, Outcome::method_not_allowed);
  EXPECT_EQ(matcher.match("BREW", "/health").outcome, Outcome::method_not_allowed);
  EXPECT_EQ(matcher.match("GET", "/health/").outcome, Outcome::matched);  // trailing slash
  EXPECT_EQ(matcher.match("GET", "/health?x=1#f").outcome, Outcome::matched);
  EXPECT_EQ(matcher.match("GET", "/Health").outcome, Outcome::not_found);
  EXPECT_EQ(matcher.match("GET", "/nope").outcome, Outcome::not_found);
}

TEST(RouteMatcher, RestParameterTakesSlashesAndDecodes) {
  RouteMatcher matcher(kSpecs);
  auto m = matcher.match("GET", "/items/a/b%2Fc");
  ASSERT_EQ(name_of(m), "item_get");
  EXPECT_EQ(m.param("id"), "a/b/c");
  EXPECT_EQ(m.param("nope"), "");
  EXPECT_FALSE(m.bad_escape);
  EXPECT_TRUE(matcher.match("GET", "/items/a%zz").bad_escape);
  EXPECT_EQ(matcher.match("GET", "/items/").outcome, Outcome::not_found);  // the rest must not be empty
}

TEST(RouteMatcher, MatchAtReadsOnlyThatRoute) {
  RouteMatcher matcher(kSpecs);
  auto first = matcher.match("GET", "/api/s%20x/things/t?q=1");
  ASSERT_EQ(name_of(first), "two");
  auto again = matcher.match_at(first.route, "/api/s%20x/things/t?q=1");
  EXPECT_EQ(again.outcome, Outcome::matched);
  EXPECT_EQ(again.route, first.route);
  EXPECT_EQ(again.param("scope"), "s x");
  EXPECT_EQ(again.param("thing"), "t");
  auto literal = matcher.match("GET", "/health/");
  EXPECT_EQ(matcher.match_at(literal.route, "/health/").outcome, Outcome::matched);
  EXPECT_EQ(matcher.match_at(literal.route, "/v1/chat/completions").outcome, Outcome::not_found);
  EXPECT_EQ(matcher.match_at(first.route, "/api/s/models").outcome, Outcome::not_found);
  EXPECT_EQ(matcher.match_at(999, "/health").outcome, Outcome::not_found);
}

TEST(RouteMatcher, SegmentParameters) {
  RouteMatcher matcher(kSpecs);
  auto m = matcher.match("POST", "/api/my%20p/chat/completions");
  ASSERT_EQ(name_of(m), "scoped");
  EXPECT_EQ(m.param("scope"), "my p");
  EXPECT_EQ(matcher.match("POST", "/api//chat/completions").outcome, Outcome::not_found);
  EXPECT_EQ(matcher.match("POST", "/api/a/b/chat/completions").outcome, Outcome::not_found);
  m = matcher.match("GET", "/api/s/things/t");
  ASSERT_EQ(name_of(m), "two");
  EXPECT_EQ(m.param("scope"), "s");
  EXPECT_EQ(m.param("thing"), "t");
}

TEST(RouteMatcher, LiteralWinsAndSamePatternSharesMethods) {
  RouteMatcher matcher(kSpecs);
  EXPECT_EQ(name_of(matcher.match("GET", "/api/fixed/models")), "fixed");
  EXPECT_EQ(name_of(matcher.match("GET", "/api/other/models")), "scoped_models");
  // Another route on the very same pattern takes the method …
  EXPECT_EQ(name_of(matcher.match("PUT", "/api/s/things/t")), "thing_put");
  // … but a different pattern further down never does.
  auto m = matcher.match("POST", "/api/s/models");
  EXPECT_EQ(m.outcome, Outcome::method_not_allowed);
  EXPECT_EQ(name_of(m), "scoped_models");
}

TEST(RouteMatcher, ApiWords) {
  RouteMatcher matcher(kSpecs);
  EXPECT_EQ(matcher.api_words(), (std::vector<std::string_view>{"fixed"}));
}

TEST(RouteMatcher, MalformedPatternsThrow) {
  for (std::string_view p : {"nope", "/a/{x", "/a/{}", "/a/{x*}/b", "/a/{x}b", "/{a}/{b}/{c}"}) {
    const RouteSpec specs[] = {{"bad", kGet, p}};
    EXPECT_THROW(RouteMatcher{specs}, std::invalid_argument) << p;
  }
}

}  // namespace
}  // namespace aisbf::api
