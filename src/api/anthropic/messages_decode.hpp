// Readers shared by the Anthropic request decoder's two halves
// (messages_request.cpp: top-level fields; messages_content.cpp: content
// blocks). Internal to src/api/anthropic/. Errors are Anthropic-style 400s
// that name the path of the field: `messages.1.content.0.type: Field required`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/chat_types.hpp"
#include "core/expected.hpp"

namespace aisbf::api::anthropic::decode {

// What was dropped while decoding one request; logged once at the end.
class Warnings {
 public:
  void add(std::string text);
  const std::vector<std::string>& items() const { return items_; }

 private:
  std::vector<std::string> items_;
};

GatewayError invalid(std::string message);
// "<path>: Field required"
GatewayError required(std::string_view path);
// "<path>: Input should be a valid <expected>"
GatewayError wrong_type(std::string_view path, std::string_view expected);

// `object[key]` as a string: "" when absent or null and not `needed`; an
// error when it has another type, or is absent and `needed`.
Expected<std::string> string_field(const boost::json::object& object, std::string_view key, std::string_view path,
                                   bool needed);

// A block's or tool's `cache_control` object as its JSON text (the
// canonical blocks' `cache_control`); "" when absent or not an object.
std::string cache_control_text(const boost::json::object& object);

// One Anthropic message split the canonical way: its tool results become
// Role::tool messages (they come first), everything else stays in `blocks`.
struct MessageParts {
  std::vector<Message> tool_messages;
  std::vector<ContentBlock> blocks;
};

// A message's `content` (string or array of blocks) at `path` ("messages.3").
std::optional<GatewayError> decode_content(const boost::json::value* content, Role role, const std::string& path,
                                           MessageParts& out, Warnings& warnings);

}  // namespace aisbf::api::anthropic::decode
