#include "http/framing.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace aisbf::http {
namespace {

namespace bhttp = boost::beast::http;

Request with_te(std::initializer_list<const char*> lines, unsigned version = 11) {
  Request r{bhttp::verb::post, "/v1/chat/completions", version};
  for (const char* line : lines) r.insert(bhttp::field::transfer_encoding, line);
  return r;
}

int status_of(const Request& r) {
  auto p = framing_problem(r);
  return p ? p->status : 0;
}

TEST(Framing, NoTransferEncodingOrExactlyChunkedPasses) {
  EXPECT_EQ(status_of(Request{bhttp::verb::get, "/", 11}), 0);
  EXPECT_EQ(status_of(with_te({"chunked"})), 0);
  EXPECT_EQ(status_of(with_te({"Chunked"})), 0);
  EXPECT_EQ(status_of(with_te({" chunked "})), 0);
}

TEST(Framing, FinalCodingNotChunkedIs400) {
  for (const char* te : {"xchunked", "chunked, gzip", "gzip", "", " , ", "chunked;x=1", "chunkedx"}) {
    EXPECT_EQ(status_of(with_te({te})), 400) << te;
  }
  EXPECT_EQ(status_of(with_te({"chunked", "gzip"})), 400);
}

TEST(Framing, ChunkedTwiceIs400) {
  EXPECT_EQ(status_of(with_te({"chunked, chunked"})), 400);
  EXPECT_EQ(status_of(with_te({"chunked", "chunked"})), 400);
}

TEST(Framing, AnotherCodingBeforeChunkedIs501) {
  EXPECT_EQ(status_of(with_te({"gzip, chunked"})), 501);
  EXPECT_EQ(status_of(with_te({"gzip", "chunked"})), 501);
  auto p = framing_problem(with_te({"x\"\\\x01\xc3, chunked"}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code, "unsupported_transfer_coding");
  EXPECT_EQ(p->message.find_first_of("\"\\\x01\xc3"), std::string::npos) << p->message;  // safe inside JSON
}

TEST(Framing, TransferEncodingWithContentLengthIs400) {
  auto r = with_te({"chunked"});
  r.insert(bhttp::field::content_length, "5");
  EXPECT_EQ(status_of(r), 400);
}

TEST(Framing, TransferEncodingInHttp10Is400) { EXPECT_EQ(status_of(with_te({"chunked"}, 10)), 400); }

}  // namespace
}  // namespace aisbf::http
