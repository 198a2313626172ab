// Gemini GenerateContentResponse (non-streaming) → canonical ChatResponse
// (PROTOCOLS.md §3.2, §5.6, §5.7), plus the readers the stream decoder shares.
#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/gemini/gemini_adapter.hpp"
#include "providers/gemini/gemini_wire.hpp"

namespace aisbf::gemini {

// Unlike json_read::optional_int_member, also reads a decimal string: protobuf
// JSON writes int64 fields as strings.
std::optional<std::int64_t> optional_int_member(const json::object& object, std::string_view key) {
  if (auto n = json_read::optional_int_member(object, key)) return n;
  const json::value* v = object.if_contains(key);
  if (v != nullptr && v->is_string()) {
    std::int64_t out = 0;
    const auto& s = v->get_string();
    if (s.empty() || s.size() > 18) return std::nullopt;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      out = out * 10 + (c - '0');
    }
    return out;
  }
  return std::nullopt;
}

std::int64_t int_member(const json::object& object, std::string_view key) {
  return optional_int_member(object, key).value_or(0);
}

FinishReason map_finish_reason(std::string_view reason, bool calls_seen) {
  if (reason == "MAX_TOKENS") return FinishReason::length;
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" || reason == "PROHIBITED_CONTENT" ||
      reason == "SPII" || (reason.substr(0, 6) == "IMAGE_" && reason != "IMAGE_OTHER"))
    return FinishReason::content_filter;
  // STOP (also after a function call: Gemini has no tool-call reason), and
  // OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, … which have no equivalent.
  return calls_seen ? FinishReason::tool_calls : FinishReason::stop;
}

Usage decode_usage(const json::object& usage_metadata) {
  Usage out;
  // toolUsePromptTokenCount is input too: with it, prompt + completion = total.
  out.prompt_tokens =
      int_member(usage_metadata, "promptTokenCount") + int_member(usage_metadata, "toolUsePromptTokenCount");
  out.reasoning_tokens = int_member(usage_metadata, "thoughtsTokenCount");
  out.completion_tokens = int_member(usage_metadata, "candidatesTokenCount") + out.reasoning_tokens;
  out.total_tokens =
      optional_int_member(usage_metadata, "totalTokenCount").value_or(out.prompt_tokens + out.completion_tokens);
  out.cached_tokens = int_member(usage_metadata, "cachedContentTokenCount");
  return out;
}

const json::object* first_candidate(const json::object& root) {
  const json::array* candidates = array_member(root, "candidates");
  if (candidates == nullptr) return nullptr;
  for (const auto& entry : *candidates) {
    const auto* candidate = entry.if_object();
    if (candidate != nullptr && int_member(*candidate, "index") == 0) return candidate;
  }
  return nullptr;
}

std::string block_reason(const json::object& root) {
  const json::object* feedback = object_member(root, "promptFeedback");
  return feedback == nullptr ? std::string() : string_member(*feedback, "blockReason");
}

namespace {

bool usable_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string tool_call_id(std::string_view response_id, int index, std::string_view upstream_id) {
  if (usable_id(upstream_id)) return std::string(upstream_id);
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a
  for (unsigned char c : response_id) hash = (hash ^ c) * 1099511628211ULL;
  return fmt::format("call_{:016x}_{}", hash, index);
}

DecodedPart decode_part(const json::object& part) {
  DecodedPart out;
  if (std::string sig = string_member(part, "thoughtSignature"); !sig.empty())
    out.signature = std::string(kSignaturePrefix) + sig;
  if (const auto* call = object_member(part, "functionCall")) {
    out.kind = DecodedPart::Kind::call;
    out.name = string_member(*call, "name");
    out.call_id = string_member(*call, "id");
    const json::value* args = call->if_contains("args");
    out.arguments = args != nullptr && args->is_object() ? json::serialize(*args) : "{}";
  } else if (const json::value* text = part.if_contains("text"); text != nullptr && text->is_string()) {
    out.kind = bool_member(part, "thought") ? DecodedPart::Kind::thought : DecodedPart::Kind::text;
    out.text = std::string(text->get_string());
  } else if (const auto* inline_data = object_member(part, "inlineData")) {
    out.kind = DecodedPart::Kind::image;
    out.mime_type = string_member(*inline_data, "mimeType");
    out.data = string_member(*inline_data, "data");
  }
  return out;
}

namespace {

void append_text(std::vector<ContentBlock>& content, std::string text) {
  if (text.empty()) return;
  if (!content.empty())
    if (auto* last = std::get_if<TextBlock>(&content.back())) {
      last->text += text;
      return;
    }
  content.push_back(TextBlock{std::move(text)});
}

// Where a signature goes (see gemini_wire.hpp): on a thought, with it; on a
// call, as a text-less ThinkingBlock just before it; on anything else, as
// one just after it.
struct MessageBuilder {
  std::string response_id;
  Message message{Role::assistant, {}, {}};
  int calls = 0;

  void add(DecodedPart part) {
    auto& content = message.content;
    using Kind = DecodedPart::Kind;
    if (part.kind == Kind::thought) {
      content.push_back(ThinkingBlock{std::move(part.text), std::move(part.signature)});
      return;
    }
    if (part.kind == Kind::call) {
      if (!part.signature.empty()) content.push_back(ThinkingBlock{{}, std::move(part.signature)});
      content.push_back(ToolCallBlock{tool_call_id(response_id, calls++, part.call_id), std::move(part.name),
                                      std::move(part.arguments)});
      return;
    }
    if (part.kind == Kind::text) append_text(content, std::move(part.text));
    if (part.kind == Kind::image && !part.data.empty())
      content.push_back(ImageBlock{{}, std::move(part.mime_type), std::move(part.data), {}});
    if (!part.signature.empty()) content.push_back(ThinkingBlock{{}, std::move(part.signature)});
  }
};

}  // namespace

Expected<ChatResponse> GeminiAdapter::decode_chat(std::string_view body) const {
  auto parsed = parse_json(body, "answer");
  if (!parsed) return parsed.take_error();
  if (auto error = read_rpc_error(*parsed)) return rpc_error_to_gateway(*error, error->code, {});
  if (!parsed->is_object()) return protocol_error("upstream answer is not a JSON object: " + excerpt(body, 120));
  const json::object& root = parsed->get_object();

  ChatResponse out;
  out.id = string_member(root, "responseId");
  out.model = string_member(root, "modelVersion");
  out.message.role = Role::assistant;
  if (const auto* usage = object_member(root, "usageMetadata")) out.usage = decode_usage(*usage);
  const json::object* candidate = first_candidate(root);
  if (candidate == nullptr) {
    if (block_reason(root).empty())
      return protocol_error("upstream answer has no candidates[0]: " + excerpt(body, 120));
    out.finish_reason = FinishReason::content_filter;  // the prompt itself was blocked
    return out;
  }
  MessageBuilder builder{out.id};
  if (const auto* content = object_member(*candidate, "content"))
    if (const auto* parts = array_member(*content, "parts"))
      for (const auto& entry : *parts)
        if (const auto* part = entry.if_object()) builder.add(decode_part(*part));
  out.message = std::move(builder.message);
  if (std::string reason = string_member(*candidate, "finishReason"); !reason.empty())
    out.finish_reason = map_finish_reason(reason, builder.calls > 0);
  return out;
}

}  // namespace aisbf::gemini
