#include "http/resp.hpp"

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace aisbf::resp {
namespace {

// Every reply the parser hands out for `wire`, fed in pieces cut at `cuts`.
struct Parsed {
  std::vector<Reply> replies;
  Parser::Status last = Parser::Status::incomplete;
  std::string error;
};

Parsed parse_pieces(std::string_view wire, const std::vector<std::size_t>& cuts, Limits limits = {}) {
  Parser parser(limits);
  Parsed out;
  std::size_t from = 0;
  auto drain = [&] {
    Reply r;
    while ((out.last = parser.next(r)) == Parser::Status::reply) out.replies.push_back(r);
  };
  for (std::size_t cut : cuts) {
    parser.feed(wire.substr(from, cut - from));
    from = cut;
    drain();
    if (out.last == Parser::Status::error) break;
  }
  if (out.last != Parser::Status::error) {
    parser.feed(wire.substr(from));
    drain();
  }
  out.error = parser.error_message();
  return out;
}

Parsed parse_all(std::string_view wire, Limits limits = {}) { return parse_pieces(wire, {}, limits); }

TEST(Resp, EncodesACommandAsAnArrayOfBulkStrings) {
  std::string out;
  const std::array<std::string_view, 3> args{"SET", "k", std::string_view("a\r\nb\0c", 6)};
  append_command(out, args);
  EXPECT_EQ(out, std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\na\r\nb\0c\r\n", 32));
  out.clear();
  const std::array<std::string_view, 1> empty{""};
  append_command(out, empty);
  EXPECT_EQ(out, "*1\r\n$0\r\n\r\n");
}

TEST(Resp, ParsesEveryType) {
  const auto p = parse_all("+OK\r\n-ERR no\r\n:-42\r\n$5\r\nhe\r\no\r\n$-1\r\n*-1\r\n*2\r\n$0\r\n\r\n*1\r\n:7\r\n*0\r\n");
  ASSERT_EQ(p.last, Parser::Status::incomplete) << p.error;
  ASSERT_EQ(p.replies.size(), 8u);
  EXPECT_EQ(p.replies[0].type, Type::simple);
  EXPECT_EQ(p.replies[0].str, "OK");
  EXPECT_TRUE(p.replies[1].is_error());
  EXPECT_EQ(p.replies[1].str, "ERR no");
  EXPECT_EQ(p.replies[2].type, Type::integer);
  EXPECT_EQ(p.replies[2].integer, -42);
  EXPECT_EQ(p.replies[3].type, Type::bulk);
  EXPECT_EQ(p.replies[3].str, "he\r\no");
  EXPECT_TRUE(p.replies[4].is_nil());
  EXPECT_TRUE(p.replies[5].is_nil());
  ASSERT_EQ(p.replies[6].type, Type::array);
  ASSERT_EQ(p.replies[6].elements.size(), 2u);
  EXPECT_EQ(p.replies[6].elements[0].str, "");
  ASSERT_EQ(p.replies[6].elements[1].elements.size(), 1u);
  EXPECT_EQ(p.replies[6].elements[1].elements[0].integer, 7);
  EXPECT_EQ(p.replies[7].type, Type::array);
  EXPECT_TRUE(p.replies[7].elements.empty());
}

TEST(Resp, IntegersCoverTheWholeRange) {
  const auto p = parse_all(":-9223372036854775808\r\n:9223372036854775807\r\n");
  ASSERT_EQ(p.replies.size(), 2u);
  EXPECT_EQ(p.replies[0].integer, INT64_MIN);
  EXPECT_EQ(p.replies[1].integer, INT64_MAX);
  EXPECT_EQ(parse_all(":9223372036854775808\r\n").last, Parser::Status::error);
}

TEST(Resp, TheSameRepliesWhereverTheBytesAreCut) {
  const std::string wire = "*3\r\n$3\r\nkey\r\n*2\r\n:1\r\n-WRONGTYPE x\r\n$-1\r\n+PONG\r\n$11\r\nhello world\r\n";
  const auto whole = parse_all(wire);
  ASSERT_EQ(whole.replies.size(), 3u);
  for (std::size_t a = 0; a <= wire.size(); ++a) {
    for (std::size_t b = a; b <= wire.size(); ++b) {
      const auto split = parse_pieces(wire, {a, b});
      ASSERT_EQ(split.replies.size(), whole.replies.size()) << a << "," << b;
      for (std::size_t i = 0; i < split.replies.size(); ++i) ASSERT_EQ(split.replies[i], whole.replies[i]);
    }
  }
  std::vector<std::size_t> every(wire.size());
  for (std::size_t i = 0; i < wire.size(); ++i) every[i] = i;
  EXPECT_EQ(parse_pieces(wire, every).replies.size(), 3u);
}

TEST(Resp, ALargeBulkReadInChunksThroughPrepare) {
  const std::string value(3u << 20, 'v');
  std::string wire = "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n:1\r\n";
  Parser parser;
  Reply r;
  std::size_t at = 0;
  std::vector<Reply> got;
  while (at < wire.size()) {
    auto room = parser.prepare(64 * 1024);
    const std::size_t n = std::min(room.size(), std::min<std::size_t>(64 * 1024, wire.size() - at));
    std::memcpy(room.data(), wire.data() + at, n);
    parser.commit(n);
    at += n;
    Parser::Status s;
    while ((s = parser.next(r)) == Parser::Status::reply) got.push_back(r);
    ASSERT_NE(s, Parser::Status::error) << parser.error_message();
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].str, value);
  EXPECT_EQ(got[1].integer, 1);
  EXPECT_EQ(parser.buffered(), 0u);
}

struct Bad {
  const char* wire;
  const char* says;
};

TEST(Resp, MalformedRepliesAreErrorsThatStay) {
  const Bad cases[] = {
      {"$-2\r\n", "negative bulk length"},
      {"*-5\r\n", "negative array length"},
      {"$99999999999999999999\r\n", "malformed"},
      {"$1a\r\nx\r\n", "malformed"},
      {"$\r\n", "malformed"},
      {":+1\r\n", "malformed"},
      {"$3\r\nabcXY", "not followed by CRLF"},
      {"+OK\rX\r\n", "CR without LF"},
      {"+O\nK\r\n", "LF inside"},
      {"%1\r\n", "unknown reply type"},
      {"_\r\n", "unknown reply type"},
      {"$1234567890123456789012345", "malformed"},
  };
  for (const auto& c : cases) {
    Parser parser;
    parser.feed(c.wire);
    Reply r;
    EXPECT_EQ(parser.next(r), Parser::Status::error) << c.wire;
    EXPECT_NE(parser.error_message().find(c.says), std::string::npos) << c.wire << ": " << parser.error_message();
    parser.feed("+OK\r\n");
    EXPECT_EQ(parser.next(r), Parser::Status::error) << "a failed parser stays failed";
  }
}

TEST(Resp, LimitsOnSizeDepthAndElements) {
  Limits small{.max_reply_bytes = 64, .max_depth = 3, .max_elements = 10};
  // A declared length past the cap fails before any of it arrives.
  auto p = parse_all("$65\r\n", small);
  EXPECT_EQ(p.last, Parser::Status::error);
  EXPECT_NE(p.error.find("larger than 64"), std::string::npos) << p.error;
  // Bulks that fit alone but not together in one array.
  p = parse_all("*2\r\n$30\r\n" + std::string(30, 'a') + "\r\n$30\r\n", small);
  EXPECT_EQ(p.last, Parser::Status::error);
  // A simple string that never ends.
  p = parse_pieces("+" + std::string(100, 'x'), {10, 40, 70}, small);
  EXPECT_EQ(p.last, Parser::Status::error);
  EXPECT_NE(p.error.find("larger than"), std::string::npos) << p.error;
  // Depth: three levels pass, four do not.
  EXPECT_EQ(parse_all("*1\r\n*1\r\n*1\r\n:1\r\n", small).replies.size(), 1u);
  p = parse_all("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", small);
  EXPECT_EQ(p.last, Parser::Status::error);
  EXPECT_NE(p.error.find("nested deeper"), std::string::npos) << p.error;
  // Elements are counted over the whole reply, before any arrives.
  p = parse_all("*11\r\n", small);
  EXPECT_EQ(p.last, Parser::Status::error);
  p = parse_all("*2\r\n*5\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n*5\r\n", small);
  EXPECT_EQ(p.last, Parser::Status::error);
  EXPECT_NE(p.error.find("more than 10"), std::string::npos) << p.error;
  // The default cap refuses an absurd declared length without allocating it.
  EXPECT_EQ(parse_all("$9000000000000000000\r\n").last, Parser::Status::error);
  EXPECT_EQ(parse_all("*9000000000000000000\r\n").last, Parser::Status::error);
}

TEST(Resp, IncompleteRepliesWaitWithoutRescanning) {
  Parser parser;
  parser.feed("$10\r\nabc");
  Reply r;
  EXPECT_EQ(parser.next(r), Parser::Status::incomplete);
  parser.feed("defg");
  EXPECT_EQ(parser.next(r), Parser::Status::incomplete);
  parser.feed("hij\r");
  EXPECT_EQ(parser.next(r), Parser::Status::incomplete);
  parser.feed("\n");
  ASSERT_EQ(parser.next(r), Parser::Status::reply);
  EXPECT_EQ(r.str, "abcdefghij");
  EXPECT_EQ(parser.next(r), Parser::Status::incomplete);
}

TEST(Resp, ALargeArrayInSmallReadsIsWalkedOnce) {
  // An incomplete array resumes at its last whole element: the work is
  // about the bytes received, not their square over the reads.
  constexpr std::size_t kElements = 1'000'000;
  std::string wire = "*" + std::to_string(kElements) + "\r\n";
  for (std::size_t i = 0; i < kElements; ++i) wire += i % 3 ? ":7\r\n" : "$2\r\nab\r\n";
  Parser parser;
  Reply r;
  std::size_t replies = 0;
  for (std::size_t at = 0; at < wire.size(); at += 4093) {  // reads that cut elements
    parser.feed(std::string_view(wire).substr(at, 4093));
    while (parser.next(r) == Parser::Status::reply) ++replies;
  }
  ASSERT_EQ(replies, 1u);
  ASSERT_EQ(r.elements.size(), kElements);
  EXPECT_EQ(r.elements[0].str, "ab");
  EXPECT_EQ(r.elements[kElements - 2].integer, 7);
  EXPECT_LT(parser.scanned_bytes(), 2 * wire.size()) << "bytes walked for " << wire.size() << " received";
}

TEST(Resp, NestedArraysResumeAtEveryCut) {
  // Arrays that close several levels at once, empty and nil ones among them.
  const std::string wire = "*3\r\n*2\r\n*1\r\n:1\r\n*0\r\n*-1\r\n*2\r\n$1\r\nx\r\n*1\r\n*1\r\n+y\r\n:9\r\n";
  const auto whole = parse_all(wire);
  ASSERT_EQ(whole.replies.size(), 2u);
  ASSERT_EQ(whole.replies[0].elements.size(), 3u);
  EXPECT_EQ(whole.replies[0].elements[2].elements[1].elements[0].elements[0].str, "y");
  std::vector<std::size_t> every(wire.size());
  for (std::size_t i = 0; i < wire.size(); ++i) every[i] = i;
  const auto split = parse_pieces(wire, every);
  ASSERT_EQ(split.replies.size(), 2u);
  EXPECT_EQ(split.replies[0], whole.replies[0]);
  EXPECT_EQ(split.replies[1], whole.replies[1]);
}

}  // namespace
}  // namespace aisbf::resp
