// Token counts of chat requests: which encoding a model uses, and OpenAI's
// counting rules on top of the tokenizer (per-message and per-name overhead,
// the reply's priming, tool definitions, image tiles), so that a count here
// is what the upstream would bill for the prompt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "context/tokenizer.hpp"
#include "core/chat_types.hpp"

namespace aisbf::context {

// The encoding a model's upstream name tokenizes with. `exact`: the model is
// an OpenAI model of that encoding; otherwise the encoding is cl100k_base as
// an approximation (Claude, Gemini, Llama, Qwen, …).
struct EncodingChoice {
  Encoding encoding = Encoding::cl100k_base;
  bool exact = false;
};
EncodingChoice encoding_for_model(std::string_view upstream_model);

// What condensation needs to measure a request. An interface so that the
// condensation methods' tests may count with a fixed rule of their own.
class TokenCounter {
 public:
  virtual ~TokenCounter() = default;
  // One message with its per-message (and per-name) overhead.
  virtual std::int64_t message(const Message& message) const = 0;
  // The whole prompt: every message, the reply's priming, the tool definitions.
  virtual std::int64_t request(const ChatRequest& request) const = 0;
  // The length of the longest prefix of `text` that counts at most
  // `max_tokens` as a text block (Tokenizer::prefix_within), reading the
  // text only that far; nullopt when this counter cannot tell, and the
  // caller then searches by counting candidate prefixes.
  virtual std::optional<std::size_t> text_prefix_within(std::string_view, std::int64_t) const {
    return std::nullopt;
  }
};

// OpenAI's rules on one tokenizer. Thread-safe; cheap to make.
class ChatTokenCounter final : public TokenCounter {
 public:
  explicit ChatTokenCounter(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}
  std::int64_t text(std::string_view text) const;
  std::int64_t message(const Message& message) const override;
  // The tool definitions' overhead (0 for none), the cookbook's rule for
  // the tokenizer's family (o200k: gpt-4o's; cl100k: gpt-4's).
  std::int64_t tools(const std::vector<ToolDefinition>& tools) const;
  std::int64_t request(const ChatRequest& request) const override;
  // What message() counts for a message of one text block (`name` may be
  // empty), and what request() adds to its messages without tools: for a
  // reader of the raw body (plain_chat_count.hpp), which builds no Message.
  std::int64_t text_message(Role role, std::string_view name, std::string_view text) const;
  static std::int64_t reply_priming();
  std::optional<std::size_t> text_prefix_within(std::string_view text, std::int64_t max_tokens) const override;

 private:
  std::int64_t property(std::string_view key, const boost::json::value& schema) const;
  const Tokenizer& tokenizer_;
};

// A count without a tokenizer (its rank files missing): about four bytes a
// token, OpenAI's rule of thumb, with ChatTokenCounter's per-message
// overheads, images and tool definitions left out. For windows that must
// still be cut somewhere when no exact count can be had (autoselect's view
// of the conversation), never for a figure that is reported.
class EstimatingTokenCounter final : public TokenCounter {
 public:
  static constexpr std::int64_t kBytesPerToken = 4;
  static std::int64_t text(std::string_view text);
  std::int64_t message(const Message& message) const override;
  std::int64_t request(const ChatRequest& request) const override;
  std::optional<std::size_t> text_prefix_within(std::string_view text, std::int64_t max_tokens) const override;
};

// Whether a count of `request` assumed an image's size (image_tokens.hpp):
// a URL, or inline data whose header could not be read.
bool has_assumed_image(const ChatRequest& request);

}  // namespace aisbf::context
