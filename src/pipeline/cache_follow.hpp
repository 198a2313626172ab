// A coalesced request's live part (issue 12): a streaming follower of a
// leader that streams reads the leader's bytes from the flight as they
// arrive (they are in the client format, the follower's own: the cache key
// holds the format), decodes them with that format's stream decoder and
// emits them through its own ClientFormatOutput, with its own id and
// created. Internal to pipeline/ (cache_step.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/chat_types.hpp"
#include "core/provider_adapter.hpp"
#include "http/sse_parser.hpp"
#include "pipeline/chat_job.hpp"
#include "pipeline/response_flights.hpp"

namespace aisbf {

// A stream in a client format (SSE: OpenAI chunks or Anthropic events)
// read back into canonical events, decoded with the codec of the provider
// that speaks the format (a passthrough answer is that provider's bytes):
// whole (a recorded answer) or as it grows (a leader's live stream).
class RecordedStream {
 public:
  RecordedStream(IngressFormat format, std::size_t max_event_bytes);
  // The events `bytes` complete, appended to `events`; an error when they
  // do not decode (an error event among them, a malformed one).
  std::optional<GatewayError> feed(std::string_view bytes, std::vector<StreamEvent>& events);
  // No bytes follow: the last events; an error unless the stream was
  // complete (its finish and its proper end, nothing cut mid-event).
  std::optional<GatewayError> finish(std::vector<StreamEvent>& events);

 private:
  std::unique_ptr<StreamDecoder> decoder_;  // null: this build lacks the codec
  sse::Parser parser_;
  bool finished_ = false;  // a FinishEvent came
};

// A cached or coalesced answer's own id and creation time: ids are not
// shared between clients.
std::string own_answer_id(const ChatJob& job, const RequestContext& ctx);
std::int64_t seconds_now();

struct LiveFollow {
  // True: the request is done (its answer went out, complete or ended with
  // an error event, or its client left). False: nothing went out (the
  // leader's answer is not a live stream this follower can take, or it
  // failed first): the caller waits for the leader's verdict.
  bool done = false;
  bool started = false;        // something of the answer went out
  bool complete = false;       // all of it, with its proper end
  std::optional<Usage> usage;  // the answer's last usage
  std::string served_by;       // the leader's x-aisbf-target, when it named one
};

// Follows the leader's stream until it ends, the request's deadline
// passes (a started answer then ends with the 504 error event) or its
// client leaves (ctx.cancel). Adds `x-aisbf-cache: hit` when it starts.
// `may_share(served_by)`: whether an answer from that candidate (the
// leader's x-aisbf-target) may be shared at all; when not, nothing goes
// out (a rotation's candidate with the cache off).
boost::asio::awaitable<LiveFollow> follow_live(ChatJob& job, RequestContext& ctx,
                                               std::shared_ptr<ResponseFlights::Flight> flight,
                                               const std::function<bool(std::string_view)>& may_share);

}  // namespace aisbf
