// The server's head-first decisions, through a real Server on loopback and
// a plain blocking socket as the client.
#include "http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <any>
#include <atomic>
#include <string>
#include <thread>

#include <boost/beast/http/field.hpp>

namespace aisbf::http {
namespace {

namespace bhttp = boost::beast::http;

// The server under test: refuses requests carrying `x-refuse`, admits those
// carrying `x-small` with a 10-byte body limit, and hands `x-prelude` to the
// handler, which answers 200 with "<prelude>|<body>".
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.workers = 1;
    o.max_body_bytes = 1024;
    o.header_check = [this](const Request& req) {
      ++checks;
      EXPECT_TRUE(req.body().empty());
      HeaderVerdict v;
      if (!req["x-refuse"].empty()) v.refuse = EarlyAnswer{401, "application/json", R"({"error":"no"})", {}};
      if (!req["x-small"].empty()) v.body_limit = 10;
      v.prelude = std::string(req["x-prelude"]);
      return v;
    };
    server = std::make_unique<Server>(std::move(o), [this](Exchange& ex) -> boost::asio::awaitable<void> {
      ++handled;
      auto* prelude = std::any_cast<std::string>(&ex.prelude());
      const std::string reply = (prelude ? *prelude : "?") + "|" + ex.request().body();
      co_await ex.send(200, "text/plain", reply);  // (a temporary inside co_await trips g++ 12)
    });
    ASSERT_FALSE(server->bind());
    thread = std::thread([this] { server->run(); });
  }
  void TearDown() override {
    server->stop();
    thread.join();
  }

  int connect_client() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(server->bound_port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    return fd;
  }
  static void send_all(int fd, std::string_view data) {
    while (!data.empty()) {
      auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      ASSERT_GT(n, 0);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // One whole response (head and Content-Length body); empty on close or timeout.
  static std::string read_response(int fd) {
    std::string got;
    char buf[4096];
    for (;;) {
      auto end = got.find("\r\n\r\n");
      if (end != std::string::npos) {
        auto cl = got.find("Content-Length: ");
        std::size_t length = cl < end ? std::stoul(got.substr(cl + 16)) : 0;
        if (got.size() >= end + 4 + length) return got.substr(0, end + 4 + length);
      }
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return {};
      got.append(buf, static_cast<std::size_t>(n));
    }
  }

  std::unique_ptr<Server> server;
  std::thread thread;
  std::atomic<int> checks{0};
  std::atomic<int> handled{0};
};

TEST_F(ServerTest, RefusalIsSentBeforeTheBodyAndClosesTheConnection) {
  int fd = connect_client();
  send_all(fd, "POST /x HTTP/1.1\r\nHost: a\r\nx-refuse: 1\r\nContent-Length: 8000000\r\n\r\n");
  auto r = read_response(fd);  // no body byte sent: the answer cannot have waited for it
  EXPECT_EQ(r.rfind("HTTP/1.1 401 ", 0), 0u) << r;
  EXPECT_NE(r.find("Connection: close\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find(R"({"error":"no"})"), std::string::npos) << r;
  send_all(fd, std::string(64 * 1024, 'x'));  // still read (and dropped) while the server lingers
  ::shutdown(fd, SHUT_WR);
  char c;
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);  // then a clean close
  ::close(fd);
  EXPECT_EQ(handled.load(), 0);
  EXPECT_EQ(checks.load(), 1);
}

TEST_F(ServerTest, RefusalWithExpectContinueSendsNo100) {
  int fd = connect_client();
  send_all(fd, "POST /x HTTP/1.1\r\nHost: a\r\nx-refuse: 1\r\nExpect: 100-continue\r\nContent-Length: 50\r\n\r\n");
  auto r = read_response(fd);
  EXPECT_EQ(r.rfind("HTTP/1.1 401 ", 0), 0u) << r;
  ::close(fd);
}

TEST_F(ServerTest, RefusalWithoutABodyKeepsTheConnection) {
  int fd = connect_client();
  send_all(fd, "GET /x HTTP/1.1\r\nHost: a\r\nx-refuse: 1\r\n\r\n");
  auto r = read_response(fd);
  EXPECT_EQ(r.rfind("HTTP/1.1 401 ", 0), 0u) << r;
  EXPECT_EQ(r.find("Connection: close"), std::string::npos) << r;
  send_all(fd, "POST /x HTTP/1.1\r\nHost: a\r\nx-prelude: p\r\nContent-Length: 3\r\n\r\nabc");
  r = read_response(fd);
  EXPECT_EQ(r.rfind("HTTP/1.1 200 ", 0), 0u) << r;
  EXPECT_NE(r.find("\r\n\r\np|abc"), std::string::npos) << r;
  ::close(fd);
}

TEST_F(ServerTest, VerdictBodyLimitApplies) {
  int fd = connect_client();
  send_all(fd, "POST /x HTTP/1.1\r\nHost: a\r\nx-small: 1\r\nContent-Length: 11\r\n\r\n");
  auto r = read_response(fd);
  EXPECT_EQ(r.rfind("HTTP/1.1 413 ", 0), 0u) << r;
  EXPECT_NE(r.find("limit of 10 bytes"), std::string::npos) << r;
  ::close(fd);

  fd = connect_client();  // a chunked body is counted as it arrives
  send_all(fd, "POST /x HTTP/1.1\r\nHost: a\r\nx-small: 1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
  r = read_response(fd);
  EXPECT_EQ(r.rfind("HTTP/1.1 413 ", 0), 0u) << r;
  ::close(fd);

  fd = connect_client();  // within the limit, and the prelude reaches the handler
  send_all(fd, "POST /x HTTP/1.1\r\nHost: a\r\nx-small: 1\r\nx-prelude: q\r\nContent-Length: 10\r\n\r\n0123456789");
  r = read_response(fd);
  EXPECT_NE(r.find("\r\n\r\nq|0123456789"), std::string::npos) << r;
  ::close(fd);
  EXPECT_EQ(handled.load(), 1);
}

TEST_F(ServerTest, SmuggledRequestAfterABadTransferEncodingIsNeverServed) {
  int fd = connect_client();
  send_all(fd, "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
               "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = read_response(fd);
  EXPECT_EQ(r.rfind("HTTP/1.1 400 ", 0), 0u) << r;
  ::shutdown(fd, SHUT_WR);
  char c;
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);  // nothing more: no second answer
  ::close(fd);
  EXPECT_EQ(handled.load(), 0);
  EXPECT_EQ(checks.load(), 0);  // refused before the application is asked
}

}  // namespace
}  // namespace aisbf::http
