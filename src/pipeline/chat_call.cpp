#include "pipeline/chat_call.hpp"

#include <variant>
#include <vector>

#include "pipeline/chat_job.hpp"
#include "pipeline/translate.hpp"

namespace aisbf {

namespace {

// The answer as canonical values: kept whole, and for a stream folded from
// its events while each is handed to the caller's sink.
class CanonicalOutput final : public TranslatedOutput {
 public:
  explicit CanonicalOutput(CanonicalEventSink* sink) : sink_(sink) { response_.message.role = Role::assistant; }

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
  template <class Block>
  Block& last_block() {
    auto& content = response_.message.content;
    if (content.empty() || !std::holds_alternative<Block>(content.back())) content.emplace_back(Block{});
    return std::get<Block>(content.back());
  }

  void fold(const StreamEvent& event) {
    if (const auto* start = std::get_if<StreamStart>(&event)) {
      response_.id = start->id;
      response_.model = start->model;
      response_.created = start->created;
    } else if (const auto* text = std::get_if<TextDelta>(&event)) {
      last_block<TextBlock>().text += text->text;
    } else if (const auto* reasoning = std::get_if<ReasoningDelta>(&event)) {
      auto& block = last_block<ThinkingBlock>();
      block.text += reasoning->text;
      if (!reasoning->signature.empty()) block.signature = reasoning->signature;
    } else if (const auto* call = std::get_if<ToolCallDelta>(&event)) {
      fold_tool_call(*call);
    } else if (const auto* finish = std::get_if<FinishEvent>(&event)) {
      response_.finish_reason = finish->reason;
    } else if (const auto* usage = std::get_if<UsageEvent>(&event)) {
      response_.usage = usage->usage;
    }
  }

  // Fragments of call `index` join into one block, wherever it sits.
  void fold_tool_call(const ToolCallDelta& delta) {
    if (delta.index < 0 || delta.index > 1024) return;  // bounded: no real answer makes a thousand calls
    const auto index = static_cast<std::size_t>(delta.index);
    if (index >= tool_slots_.size()) tool_slots_.resize(index + 1, kNoSlot);
    auto& content = response_.message.content;
    if (tool_slots_[index] == kNoSlot) {
      tool_slots_[index] = content.size();
      content.emplace_back(ToolCallBlock{});
    }
    auto& block = std::get<ToolCallBlock>(content[tool_slots_[index]]);
    if (!delta.id.empty()) block.id = delta.id;
    if (!delta.name.empty()) block.name = delta.name;
    block.arguments_json += delta.arguments;
  }

  static constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);
  CanonicalEventSink* sink_;
  ChatResponse response_;
  std::optional<GatewayError> error_;
  std::vector<std::size_t> tool_slots_;  // tool call index → its block in the content
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
