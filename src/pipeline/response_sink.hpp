// ResponseSink: where the answer to a chat request goes, in the client's
// format. The pipeline writes only through it: one complete answer (send),
// or a stream (begin_stream, write…, end, or end_with_error once started).
// The client's connection is one sink (ExchangeSink); a response cache's
// leader records what its client gets (FlightSink, response_flights.hpp)
// into a RecordedResponse; tests record with a RecordingSink.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "core/gateway_error.hpp"
#include "core/provider_adapter.hpp"
#include "http/exchange.hpp"

namespace aisbf {

class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // One complete answer. False: it could not be delivered (the client left).
  virtual boost::asio::awaitable<bool> send(int status, std::string_view content_type, std::string_view body,
                                            const HeaderList& headers) = 0;
  // The head of a streamed answer; its body follows in write() calls.
  virtual boost::asio::awaitable<bool> begin_stream(int status, std::string_view content_type,
                                                    const HeaderList& headers) = 0;
  virtual boost::asio::awaitable<bool> write(std::string_view bytes) = 0;
  virtual boost::asio::awaitable<bool> end() = 0;
  // A started stream that failed: `error_event` (the error in the client's
  // format) is its last bytes. A tee learns from `error` not to keep it.
  virtual boost::asio::awaitable<bool> end_with_error(std::string_view error_event, const GatewayError& error) = 0;
  // A head went out (send or begin_stream).
  virtual bool started() const = 0;
  // The receiver is known to be gone: answering is pointless.
  virtual bool gone() const = 0;
};

// The client's HTTP connection. Each call hands over the Exchange's own
// awaitable (no coroutine frame of its own): the passthrough path pays one
// indirect call per write and nothing else.
class ExchangeSink final : public ResponseSink {
 public:
  explicit ExchangeSink(http::Exchange& ex) : ex_(ex) {}
  boost::asio::awaitable<bool> send(int status, std::string_view content_type, std::string_view body,
                                    const HeaderList& headers) override {
    return ex_.send(status, content_type, body, headers);
  }
  boost::asio::awaitable<bool> begin_stream(int status, std::string_view content_type,
                                            const HeaderList& headers) override {
    return ex_.begin_stream(status, content_type, headers);
  }
  boost::asio::awaitable<bool> write(std::string_view bytes) override { return ex_.stream_write(bytes); }
  boost::asio::awaitable<bool> end() override { return ex_.end_stream(); }
  boost::asio::awaitable<bool> end_with_error(std::string_view error_event, const GatewayError& error) override;
  bool started() const override { return ex_.response_started(); }
  bool gone() const override { return ex_.client_gone(); }

 private:
  http::Exchange& ex_;
};

// An answer as a sink received it, byte for byte.
struct RecordedResponse {
  int status = 0;
  std::string content_type;
  HeaderList headers;
  std::string body;            // the whole body, or the stream's bytes joined
  bool streamed = false;
  bool complete = false;       // send(), or end() of a stream
  std::optional<GatewayError> error;  // the stream ended with this error
  bool overflow = false;       // the body passed the recorder's cap: not kept
};

// Records what it receives, up to `cap` body bytes; always "delivers".
class RecordingSink final : public ResponseSink {
 public:
  explicit RecordingSink(std::size_t cap = 16 * 1024 * 1024) : cap_(cap) {}
  boost::asio::awaitable<bool> send(int status, std::string_view content_type, std::string_view body,
                                    const HeaderList& headers) override;
  boost::asio::awaitable<bool> begin_stream(int status, std::string_view content_type,
                                            const HeaderList& headers) override;
  boost::asio::awaitable<bool> write(std::string_view bytes) override;
  boost::asio::awaitable<bool> end() override;
  boost::asio::awaitable<bool> end_with_error(std::string_view error_event, const GatewayError& error) override;
  bool started() const override { return recorded_.status != 0; }
  bool gone() const override { return false; }

  const RecordedResponse& recorded() const { return recorded_; }

 private:
  void note_head(int status, std::string_view content_type, const HeaderList& headers, bool streamed);
  void note_bytes(std::string_view bytes);

  std::size_t cap_;
  RecordedResponse recorded_;
};

}  // namespace aisbf
