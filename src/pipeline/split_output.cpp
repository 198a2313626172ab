#include "pipeline/split_output.hpp"

namespace aisbf {

namespace {

std::optional<std::int64_t> sum(const std::optional<std::int64_t>& a, const std::optional<std::int64_t>& b) {
  if (!a) return b;
  if (!b) return a;
  return *a + *b;
}

}  // namespace

void SplitOutput::begin_chunk(bool last) {
  ++chunks_;
  last_ = last;
  tool_calls_ = false;
  separated_ = false;
  chunk_usage_.reset();
}

void SplitOutput::add_usage(const Usage& u) {
  if (!usage_) {
    usage_ = u;
    return;
  }
  usage_->prompt_tokens += u.prompt_tokens;
  usage_->completion_tokens += u.completion_tokens;
  usage_->total_tokens += u.total_tokens;
  usage_->cached_tokens += u.cached_tokens;
  usage_->cache_write_tokens += u.cache_write_tokens;
  usage_->reasoning_tokens += u.reasoning_tokens;
  usage_->effective_context = sum(usage_->effective_context, u.effective_context);
}

ChatResponse SplitOutput::joined(const ChatResponse& last) const {
  ChatResponse out = first_ ? *first_ : last;
  out.message = Message{Role::assistant, thinking_, {}};
  std::string text;
  for (const auto& t : texts_) {
    if (t.empty()) continue;
    if (!text.empty()) text += "\n\n";
    text += t;
  }
  if (!text.empty()) out.message.content.emplace_back(TextBlock{std::move(text)});
  for (const auto& block : last.message.content) {
    if (std::holds_alternative<ToolCallBlock>(block)) out.message.content.push_back(block);
  }
  out.finish_reason = last.finish_reason;
  out.usage = usage_;
  out.split_chunks = chunks_;
  return out;
}

// The joined answer's last bytes go out next.
void SplitOutput::end() {
  ended_ = true;
  if (before_end_) before_end_();
}

boost::asio::awaitable<bool> SplitOutput::whole(const ChatResponse& response) {
  if (!first_) first_ = response;
  std::string text;
  for (const auto& block : response.message.content) {
    if (const auto* t = std::get_if<TextBlock>(&block)) text += t->text;
    if (std::holds_alternative<ThinkingBlock>(block)) thinking_.push_back(block);
    tool_calls_ = tool_calls_ || std::holds_alternative<ToolCallBlock>(block);
  }
  texts_.push_back(std::move(text));
  if (response.usage) add_usage(*response.usage);
  if (!ends_here()) co_return true;  // kept until the last chunk's answer
  end();
  co_return co_await client_.whole(joined(response));
}


// What of a chunk's events the client sees now: the first chunk's start,
// every delta; the finish and usage are kept for the end.
std::vector<StreamEvent> SplitOutput::passed_on(const std::vector<StreamEvent>& events) {
  std::vector<StreamEvent> out;
  for (const auto& ev : events) {
    if (std::holds_alternative<StreamStart>(ev)) {
      if (chunks_ == 1) out.push_back(ev);
    } else if (const auto* text = std::get_if<TextDelta>(&ev)) {
      if (text->text.empty()) continue;
      if (text_sent_ && !separated_) out.push_back(TextDelta{"\n\n"});
      separated_ = true;
      text_sent_ = true;
      out.push_back(ev);
    } else if (const auto* finish = std::get_if<FinishEvent>(&ev)) {
      reason_ = finish->reason;
      tool_calls_ = tool_calls_ || finish->reason == FinishReason::tool_calls;
    } else if (const auto* usage = std::get_if<UsageEvent>(&ev)) {
      chunk_usage_ = usage->usage;  // each report replaces the chunk's previous one
    } else {
      tool_calls_ = tool_calls_ || std::holds_alternative<ToolCallDelta>(ev);
      out.push_back(ev);
    }
  }
  return out;
}

boost::asio::awaitable<bool> SplitOutput::events(const std::vector<StreamEvent>& events) {
  const std::vector<StreamEvent> out = passed_on(events);
  if (out.empty()) co_return true;
  const bool delivered = co_await client_.events(out);
  // The client is gone: no further chunk is asked for (before the disconnect watcher may notice).
  if (!delivered) ended_ = client_left_ = true;
  co_return delivered;
}

boost::asio::awaitable<void> SplitOutput::finish(const std::optional<GatewayError>& error) {
  if (ended_) co_return;
  if (chunk_usage_) add_usage(*chunk_usage_);
  chunk_usage_.reset();
  if (!error && !ends_here()) co_return;  // the next chunk's answer follows in the same stream
  end();
  if (!error) {
    std::vector<StreamEvent> tail{FinishEvent{reason_ == FinishReason::none ? FinishReason::stop : reason_, chunks_}};
    if (usage_) tail.emplace_back(UsageEvent{*usage_});
    const bool delivered = co_await client_.events(tail);  // named: see pipeline/README.md
    if (!delivered) co_return;
  }
  co_await client_.finish(error);
}

}  // namespace aisbf
