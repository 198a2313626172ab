// ResponseCaptureSink: the response object a Responses client got, kept at
// every split of a recorded stream; nothing kept from a failed, cut,
// erroneous or oversized answer; the client's bytes untouched.
#include "pipeline/response_capture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "api/openai/ingress_test_util.hpp"

namespace aisbf {
namespace {

namespace asio = boost::asio;
using api::openai_ingress::test::fixture;

// Runs `fn(sink)` to its end on a fresh io_context.
template <class Fn>
void run(Fn fn) {
  asio::io_context io;
  asio::co_spawn(io, std::move(fn), asio::detached);
  io.run();
}

// The stream written in pieces cut at `cuts` (ascending offsets).
asio::awaitable<void> stream_in_pieces(ResponseSink& sink, const std::string& bytes,
                                       const std::vector<std::size_t>& cuts, bool end = true) {
  const HeaderList none;
  co_await sink.begin_stream(200, "text/event-stream", none);
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    const std::size_t cut = i < cuts.size() ? cuts[i] : bytes.size();
    const std::string_view piece = std::string_view(bytes).substr(from, cut - from);
    co_await sink.write(piece);
    from = cut;
  }
  if (end) co_await sink.end();
}

const std::vector<std::size_t> kWhole;

std::string completed_response(const std::string& stream) {
  const std::string marker = "event: response.completed\ndata: ";
  const auto at = stream.find(marker);
  const auto data = stream.substr(at + marker.size(), stream.find('\n', at + marker.size()) - at - marker.size());
  const auto begin = data.find("\"response\":") + 11;
  return data.substr(begin, data.size() - 1 - begin);  // up to the event object's closing brace
}

TEST(ResponseCapture, KeepsTheCompletedResponseAtEverySplit) {
  const std::string stream = fixture("responses_stream_stored.sse");
  const std::string expected = completed_response(stream);
  ASSERT_EQ(expected.substr(0, 22), R"({"id":"resp_stream1",")");
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    RecordingSink client;
    ResponseCaptureSink capture(client, 1 << 20);
    const std::vector<std::size_t> cuts{cut};
    run([&]() -> asio::awaitable<void> { co_await stream_in_pieces(capture, stream, cuts); });
    ASSERT_EQ(client.recorded().body, stream) << cut;  // forwarded untouched
    auto got = capture.take();
    ASSERT_TRUE(got.has_value()) << "split at " << cut;
    EXPECT_EQ(got->id, "resp_stream1");
    ASSERT_EQ(got->json, expected) << cut;
  }
}

// The final response is published before the bytes that end it reach the
// client: a client that has the answer finds it kept (stored_responses.hpp).
TEST(ResponseCapture, AnnouncesTheFinalResponseBeforeForwardingIt) {
  const std::string stream = fixture("responses_stream_stored.sse");
  const std::size_t terminal_end = stream.find("\n\n", stream.find("event: response.completed")) + 2;
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    RecordingSink client;
    std::vector<std::size_t> seen_at;  // the client's byte count at each announcement
    ResponseCaptureSink capture(client, 1 << 20, [&](const CapturedResponse& r) {
      EXPECT_EQ(r.id, "resp_stream1");
      seen_at.push_back(client.recorded().body.size());
    });
    const std::vector<std::size_t> cuts{cut};
    run([&]() -> asio::awaitable<void> { co_await stream_in_pieces(capture, stream, cuts); });
    ASSERT_EQ(seen_at.size(), 1u) << cut;
    EXPECT_LT(seen_at[0], terminal_end) << cut;
  }
  const std::string body = R"({"id":"resp_w","object":"response","status":"completed","output":[]})";
  RecordingSink client;
  std::vector<std::size_t> seen_at;
  ResponseCaptureSink capture(client, 1 << 20,
                              [&](const CapturedResponse&) { seen_at.push_back(client.recorded().body.size()); });
  const HeaderList none;
  run([&]() -> asio::awaitable<void> { co_await capture.send(200, "application/json", body, none); });
  EXPECT_EQ(seen_at, (std::vector<std::size_t>{0}));
  EXPECT_EQ(client.recorded().body, body);
}

TEST(ResponseCapture, KeepsItAcrossThreePiecesAndByteByByte) {
  const std::string stream = fixture("responses_stream_stored.sse");
  for (std::size_t a = 1; a < stream.size(); a += 37) {
    for (std::size_t b = a; b < stream.size(); b += 53) {
      RecordingSink client;
      ResponseCaptureSink capture(client, 1 << 20);
      const std::vector<std::size_t> cuts{a, b};
      run([&]() -> asio::awaitable<void> { co_await stream_in_pieces(capture, stream, cuts); });
      ASSERT_TRUE(capture.take().has_value()) << a << "," << b;
    }
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < stream.size(); ++i) every.push_back(i);
  RecordingSink client;
  ResponseCaptureSink capture(client, 1 << 20);
  run([&]() -> asio::awaitable<void> { co_await stream_in_pieces(capture, stream, every); });
  EXPECT_TRUE(capture.take().has_value());
}

TEST(ResponseCapture, NothingFromACutStreamOrOneEndedByAnError) {
  const std::string stream = fixture("responses_stream_stored.sse");
  const auto completed = stream.find("event: response.completed");
  const std::string head = stream.substr(0, completed), cut = stream.substr(0, completed + 60);
  const GatewayError error = make_error(ErrorKind::upstream_protocol, "cut");
  {  // cut before the terminal event: the stream never finished
    RecordingSink client;
    ResponseCaptureSink capture(client, 1 << 20);
    run([&]() -> asio::awaitable<void> { co_await stream_in_pieces(capture, head, kWhole); });
    EXPECT_FALSE(capture.take().has_value());
  }
  {  // cut inside it
    RecordingSink client;
    ResponseCaptureSink capture(client, 1 << 20);
    run([&]() -> asio::awaitable<void> { co_await stream_in_pieces(capture, cut, kWhole); });
    EXPECT_FALSE(capture.take().has_value());
  }
  {  // whole, but never ended
    RecordingSink client;
    ResponseCaptureSink capture(client, 1 << 20);
    run([&]() -> asio::awaitable<void> { co_await stream_in_pieces(capture, stream, kWhole, false); });
    EXPECT_FALSE(capture.take().has_value());
  }
  {  // ended by an error
    RecordingSink client;
    ResponseCaptureSink capture(client, 1 << 20);
    run([&]() -> asio::awaitable<void> {
      co_await stream_in_pieces(capture, head, kWhole, false);
      co_await capture.end_with_error("event: error\ndata: {}\n\n", error);
    });
    EXPECT_FALSE(capture.take().has_value());
  }
}

TEST(ResponseCapture, AFailedOrIncompleteResponse) {
  const std::string failed =
      "event: response.failed\ndata: {\"type\":\"response.failed\",\"sequence_number\":0,\"response\":{\"id\":\"resp_f\","
      "\"object\":\"response\",\"status\":\"failed\",\"output\":[]}}\n\n";
  const std::string incomplete =
      "event: response.incomplete\ndata: {\"type\":\"response.incomplete\",\"sequence_number\":0,\"response\":{\"id\":"
      "\"resp_i\",\"object\":\"response\",\"status\":\"incomplete\",\"output\":[]}}\n\n";
  RecordingSink a, b;
  ResponseCaptureSink fail(a, 1 << 20), part(b, 1 << 20);
  run([&]() -> asio::awaitable<void> {
    co_await stream_in_pieces(fail, failed, kWhole);
    co_await stream_in_pieces(part, incomplete, kWhole);
  });
  EXPECT_FALSE(fail.take().has_value());
  auto kept = part.take();
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->id, "resp_i");
}

TEST(ResponseCapture, AWholeAnswer) {
  const std::string body = R"({"id":"resp_w","object":"response","status":"completed","output":[]})";
  RecordingSink ok_client, err_client, big_client;
  ResponseCaptureSink ok(ok_client, 1 << 20), err(err_client, 1 << 20), big(big_client, body.size() - 1);
  const HeaderList none;
  const std::string refusal = R"({"error":{"message":"no"}})";
  run([&]() -> asio::awaitable<void> {
    co_await ok.send(200, "application/json", body, none);
    co_await err.send(400, "application/json", refusal, none);
    co_await big.send(200, "application/json", body, none);
  });
  auto kept = ok.take();
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->json, body);
  EXPECT_EQ(ok_client.recorded().body, body);
  EXPECT_FALSE(err.take().has_value());
  EXPECT_FALSE(big.take().has_value());
  EXPECT_TRUE(big.overflowed());
  EXPECT_EQ(big_client.recorded().body, body);  // still answered
}

TEST(ResponseCapture, AnOversizedTerminalEventIsNotKept) {
  const std::string stream = fixture("responses_stream_stored.sse");
  RecordingSink client;
  ResponseCaptureSink capture(client, 400);  // smaller than the completed event
  const std::vector<std::size_t> cuts{100};
  run([&]() -> asio::awaitable<void> { co_await stream_in_pieces(capture, stream, cuts); });
  EXPECT_FALSE(capture.take().has_value());
  EXPECT_TRUE(capture.overflowed());
  EXPECT_EQ(client.recorded().body, stream);
}

}  // namespace
}  // namespace aisbf
