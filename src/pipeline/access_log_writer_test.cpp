#include "pipeline/access_log_writer.hpp"

#include <gtest/gtest.h>
#include <limits.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

namespace aisbf {
namespace {

std::filesystem::path temp_log() {
  char dir[] = "/tmp/aisbf-access-XXXXXX";
  EXPECT_NE(::mkdtemp(dir), nullptr);
  return std::filesystem::path(dir) / "access.log";
}

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(AccessLogWriter, EveryThreadsLinesWrittenWholeAndInOrder) {
  const auto file = temp_log();
  constexpr int kThreads = 4, kLines = 3000;  // past kWakeBytes per thread: the early wake too
  {
    std::string error;
    AccessLogWriter writer(file.string(), ops::LogFormat::logfmt, &error);
    ASSERT_EQ(error, "");
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&writer, t] {
        const std::string client = "thread-" + std::to_string(t);
        for (int i = 0; i < kLines; ++i) {
          ops::AccessRecord r;
          r.client = client;
          r.request_id = "req";
          r.status = i;  // the sequence number, read back below
          EXPECT_TRUE(writer.write(r));
        }
      });
    }
    for (auto& t : threads) t.join();
    writer.stop();
    ops::AccessRecord late;
    EXPECT_FALSE(writer.write(late));  // after stop: refused and counted
    EXPECT_EQ(writer.dropped(), 1u);
  }
  std::map<std::string, int> next;
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLines));
  for (const auto& line : lines) {
    const auto c = line.find(" client=");
    const auto s = line.find(" status=");
    ASSERT_NE(c, std::string::npos) << line;
    ASSERT_NE(s, std::string::npos) << line;
    const std::string client = line.substr(c + 8, line.find(' ', c + 1) - c - 8);
    const int status = std::atoi(line.c_str() + s + 8);
    EXPECT_EQ(status, next[client]++) << line;
    EXPECT_EQ(line.rfind("ts_ms=", 0), 0u) << line;
  }
  EXPECT_EQ(next.size(), static_cast<std::size_t>(kThreads));
  std::filesystem::remove_all(file.parent_path());
}

TEST(AccessLogWriter, AFullThreadBufferDropsAndCounts) {
  const auto file = temp_log();
  std::size_t written = 0, refused = 0;
  {
    AccessLogWriter writer(file.string(), ops::LogFormat::json);
    const std::string big(256, 'x');
    ops::AccessRecord r;
    r.model = r.provider = r.upstream_model = r.route = r.user = big;  // ~1.4 KB lines
    // Far more than kMaxPendingBytes within one writer pause is not certain
    // to overflow (the writer may flush between), so only the counts must agree.
    for (int i = 0; i < 4000; ++i) (writer.write(r) ? written : refused)++;
    EXPECT_EQ(writer.dropped(), refused);
  }
  EXPECT_EQ(lines_of(file).size(), written);
  std::filesystem::remove_all(file.parent_path());
}

// Stderr may be a pipe shared with the other logs: every write() holds whole
// lines and at most PIPE_BUF bytes, so no line is split by another's bytes.
// A SOCK_SEQPACKET socket in fd 2's place keeps each write() a message.
TEST(AccessLogWriter, StderrIsWrittenInWholeLinesWithinPipeBuf) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
  const int saved = ::dup(2);
  ASSERT_GE(saved, 0);
  ::dup2(pair[0], 2);
  std::size_t lines = 0;
  {
    AccessLogWriter writer("", ops::LogFormat::logfmt);
    const std::string model(200, 'm');
    ops::AccessRecord r;
    r.model = model;  // ~330-byte lines: a dozen fit in PIPE_BUF
    for (int i = 0; i < 200; ++i) lines += writer.write(r) ? 1 : 0;
    writer.stop();
  }
  ::dup2(saved, 2);
  ::close(saved);
  ::close(pair[0]);
  std::size_t messages = 0, seen = 0;
  std::vector<char> message(1 << 16);
  while (true) {
    const auto n = ::recv(pair[1], message.data(), message.size(), MSG_DONTWAIT);
    if (n <= 0) break;
    ++messages;
    const std::string_view text(message.data(), static_cast<std::size_t>(n));
    EXPECT_LE(text.size(), static_cast<std::size_t>(PIPE_BUF));
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(text.rfind("ts_ms=", 0), 0u);
    for (char c : text) seen += c == '\n' ? 1 : 0;
  }
  ::close(pair[1]);
  EXPECT_EQ(lines, 200u);
  EXPECT_EQ(seen, lines);
  EXPECT_GT(messages, 1u);  // more than PIPE_BUF was written in all
}

}  // namespace
}  // namespace aisbf
