#include "ops/tor_control.hpp"

#include <gtest/gtest.h>

namespace aisbf::ops {
namespace {

Reply parse_one(std::string_view bytes) {
  ReplyParser parser;
  EXPECT_TRUE(parser.feed(bytes)) << parser.error();
  auto reply = parser.pop();
  EXPECT_TRUE(reply.has_value());
  return reply.value_or(Reply{});
}

TEST(TorReplyParser, SingleAndMultiLineReplies) {
  ReplyParser parser;
  ASSERT_TRUE(parser.feed("250 OK\r\n250-ServiceID=abc\r\n250 OK\r\n"));
  auto first = parser.pop();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->ok());
  EXPECT_EQ(first->lines.size(), 1u);
  auto second = parser.pop();
  ASSERT_TRUE(second);
  ASSERT_EQ(second->lines.size(), 2u);
  EXPECT_EQ(second->lines[0].text, "ServiceID=abc");
  EXPECT_FALSE(parser.pop());
}

TEST(TorReplyParser, EverySplitOfTheBytesGivesTheSameReply) {
  const std::string bytes = "250-PROTOCOLINFO 1\r\n250+onions/current=\r\nabc\r\n..dot\r\n.\r\n250 OK\r\n";
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    ReplyParser parser;
    ASSERT_TRUE(parser.feed(std::string_view(bytes).substr(0, cut)));
    EXPECT_FALSE(cut < bytes.size() && parser.pop().has_value());
    ASSERT_TRUE(parser.feed(std::string_view(bytes).substr(cut)));
    auto reply = parser.pop();
    ASSERT_TRUE(reply) << cut;
    ASSERT_EQ(reply->lines.size(), 3u);
    EXPECT_EQ(reply->lines[1].separator, '+');
    EXPECT_EQ(reply->lines[1].data, "abc\n.dot");  // dot-stuffing undone
    EXPECT_EQ(reply->status, 250);
  }
}

TEST(TorReplyParser, ErrorRepliesKeepTorsMessage) {
  auto reply = parse_one("515 Authentication failed: Password did not match HashedControlPassword value\r\n");
  EXPECT_FALSE(reply.ok());
  EXPECT_EQ(reply.message(), "515 Authentication failed: Password did not match HashedControlPassword value");
}

TEST(TorReplyParser, AsynchronousEventsAreDropped) {
  auto reply = parse_one("650 CIRC 1 LAUNCHED\r\n250 OK\r\n");
  EXPECT_TRUE(reply.ok());
}

TEST(TorReplyParser, MalformedRepliesAreErrors) {
  for (std::string_view bad : {"hello\r\n", "25 OK\r\n", "250x OK\r\n", "250 OK\n", "250-a\r\n550 b\r\n"}) {
    ReplyParser parser;
    EXPECT_FALSE(parser.feed(bad)) << bad;
    EXPECT_FALSE(parser.error().empty());
    EXPECT_FALSE(parser.feed("250 OK\r\n"));  // stays failed
  }
}

TEST(TorReplyParser, LinesAndRepliesAreBounded) {
  ReplyParser parser(64, 256);
  EXPECT_FALSE(parser.feed(std::string(100, 'x')));  // no line end yet, already too long
  ReplyParser many(64, 256);
  bool ok = true;
  for (int i = 0; i < 20 && ok; ++i) ok = many.feed("250-0123456789012345678901234567890\r\n");
  EXPECT_FALSE(ok);
  EXPECT_NE(many.error().find("256"), std::string::npos);
}

TEST(TorQuote, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(quote(R"(pa"ss\word)"), R"("pa\"ss\\word")");
  EXPECT_EQ(authenticate_password("x y"), "AUTHENTICATE \"x y\"\r\n");
}

TEST(TorArguments, QuotedAndBareValues) {
  auto args = parse_arguments(R"(METHODS=COOKIE,SAFECOOKIE COOKIEFILE="/var/run/tor/a \"b\"\\c\101")");
  ASSERT_TRUE(args);
  ASSERT_EQ(args->size(), 2u);
  EXPECT_EQ((*args)[0].second, "COOKIE,SAFECOOKIE");
  EXPECT_EQ((*args)[1].second, "/var/run/tor/a \"b\"\\cA");
  EXPECT_FALSE(parse_arguments(R"(A="unterminated)"));
  EXPECT_FALSE(parse_arguments(R"(A="x"y)"));
  EXPECT_FALSE(parse_arguments(R"(=x)"));
}

TEST(TorProtocolInfo, MethodsCookieFileAndVersion) {
  auto reply = parse_one(
      "250-PROTOCOLINFO 1\r\n250-AUTH METHODS=COOKIE,SAFECOOKIE,HASHEDPASSWORD "
      "COOKIEFILE=\"/tmp/d/control_auth_cookie\"\r\n"
      "250-VERSION Tor=\"0.4.9.11\"\r\n250 OK\r\n");
  auto info = parse_protocolinfo(reply);
  ASSERT_TRUE(info) << info.error;
  EXPECT_EQ(info.value->methods.size(), 3u);
  EXPECT_EQ(info.value->cookie_file, "/tmp/d/control_auth_cookie");
  EXPECT_EQ(info.value->version, "0.4.9.11");
  EXPECT_EQ(*choose_auth(*info.value, true).value, AuthMethod::password);
  EXPECT_EQ(*choose_auth(*info.value, false).value, AuthMethod::safecookie);
}

TEST(TorProtocolInfo, ChoiceAndItsErrors) {
  ProtocolInfo password_only{{"HASHEDPASSWORD"}, "", ""};
  auto missing = choose_auth(password_only, false);
  EXPECT_FALSE(missing);
  EXPECT_NE(missing.error.find("tor.control_password"), std::string::npos);
  ProtocolInfo cookie_only{{"COOKIE"}, "/c", ""};
  // COOKIE alone: refused (it would hand the cookie to whatever listens).
  auto plain_cookie = choose_auth(cookie_only, false);
  EXPECT_FALSE(plain_cookie);
  EXPECT_NE(plain_cookie.error.find("SAFECOOKIE"), std::string::npos);
  ProtocolInfo both{{"COOKIE", "SAFECOOKIE"}, "/c", ""};
  EXPECT_EQ(*choose_auth(both, false).value, AuthMethod::safecookie);
  auto unwanted = choose_auth(cookie_only, true);
  EXPECT_FALSE(unwanted);
  EXPECT_NE(unwanted.error.find("HashedControlPassword"), std::string::npos);
  ProtocolInfo open{{"NULL"}, "", ""};
  EXPECT_EQ(*choose_auth(open, false).value, AuthMethod::none);
  EXPECT_FALSE(parse_protocolinfo(parse_one("250-PROTOCOLINFO 1\r\n250 OK\r\n")));
  EXPECT_FALSE(parse_protocolinfo(parse_one("250-AUTH METHODS=\"x\r\n250 OK\r\n")));
  EXPECT_FALSE(parse_protocolinfo(parse_one("510 Unrecognized command\r\n")));
}

TEST(TorSafeCookie, HashesFollowTheControlSpec) {
  // Reference values from Python's hmac over the same bytes.
  std::vector<std::uint8_t> cookie(32), client(32, 0xAA);
  for (int i = 0; i < 32; ++i) cookie[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(authchallenge_command(client), "AUTHCHALLENGE SAFECOOKIE " + std::string(64, 'A') + "\r\n");
  const std::string server_nonce(64, '5');
  auto reply = parse_one(
      "250 AUTHCHALLENGE SERVERHASH=5F7CB5569957C99373E329258545940F029AF175DA225F4A3125EEBF30C24BBA "
      "SERVERNONCE=" +
      server_nonce + "\r\n");
  auto command = safecookie_authenticate(reply, cookie, client);
  ASSERT_TRUE(command) << command.error;
  EXPECT_EQ(*command.value, "AUTHENTICATE 9F99F2C4B75C91123CA5C6C6E3F76A9EF7FBD9471053CBE34454A4269CC39F7C\r\n");
  auto forged =
      parse_one("250 AUTHCHALLENGE SERVERHASH=" + std::string(64, '0') + " SERVERNONCE=" + server_nonce + "\r\n");
  auto refused = safecookie_authenticate(forged, cookie, client);
  EXPECT_FALSE(refused);
  EXPECT_NE(refused.error.find("does not match"), std::string::npos);
  EXPECT_FALSE(
      safecookie_authenticate(parse_one("250 AUTHCHALLENGE SERVERHASH=zz SERVERNONCE=00\r\n"), cookie, client));
  EXPECT_FALSE(safecookie_authenticate(parse_one("250 OK\r\n"), cookie, client));
}

TEST(TorOnion, CommandsAndReplies) {
  OnionRequest ephemeral{.key = "NEW:ED25519-V3", .discard_key = true, .virtual_port = 80, .target = "127.0.0.1:17765"};
  EXPECT_EQ(add_onion_command(ephemeral), "ADD_ONION NEW:ED25519-V3 Flags=DiscardPK Port=80,127.0.0.1:17765\r\n");
  OnionRequest kept{.key = "NEW:ED25519-V3", .discard_key = false, .virtual_port = 8080, .target = "127.0.0.1:1"};
  EXPECT_EQ(add_onion_command(kept), "ADD_ONION NEW:ED25519-V3 Port=8080,127.0.0.1:1\r\n");
  const std::string id(56, 'a');
  const std::string key = "ED25519-V3:" + std::string(86, 'Q') + "==";
  auto service = parse_add_onion(parse_one("250-ServiceID=" + id + "\r\n250-PrivateKey=" + key + "\r\n250 OK\r\n"));
  ASSERT_TRUE(service) << service.error;
  EXPECT_EQ(service.value->service_id, id);
  EXPECT_EQ(service.value->private_key, key);
  EXPECT_EQ(del_onion_command(id), "DEL_ONION " + id + "\r\n");
  EXPECT_FALSE(parse_add_onion(parse_one("250-ServiceID=short\r\n250 OK\r\n")));
  EXPECT_FALSE(parse_add_onion(parse_one("250-ServiceID=" + std::string(56, 'A') + "\r\n250 OK\r\n")));
  EXPECT_FALSE(parse_add_onion(parse_one("250-ServiceID=" + id + "\r\n250-PrivateKey=RSA1024:x\r\n250 OK\r\n")));
  auto refused = parse_add_onion(parse_one("512 Bad arguments to ADD_ONION\r\n"));
  EXPECT_FALSE(refused);
  EXPECT_NE(refused.error.find("512"), std::string::npos);
}

TEST(TorOnion, StoredKeyShape) {
  EXPECT_TRUE(valid_onion_key("ED25519-V3:" + std::string(86, 'a') + "=="));
  EXPECT_FALSE(valid_onion_key("ED25519-V3:" + std::string(87, 'a')));
  EXPECT_FALSE(valid_onion_key("ED25519-V3:" + std::string(85, 'a') + "=\n="));
  EXPECT_FALSE(valid_onion_key("RSA1024:" + std::string(88, 'a')));
}

}  // namespace
}  // namespace aisbf::ops
