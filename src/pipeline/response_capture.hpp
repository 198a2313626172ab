// ResponseCaptureSink: a tap between the pipeline and a Responses client
// that keeps the response object the client got, for the stored responses
// (stored_responses.hpp): a non-stream 200 body that is a finished response,
// or in a stream the `response` of its response.completed (or
// response.incomplete) event. What it forwards is untouched; what it keeps
// is bounded (`max_bytes` per event or body), and nothing is kept from an
// answer that failed, ended with an error, or whose client left.
// Not a coroutine per write: write() scans and hands over the inner
// sink's awaitable.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "http/sse_parser.hpp"
#include "pipeline/response_sink.hpp"

namespace aisbf {

struct CapturedResponse {
  std::string id;
  std::string json;  // the response object's text as the client got it
};

class ResponseCaptureSink final : public ResponseSink {
 public:
  // Called with each final response found, BEFORE the bytes that hold it
  // are forwarded: what it publishes is visible by the time the client
  // has the answer (the stored responses' pending map).
  using OnFinal = std::function<void(const CapturedResponse&)>;

  ResponseCaptureSink(ResponseSink& inner, std::size_t max_bytes, OnFinal on_final = {})
      : inner_(inner), max_(max_bytes), events_(max_bytes), on_final_(std::move(on_final)) {}
  boost::asio::awaitable<bool> send(int status, std::string_view content_type, std::string_view body,
                                    const HeaderList& headers) override;
  boost::asio::awaitable<bool> begin_stream(int status, std::string_view content_type,
                                            const HeaderList& headers) override;
  boost::asio::awaitable<bool> write(std::string_view bytes) override;
  boost::asio::awaitable<bool> end() override;
  boost::asio::awaitable<bool> end_with_error(std::string_view error_event, const GatewayError& error) override;
  bool started() const override { return inner_.started(); }
  bool gone() const override { return inner_.gone(); }

  // The finished response the client got whole; nullopt otherwise.
  std::optional<CapturedResponse> take();
  // A response passed max_bytes (it was not kept: the caller logs it).
  bool overflowed() const { return overflow_; }

 private:
  void scan(std::string_view bytes);
  void found(CapturedResponse response);

  ResponseSink& inner_;
  std::size_t max_;
  sse::Parser events_;
  OnFinal on_final_;
  std::optional<CapturedResponse> captured_;
  bool streaming_ = false;  // a 200 stream is being read
  bool delivered_ = false;  // send() or end() reached the client
  bool failed_ = false;     // an error ended it, or a write did not arrive
  bool overflow_ = false;
};

}  // namespace aisbf
