#include "core/response_fold.hpp"

#include <variant>

namespace aisbf {

namespace {

// Whether `next` starts a new block after `open`. An Anthropic thinking
// block's signature comes on its last delta, so a signed block is complete:
// the thinking after it is the next block's, whose text must not join the
// signed one (Anthropic refuses a thinking block whose text was changed).
bool sealed_against(const ThinkingBlock& open, const ReasoningDelta& next) {
  if (!open.encrypted_content.empty() && (!next.text.empty() || !next.encrypted_content.empty())) return true;
  return !open.signature.empty();
}

}  // namespace

template <class Block>
Block& ResponseFolder::last_block() {
  auto& content = response_.message.content;
  if (content.empty() || !std::holds_alternative<Block>(content.back())) content.emplace_back(Block{});
  return std::get<Block>(content.back());
}

void ResponseFolder::fold(const StreamEvent& event) {
  if (const auto* start = std::get_if<StreamStart>(&event)) {
    response_.id = start->id;
    response_.model = start->model;
    response_.created = start->created;
  } else if (const auto* text = std::get_if<TextDelta>(&event)) {
    last_block<TextBlock>().text += text->text;
  } else if (const auto* reasoning = std::get_if<ReasoningDelta>(&event)) {
    auto& content = response_.message.content;
    // An OpenAI reasoning item ends with its encrypted_content: more text
    // starts the next item, and so does more opaque state of a kind the open
    // block already holds (back-to-back items with an empty summary).
    const auto* open = content.empty() ? nullptr : std::get_if<ThinkingBlock>(&content.back());
    if (open != nullptr && sealed_against(*open, *reasoning)) content.emplace_back(ThinkingBlock{});
    auto& block = last_block<ThinkingBlock>();
    block.text += reasoning->text;
    if (!reasoning->signature.empty()) block.signature = reasoning->signature;
    if (!reasoning->encrypted_content.empty()) block.encrypted_content = reasoning->encrypted_content;
  } else if (const auto* call = std::get_if<ToolCallDelta>(&event)) {
    fold_tool_call(*call);
  } else if (const auto* finish = std::get_if<FinishEvent>(&event)) {
    response_.finish_reason = finish->reason;
    if (finish->split_chunks > 0) response_.split_chunks = finish->split_chunks;
  } else if (const auto* usage = std::get_if<UsageEvent>(&event)) {
    response_.usage = usage->usage;
  }
}

// Fragments of call `index` join into one block, wherever it sits.
void ResponseFolder::fold_tool_call(const ToolCallDelta& delta) {
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

std::vector<StreamEvent> unfold_response(const ChatResponse& response) {
  std::vector<StreamEvent> out;
  out.reserve(response.message.content.size() + 3);
  out.emplace_back(StreamStart{response.id, response.model, response.created});
  int call_index = 0;
  for (const auto& block : response.message.content) {
    if (const auto* text = std::get_if<TextBlock>(&block)) {
      out.emplace_back(TextDelta{text->text});
    } else if (const auto* thinking = std::get_if<ThinkingBlock>(&block)) {
      // OpenAI's reasoning (the one kind with encrypted_content) is a summary.
      out.emplace_back(ReasoningDelta{thinking->text, thinking->signature, thinking->encrypted_content,
                                      !thinking->encrypted_content.empty()});
    } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
      out.emplace_back(ToolCallDelta{call_index++, call->id, call->name, call->arguments_json});
    }
  }
  out.emplace_back(FinishEvent{response.finish_reason, response.split_chunks});
  if (response.usage) out.emplace_back(UsageEvent{*response.usage});
  return out;
}

}  // namespace aisbf
