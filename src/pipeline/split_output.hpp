// The answers of a split request's chunks as one answer (split_attempt.hpp
// sends the chunks): a TranslatedOutput in front of the client's. Whole:
// every chunk's answer is kept and one response goes out at the end, the
// texts joined with a blank line between, the usage summed, the last
// chunk's finish reason. Streamed: the first chunk's start, then every
// chunk's deltas in order ("\n\n" between chunks' texts), and only after the
// last chunk one finish, one usage (summed) and one end. Either way the
// answer carries split_chunks = the chunks sent. Tool calls in a chunk's
// answer end the split there: that answer is the last. `before_end` runs
// once, just before the joined answer's last bytes (the whole answer, the
// stream's tail or its error event) go to the client: the quota settles
// there (quota_gate.hpp).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/translate.hpp"

namespace aisbf {

class SplitOutput final : public TranslatedOutput {
 public:
  explicit SplitOutput(TranslatedOutput& client, std::function<void()> before_end = {})
      : client_(client), before_end_(std::move(before_end)) {}

  // Before each chunk is sent: `last` says whether it is the final one.
  void begin_chunk(bool last);
  // The answer went out whole (its last chunk, or tool calls), or ended
  // with an error, or the client left.
  bool ended() const { return ended_; }
  // The client left before the answer's end reached it.
  bool client_left() const { return client_left_; }
  int chunks() const { return chunks_; }

  boost::asio::awaitable<bool> whole(const ChatResponse& response) override;
  boost::asio::awaitable<bool> events(const std::vector<StreamEvent>& events) override;
  boost::asio::awaitable<void> finish(const std::optional<GatewayError>& error) override;
  bool started() const override { return client_.started(); }

 private:
  bool ends_here() const { return last_ || tool_calls_; }
  std::vector<StreamEvent> passed_on(const std::vector<StreamEvent>& events);
  void add_usage(const Usage& usage);
  ChatResponse joined(const ChatResponse& last) const;
  void end();

  TranslatedOutput& client_;
  std::function<void()> before_end_;
  int chunks_ = 0;
  bool last_ = false;
  bool tool_calls_ = false;  // the current chunk's answer calls tools
  bool ended_ = false;
  bool client_left_ = false;
  bool text_sent_ = false;   // a chunk's text went before: the next chunk's text starts with "\n\n"
  bool separated_ = false;   // the current chunk's separator is out
  FinishReason reason_ = FinishReason::none;
  std::optional<Usage> chunk_usage_;  // the current chunk's latest report
  std::optional<Usage> usage_;        // the chunks' reports, summed
  // Whole answers of the chunks before the last.
  std::optional<ChatResponse> first_;
  std::vector<std::string> texts_;
  std::vector<ContentBlock> thinking_;
};

}  // namespace aisbf
