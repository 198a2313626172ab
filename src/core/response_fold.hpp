// A streamed answer folded into one ChatResponse, and a whole answer
// unfolded into the stream events that say the same. The in-process chat
// call folds the events it hands on; the response cache folds a stream it
// stores and unfolds an answer it replays as a stream. Pure, no I/O.
#pragma once

#include <cstddef>
#include <vector>

#include "core/chat_types.hpp"

namespace aisbf {

class ResponseFolder {
 public:
  ResponseFolder() { response_.message.role = Role::assistant; }
  void fold(const StreamEvent& event);
  ChatResponse& response() { return response_; }

 private:
  template <class Block>
  Block& last_block();
  void fold_tool_call(const ToolCallDelta& delta);

  static constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);
  ChatResponse response_;
  std::vector<std::size_t> tool_slots_;  // tool call index → its block in the content
};

// StreamStart, one delta per content block (tool calls numbered in order),
// the finish and, when the answer has it, its usage.
std::vector<StreamEvent> unfold_response(const ChatResponse& response);

}  // namespace aisbf
