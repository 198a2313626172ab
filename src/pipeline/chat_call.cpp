#include "pipeline/chat_call.hpp"

#include <variant>
#include <vector>

#include "core/response_fold.hpp"
#include "pipeline/chat_job.hpp"
#include "pipeline/translate.hpp"

namespace aisbf {

namespace {

// The answer as canonical values: kept whole, and for a stream folded from
// its events while each is handed to the caller's sink.
class CanonicalOutput final : public TranslatedOutput {
 public:
  explicit CanonicalOutput(CanonicalEventSink* sink) : sink_(sink) {}

  boost::asio::awaitable<bool> whole(const ChatResponse& response) override {
    response_ = response;
    started_ = true;
    co_return true;
  }

  boost::asio::awaitable<bool> events(const std::vector<StreamEvent>& events) override {
    started_ = true;
    for (const auto& ev : events) {
      fold(ev);
      if (sink_ == nullptr) continue;
      const bool taken = co_await sink_->on_event(ev);
      if (!taken) co_return false;
    }
    co_return true;
  }

  boost::asio::awaitable<void> finish(const std::optional<GatewayError>& error) override {
    started_ = true;
    error_ = error;
    co_return;
  }

  bool started() const override { return started_; }
  ChatResponse& response() { return response_; }
  const std::optional<GatewayError>& error() const { return error_; }

 private:
  void fold(const StreamEvent& event) { folder_.fold(event); }

  CanonicalEventSink* sink_;
  ResponseFolder folder_;
  ChatResponse& response_ = folder_.response();
  std::optional<GatewayError> error_;
  bool started_ = false;
};

}  // namespace

boost::asio::awaitable<Expected<ChatResponse>> chat_in_process(ChatRequest request, RequestContext& ctx,
                                                               InProcessChat call) {
  CanonicalOutput output(call.events);
  ChatJob job{ChatIo(call.pool)};
  job.io.canonical = &output;
  job.canonical = std::move(request);
  job.canonical->stream = call.events != nullptr;
  job.canonical->include_usage = true;  // the caller gets usage whenever the upstream reports it
  job.stream = job.canonical->stream;
  job.include_usage = true;
  job.condensable = call.condensable;
  job.client_model = job.canonical->model;  // after the move: a short name lives inside the string
  co_await run_chat_job(job, ctx, call.scope);
  if (job.io.failure) co_return std::move(*job.io.failure);
  if (output.error()) co_return *output.error();
  if (!output.started()) co_return make_error(ErrorKind::unavailable, "the request was cancelled");
  co_return std::move(output.response());
}

}  // namespace aisbf
