// Usage capture: the calls that fill a request's UsageTap, the sink that
// watches what the client gets, and the record made of it at the end,
// handed to the UsageRecorder (never blocking: a full queue drops it).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/json_scan.hpp"
#include "pipeline/relay.hpp"
#include "pipeline/request_context.hpp"
#include "pipeline/response_sink.hpp"
#include "routing/rotation.hpp"
#include "store/store.hpp"

namespace aisbf {

// An attempt at `c` starts: it is the request's last so far. Noted before
// it runs, so that a quota settling before the answer's last bytes (quota_gate.hpp)
// knows its attempt and prices.
void note_attempt_start(UsageTap& tap, const routing::Candidate& c);
// The attempt came to `outcome`.
inline void note_attempt_end(UsageTap& tap, const RelayOutcome& outcome) {
  if (!tap.noting()) return;
  tap.usage = outcome.usage;
  if (outcome.effective_context) tap.effective_context = *outcome.effective_context;
}

// The error the request is answered with (or ends its stream with).
inline void note_error(UsageTap& tap, const GatewayError& error) { tap.error = error.kind; }

// Forwards every call to the client's sink and notes the head's status,
// the first byte's time and the bytes sent. Not a coroutine per call: each
// hands over the inner sink's awaitable.
class UsageSink final : public ResponseSink {
 public:
  UsageSink(ResponseSink& inner, UsageTap& tap) : inner_(inner), tap_(tap) {}
  boost::asio::awaitable<bool> send(int status, std::string_view content_type, std::string_view body,
                                    const HeaderList& headers) override;
  boost::asio::awaitable<bool> begin_stream(int status, std::string_view content_type,
                                            const HeaderList& headers) override;
  boost::asio::awaitable<bool> write(std::string_view bytes) override;
  boost::asio::awaitable<bool> end() override { return inner_.end(); }
  boost::asio::awaitable<bool> end_with_error(std::string_view error_event, const GatewayError& error) override;
  bool started() const override { return inner_.started(); }
  bool gone() const override { return inner_.gone(); }

 private:
  void head(int status, bool streamed);
  ResponseSink& inner_;
  UsageTap& tap_;
};

// What an answer without reported usage is estimated from: the request's
// size and its prompt tokens in an upstream model's encoding (counted only
// for such an answer).
struct PromptMeasure {
  std::uint64_t request_bytes = 0;
  json_scan::FunctionRef<std::int64_t(std::string_view upstream_model)> prompt_tokens;
};

// The row for a request that is over. When the upstream reported no usage,
// the prompt is the request as sent (the attempt's effective context; else
// counted in the last attempt's model's encoding) and the answer's tokens
// are its bytes at the request's tokens per byte. An autoselect's choice
// (the tap's candidate and how it was chosen)
// is kept; the selection and classification calls' own rows have none.
store::UsageRecord make_usage_record(const RequestContext& ctx, std::string_view requested_model,
                                     const PromptMeasure& prompt, bool aborted);

// make_usage_record and hand it to the recorder; nothing when recording is off.
void record_usage(const RequestContext& ctx, std::string_view requested_model, const PromptMeasure& prompt,
                  bool aborted);

}  // namespace aisbf
