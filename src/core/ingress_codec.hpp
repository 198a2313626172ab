// IngressCodec: the pure half of a client-facing API format (OpenAI chat,
// Anthropic messages, legacy completions). It turns the client's request
// into a canonical ChatRequest and canonical answers back into the client's
// format; the pipeline owns every socket. One per format under src/api/<format>/.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/chat_types.hpp"
#include "core/expected.hpp"
#include "core/gateway_error.hpp"

namespace aisbf {

// Turns canonical stream events into the client's stream bytes (SSE events
// in the client's format), keeping whatever state the format needs (open
// content blocks, tool-call indices, the response id).
class StreamEncoder {
 public:
  virtual ~StreamEncoder() = default;
  // Bytes to send for this event (may be empty: some events only update state).
  virtual std::string on_event(const StreamEvent& event) = 0;
  // The stream's last bytes: the closing events when `error` is empty, the
  // format's error event otherwise.
  virtual std::string on_end(const std::optional<GatewayError>& error) = 0;
};

struct EgressContext {
  std::string model;       // the model id the client asked for (echoed back)
  bool include_usage = false;  // OpenAI stream_options.include_usage
};

class IngressCodec {
 public:
  virtual ~IngressCodec() = default;

  virtual Expected<ChatRequest> decode_request(std::string_view body) const = 0;
  virtual std::string encode_response(const ChatResponse& response, const EgressContext& context) const = 0;
  virtual std::unique_ptr<StreamEncoder> make_stream_encoder(const EgressContext& context) const = 0;

  // An error as this format's JSON body (its HTTP status is error.status).
  virtual std::string encode_error(const GatewayError& error) const = 0;
};

}  // namespace aisbf
