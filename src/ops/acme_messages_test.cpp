#include "ops/acme_messages.hpp"

#include <gtest/gtest.h>

#include "ops/acme_challenges.hpp"

namespace aisbf::acme {
namespace {

using std::chrono::seconds;

// Shapes as pebble and Let's Encrypt send them (RFC 8555 §7.1).
TEST(AcmeMessages, Directory) {
  auto dir = parse_directory(R"({
    "keyChange": "https://127.0.0.1:14000/rollover-account-key",
    "meta": {"externalAccountRequired": false, "termsOfService": "data:text/plain,Do%20what%20thou%20wilt"},
    "newAccount": "https://127.0.0.1:14000/sign-me-up",
    "newNonce": "https://127.0.0.1:14000/nonce-plz",
    "newOrder": "https://127.0.0.1:14000/order-plz",
    "revokeCert": "https://127.0.0.1:14000/revoke-cert"})");
  ASSERT_TRUE(dir);
  EXPECT_EQ(dir->new_nonce, "https://127.0.0.1:14000/nonce-plz");
  EXPECT_EQ(dir->new_account, "https://127.0.0.1:14000/sign-me-up");
  EXPECT_EQ(dir->new_order, "https://127.0.0.1:14000/order-plz");
  EXPECT_EQ(dir->terms_of_service, "data:text/plain,Do%20what%20thou%20wilt");
  EXPECT_FALSE(parse_directory(R"({"newNonce":"https://a/n","newAccount":"https://a/a"})"));
  EXPECT_FALSE(parse_directory(R"({"newNonce":"ftp://a/n","newAccount":"https://a/a","newOrder":"https://a/o"})"));
  EXPECT_FALSE(parse_directory("<html>"));
  EXPECT_FALSE(parse_directory(std::string(kMaxJsonBytes + 1, ' ')));
}

TEST(AcmeMessages, OrderAndItsError) {
  auto order = parse_order(R"({"status":"pending","expires":"2026-12-06T00:00:00Z",
    "identifiers":[{"type":"dns","value":"gw.example.test"}],
    "finalize":"https://ca/finalize-order/X","authorizations":["https://ca/authZ/A"]})");
  ASSERT_TRUE(order);
  EXPECT_EQ(order->status, "pending");
  EXPECT_EQ(order->finalize, "https://ca/finalize-order/X");
  ASSERT_EQ(order->authorizations.size(), 1u);
  EXPECT_EQ(order->authorizations[0], "https://ca/authZ/A");
  EXPECT_TRUE(order->certificate.empty());
  EXPECT_FALSE(order->error);

  auto invalid = parse_order(R"({"status":"invalid","finalize":"https://ca/f","authorizations":[],
    "certificate":"https://ca/cert/1",
    "error":{"type":"urn:ietf:params:acme:error:unauthorized","detail":"no","status":403}})");
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->certificate, "https://ca/cert/1");
  ASSERT_TRUE(invalid->error);
  EXPECT_EQ(invalid->error->short_type(), "unauthorized");
  EXPECT_EQ(invalid->error->status, 403);

  EXPECT_FALSE(parse_order(R"({"status":"pending","finalize":"https://ca/f","authorizations":[1]})"));
  EXPECT_FALSE(parse_order(R"({"status":"pending","authorizations":[]})"));
  std::string many = R"({"status":"pending","finalize":"https://ca/f","authorizations":[)";
  for (int i = 0; i < 101; ++i) many += std::string(i ? "," : "") + "\"https://ca/a\"";
  EXPECT_FALSE(parse_order(many + "]}"));
}

// RFC 8555 §6.1: a URL the CA answers with is https, or the answer is refused.
TEST(AcmeMessages, OnlyHttpsUrls) {
  EXPECT_TRUE(is_https_url("https://ca/x"));
  EXPECT_FALSE(is_https_url("http://ca/x"));
  EXPECT_FALSE(is_https_url("https://"));
  EXPECT_FALSE(is_https_url("HTTP://ca/x"));
  EXPECT_FALSE(is_https_url(""));
  EXPECT_FALSE(parse_directory(R"({"newNonce":"https://a/n","newAccount":"http://a/a","newOrder":"https://a/o"})"));
  EXPECT_FALSE(parse_order(R"({"status":"pending","finalize":"http://ca/f","authorizations":["https://ca/a"]})"));
  EXPECT_FALSE(parse_order(R"({"status":"pending","finalize":"https://ca/f","authorizations":["http://ca/a"]})"));
  EXPECT_FALSE(parse_order(
      R"({"status":"valid","finalize":"https://ca/f","authorizations":["https://ca/a"],"certificate":"http://ca/c"})"));
  EXPECT_FALSE(parse_authorization(R"({"status":"pending","challenges":[{"type":"http-01","url":"http://ca/c"}]})"));
  EXPECT_FALSE(parse_challenge(R"({"type":"http-01","url":"http://ca/c","token":"abc"})"));
}

// One name ordered: one authorization expected, neither none nor several.
TEST(AcmeMessages, OneAuthorizationPerOrder) {
  auto order = [](std::string authorizations) {
    auto parsed =
        parse_order(R"({"status":"pending","finalize":"https://ca/f","authorizations":[)" + authorizations + "]}");
    EXPECT_TRUE(parsed) << authorizations;
    return parsed.value_or(Order{});
  };
  EXPECT_EQ(single_name_order_problem(order(R"("https://ca/a")")), "");
  EXPECT_EQ(single_name_order_problem(order("")), "the CA answered an order for one name with 0 authorizations");
  EXPECT_EQ(single_name_order_problem(order(R"("https://ca/a","https://ca/b")")),
            "the CA answered an order for one name with 2 authorizations");
}

TEST(AcmeMessages, AuthorizationWithChallenges) {
  auto authz = parse_authorization(R"({"status":"pending","identifier":{"type":"dns","value":"gw.example.test"},
    "challenges":[
      {"type":"dns-01","url":"https://ca/chalZ/1","token":"t1","status":"pending"},
      {"type":"http-01","url":"https://ca/chalZ/2","token":"LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0","status":"pending"}],
    "expires":"2026-12-06T00:00:00Z"})");
  ASSERT_TRUE(authz);
  EXPECT_EQ(authz->identifier, "gw.example.test");
  const Challenge* http = authz->http01();
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->url, "https://ca/chalZ/2");
  EXPECT_EQ(http->token, "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0");

  auto none = parse_authorization(R"({"status":"valid","challenges":[{"type":"dns-01","url":"https://ca/c"}]})");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->http01(), nullptr);
  EXPECT_FALSE(parse_authorization(R"({"status":"valid","challenges":[{"type":"http-01"}]})"));
  EXPECT_FALSE(parse_authorization(R"({"challenges":[]})"));
}

TEST(AcmeMessages, ChallengeWithAValidationError) {
  auto challenge = parse_challenge(R"({"type":"http-01","url":"https://ca/chalZ/2","token":"abc","status":"invalid",
    "error":{"type":"urn:ietf:params:acme:error:connection","detail":"Connection refused","status":400}})");
  ASSERT_TRUE(challenge);
  EXPECT_EQ(challenge->status, "invalid");
  ASSERT_TRUE(challenge->error);
  EXPECT_EQ(challenge->error->describe(), "connection: Connection refused");
}

TEST(AcmeMessages, ProblemDocuments) {
  auto bad_nonce = parse_problem(
      R"({"type":"urn:ietf:params:acme:error:badNonce","detail":"JWS has an invalid anti-replay nonce","status":400})");
  ASSERT_TRUE(bad_nonce);
  EXPECT_TRUE(bad_nonce->is_bad_nonce());
  EXPECT_EQ(bad_nonce->describe(), "badNonce: JWS has an invalid anti-replay nonce");
  auto other = parse_problem(R"({"type":"about:blank","detail":"line1\nline2"})");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->is_bad_nonce());
  EXPECT_EQ(other->describe(), "about:blank: line1\\nline2");  // one log line
  EXPECT_FALSE(parse_problem("{}"));
  EXPECT_FALSE(parse_problem("oops"));
}

TEST(AcmeMessages, Payloads) {
  EXPECT_EQ(new_account_payload("ops@example.test"),
            R"({"termsOfServiceAgreed":true,"contact":["mailto:ops@example.test"]})");
  EXPECT_EQ(new_account_payload(""), R"({"termsOfServiceAgreed":true})");
  EXPECT_EQ(new_order_payload("gw.example.test"), R"({"identifiers":[{"type":"dns","value":"gw.example.test"}]})");
  EXPECT_EQ(finalize_payload("MIIB"), R"({"csr":"MIIB"})");
  EXPECT_EQ(new_account_payload("a\"b@c"), R"({"termsOfServiceAgreed":true,"contact":["mailto:a\"b@c"]})");
}

TEST(AcmeMessages, Tokens) {
  EXPECT_TRUE(is_valid_token("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"));
  EXPECT_TRUE(is_valid_token("a-b_c"));
  EXPECT_FALSE(is_valid_token(""));
  EXPECT_FALSE(is_valid_token("../etc"));
  EXPECT_FALSE(is_valid_token("a.b"));
  EXPECT_FALSE(is_valid_token("a=b"));
  EXPECT_FALSE(is_valid_token(std::string(129, 'a')));
}

TEST(AcmeMessages, RetryAfterIsBounded) {
  EXPECT_EQ(retry_after("3", seconds(1), seconds(1), seconds(10)), seconds(3));
  EXPECT_EQ(retry_after("", seconds(2), seconds(1), seconds(10)), seconds(2));
  EXPECT_EQ(retry_after("Wed, 21 Oct 2015 07:28:00 GMT", seconds(2), seconds(1), seconds(10)), seconds(2));
  EXPECT_EQ(retry_after("86400", seconds(1), seconds(1), seconds(10)), seconds(10));
  EXPECT_EQ(retry_after("0", seconds(1), seconds(1), seconds(10)), seconds(1));
  EXPECT_EQ(retry_after("-5", seconds(2), seconds(1), seconds(10)), seconds(2));
}

TEST(AcmeChallenges, AnswersOnlyTokensInFlight) {
  ChallengeStore store;
  EXPECT_FALSE(store.find("abc"));
  EXPECT_TRUE(store.put("abc", "abc.thumb"));
  EXPECT_EQ(store.find("abc"), "abc.thumb");
  EXPECT_FALSE(store.find("abd"));
  EXPECT_FALSE(store.put("a/b", "x"));
  store.remove("abc");
  EXPECT_FALSE(store.find("abc"));
  for (std::size_t i = 0; i < ChallengeStore::kMaxInFlight; ++i) EXPECT_TRUE(store.put("t" + std::to_string(i), "k"));
  EXPECT_FALSE(store.put("one-more", "k"));
  EXPECT_TRUE(store.put("t0", "k2"));  // an update is not an addition
  EXPECT_EQ(store.size(), ChallengeStore::kMaxInFlight);
}

}  // namespace
}  // namespace aisbf::acme
