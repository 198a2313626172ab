// Canonical chat model: what every ingress codec decodes into and every
// provider codec encodes from. Neutral on purpose: provider extras ride in
// `extensions`, never as new fields here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace aisbf {

enum class Role { system, developer, user, assistant, tool };

// `cache_control` on a block (and a tool definition): Anthropic's cache
// breakpoint as the client sent it, its JSON text (`{"type":"ephemeral"}`);
// empty: none. Kept so that an Anthropic client's marks reach an Anthropic
// upstream on the translated path (a condensed request); other codecs
// ignore it.
struct TextBlock {
  std::string text;
  std::string cache_control{};
};
struct ImageBlock {
  std::string url;         // https URL, or empty when data is inline
  std::string media_type;  // e.g. image/png, for inline data
  std::string data_base64;
  std::string detail;      // OpenAI's auto|low|high, empty when unset
  std::string cache_control{};
};
struct ToolCallBlock {
  std::string id;
  std::string name;
  std::string arguments_json;  // always a JSON text, never an object
  std::string cache_control{};
};
struct ToolResultBlock {
  std::string tool_call_id;
  std::string content;
  bool is_error = false;
  std::string cache_control{};
};
// Reasoning as a provider returned it, with the opaque state that provider
// wants back on the next turn. Each codec sends back only its own kind:
// `signature` is Anthropic's thinking signature (Gemini's thought signature
// behind "gemini:", gemini_wire.hpp); `encrypted_content` is an OpenAI
// Responses reasoning item's (providers/openai/responses_upstream.hpp),
// never sent to anyone but a Responses upstream. `text`: the thinking, or an
// OpenAI reasoning summary.
struct ThinkingBlock {
  std::string text;
  std::string signature;
  std::string encrypted_content{};
};
using ContentBlock = std::variant<TextBlock, ImageBlock, ToolCallBlock, ToolResultBlock, ThinkingBlock>;

struct Message {
  Role role = Role::user;
  std::vector<ContentBlock> content;
  std::string name;
};

struct ToolDefinition {
  std::string name;
  std::string description;
  boost::json::value parameters;  // JSON Schema; null when the tool takes none
  std::string cache_control{};
};

enum class ToolChoiceMode { unset, none, auto_, required, specific };
struct ToolChoice {
  ToolChoiceMode mode = ToolChoiceMode::unset;
  std::string name;  // for `specific`
};

struct ChatRequest {
  std::string model;  // as the caller named it (routing resolves it)
  // System and developer instructions are messages with those roles, in
  // order; codecs of formats with one top-level system prompt join them.
  std::vector<Message> messages;
  std::vector<ToolDefinition> tools;
  ToolChoice tool_choice;
  std::optional<std::int64_t> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::vector<std::string> stop;
  bool stream = false;
  bool include_usage = false;
  // Fields the caller sent that have no canonical slot, kept for codecs
  // that can pass them on (OpenAI-compatible upstreams).
  boost::json::object extensions;
};

enum class FinishReason { none, stop, length, tool_calls, content_filter, error };

// Token counts with OpenAI's meaning: prompt_tokens includes cache reads
// and cache writes; completion_tokens includes reasoning tokens.
struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t total_tokens = 0;
  std::int64_t cached_tokens = 0;       // subset of prompt_tokens (cache reads)
  std::int64_t cache_write_tokens = 0;
  std::int64_t reasoning_tokens = 0;    // subset of completion_tokens
  // The request's prompt as sent upstream (after condensation; summed over
  // the chunks of a split request), counted by the gateway with the chat
  // rule (context/token_count.hpp): `usage.effective_context` in every
  // ingress format. nullopt: not counted (the codecs then omit it).
  std::optional<std::int64_t> effective_context;
};

struct ChatResponse {
  std::string id;
  std::string model;
  std::int64_t created = 0;
  Message message;  // role assistant
  FinishReason finish_reason = FinishReason::none;
  std::optional<Usage> usage;
  // > 0: the answers of this many chunks of a split request, joined
  // (`aisbf_chunked: true`, `aisbf_chunks: N` in every ingress format).
  int split_chunks = 0;
};

// One increment of a streamed answer.
struct TextDelta {
  std::string text;
};
struct ReasoningDelta {
  std::string text;
  std::string signature;  // Anthropic's thinking signature, on the delta that carries it
  // An OpenAI Responses reasoning item's encrypted_content, on the delta
  // that ends the item (see ThinkingBlock).
  std::string encrypted_content{};
  // The text is a summary of the reasoning (OpenAI's reasoning summaries),
  // not the reasoning itself: a Responses client gets it as summary_text.
  bool summary = false;
};
struct ToolCallDelta {
  int index = 0;           // position of the call within the message
  std::string id;          // only on the first fragment of a call
  std::string name;        // only on the first fragment of a call
  std::string arguments;   // a fragment; fragments joined in order are JSON
};
struct FinishEvent {
  FinishReason reason = FinishReason::stop;
  int split_chunks = 0;  // as ChatResponse::split_chunks, on a split request's one finish
};
// The usage so far: each UsageEvent replaces the previous one (decoders
// merge partial reports, e.g. Anthropic's input and output counts).
struct UsageEvent {
  Usage usage;
};
struct StreamStart {
  std::string id;
  std::string model;
  std::int64_t created = 0;
};
using StreamEvent = std::variant<StreamStart, TextDelta, ReasoningDelta, ToolCallDelta, FinishEvent, UsageEvent>;

}  // namespace aisbf
