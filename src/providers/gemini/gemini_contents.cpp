// Canonical messages → Gemini `contents` + system instruction
// (PROTOCOLS.md §3.1, §3.4, §3.5, §5.1, §5.4, §5.5).
#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <map>
#include <utility>

#include "providers/gemini/gemini_wire.hpp"

namespace aisbf::gemini {

namespace {

// One message's parts before adjacent same-role turns are merged.
struct Turn {
  std::string role;       // "user" or "model"
  json::array responses;  // functionResponse parts (user turns): they go first
  json::array parts;
};

std::string_view own_signature(std::string_view signature) {
  if (signature.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) return {};
  return signature.substr(kSignaturePrefix.size());
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// A MIME type from a URL's file extension, empty when unknown.
std::string guess_image_type(std::string_view url) {
  url = url.substr(0, std::min(url.find('?'), url.find('#')));
  auto dot = url.rfind('.');
  if (dot == std::string_view::npos || url.find('/', dot) != std::string_view::npos) return {};
  std::string ext(url.substr(dot + 1));
  for (char& c : ext)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "png" || ext == "webp" || ext == "gif" || ext == "heic" || ext == "heif") return "image/" + ext;
  return {};
}

class ContentsEncoder {
 public:
  explicit ContentsEncoder(std::vector<std::string>& warnings) : warnings_(warnings) {}

  void add(const Message& message);
  EncodedContents finish();

 private:
  void add_system(const Message& message);
  void add_user(const Message& message);
  void add_model(const Message& message);
  std::optional<json::object> image_part(const ImageBlock& image);
  json::object call_part(const ToolCallBlock& call);
  void add_result(const ToolResultBlock& result, Turn& turn);
  void warn(std::string text) { warnings_.push_back(std::move(text)); }

  std::vector<std::string>& warnings_;
  std::vector<Turn> turns_;
  std::string system_;
  std::map<std::string, std::string, std::less<>> call_names_;  // tool-call id → function name
};

void ContentsEncoder::add(const Message& message) {
  switch (message.role) {
    case Role::system:
    case Role::developer:
      return add_system(message);
    case Role::user:
    case Role::tool:
      return add_user(message);
    case Role::assistant:
      return add_model(message);
  }
}

// Several system/developer messages: texts joined by blank lines (§5.1).
void ContentsEncoder::add_system(const Message& message) {
  std::string text;
  for (const auto& block : message.content) {
    if (const auto* t = std::get_if<TextBlock>(&block)) {
      text += t->text;
    } else {
      warn("a non-text block of a system message");
    }
  }
  if (text.empty()) return;
  if (!system_.empty()) system_ += "\n\n";
  system_ += text;
}

std::optional<json::object> ContentsEncoder::image_part(const ImageBlock& image) {
  std::string_view url = image.url;
  if (url.empty() || starts_with(url, "data:")) {
    std::string mime = image.media_type, data = image.data_base64;
    if (!url.empty()) {  // data:<type>;base64,<data>
      auto comma = url.find(',');
      std::string_view header = url.substr(5, comma == std::string_view::npos ? 0 : comma - 5);
      if (comma == std::string_view::npos || header.find(";base64") == std::string_view::npos) {
        warn("an image data URL that is not base64");
        return std::nullopt;
      }
      mime = std::string(header.substr(0, header.find(';')));
      data = std::string(url.substr(comma + 1));
    }
    if (data.empty()) return std::nullopt;
    return json::object{{"inlineData", {{"mimeType", mime.empty() ? "image/png" : mime}, {"data", data}}}};
  }
  // fileData takes Files-API / GCS URIs and public or signed HTTPS URLs, not plain http.
  if (!starts_with(url, "https://") && !starts_with(url, "gs://")) {
    // Without the query: signed URLs carry their credentials there.
    warn(fmt::format("image URL '{}' (Gemini fetches only https:// and gs:// URLs)",
                     excerpt(url.substr(0, url.find('?')), 80)));
    return std::nullopt;
  }
  json::object file{{"fileUri", url}};
  std::string mime = image.media_type.empty() ? guess_image_type(url) : image.media_type;
  if (!mime.empty()) file["mimeType"] = mime;
  return json::object{{"fileData", std::move(file)}};
}

// A tool result → functionResponse, its name looked up from the call it
// answers. `response` must be an object: a JSON object result is sent as
// it is, anything else as {"output": …}, an error as {"error": …} (§5.4).
void ContentsEncoder::add_result(const ToolResultBlock& result, Turn& turn) {
  auto name = call_names_.find(result.tool_call_id);
  if (name == call_names_.end()) {
    warn(fmt::format("tool result '{}' answers no earlier call (sent as text)", excerpt(result.tool_call_id, 64)));
    turn.parts.push_back(
        json::object{{"text", fmt::format("Result of tool call {}:\n{}", result.tool_call_id, result.content)}});
    return;
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(result.content, ec);
  json::object response;
  if (!ec && parsed.is_object() && !result.is_error) {
    response = std::move(parsed.get_object());
  } else {
    response[result.is_error ? "error" : "output"] = ec ? json::value(json::string(result.content)) : parsed;
  }
  turn.responses.push_back(
      json::object{{"functionResponse", {{"name", name->second}, {"response", std::move(response)}}}});
}

void ContentsEncoder::add_user(const Message& message) {
  Turn turn{"user", {}, {}};
  for (const auto& block : message.content) {
    if (const auto* text = std::get_if<TextBlock>(&block)) {
      if (!text->text.empty()) turn.parts.push_back(json::object{{"text", text->text}});
    } else if (const auto* image = std::get_if<ImageBlock>(&block)) {
      if (auto part = image_part(*image)) turn.parts.push_back(std::move(*part));
    } else if (const auto* result = std::get_if<ToolResultBlock>(&block)) {
      add_result(*result, turn);
    } else if (std::holds_alternative<ToolCallBlock>(block)) {
      warn("a tool call in a user message");
    }
    // ThinkingBlock in a user turn: nothing to send.
  }
  turns_.push_back(std::move(turn));
}

json::object ContentsEncoder::call_part(const ToolCallBlock& call) {
  call_names_[call.id] = call.name;
  json::value args = json::object();
  if (!call.arguments_json.empty()) {
    boost::system::error_code ec;
    json::value parsed = json::parse(call.arguments_json, ec);
    if (!ec && parsed.is_object()) {
      args = std::move(parsed);
    } else {
      warn(fmt::format("arguments of tool call '{}' are not a JSON object (sent as {{}})", excerpt(call.id, 64)));
    }
  }
  // No `id`: the Gemini API rejects functionCall.id in requests ("Unknown name").
  return json::object{{"functionCall", {{"name", call.name}, {"args", std::move(args)}}}};
}

// Signatures come back on the part they were decoded from (gemini_wire.hpp):
// a text-less signed ThinkingBlock goes on the call that follows it, else on
// the text part before it, else alone on an empty text part. Thinking from
// other providers, and unsigned thinking, is not sent.
void ContentsEncoder::add_model(const Message& message) {
  Turn turn{"model", {}, {}};
  std::string pending;  // signature for the next functionCall part
  const auto& blocks = message.content;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const auto& block = blocks[i];
    if (const auto* thinking = std::get_if<ThinkingBlock>(&block)) {
      std::string_view sig = own_signature(thinking->signature);
      if (sig.empty()) continue;
      json::object* prev = turn.parts.empty() ? nullptr : turn.parts.back().if_object();
      if (!thinking->text.empty()) {
        turn.parts.push_back(json::object{{"text", thinking->text}, {"thought", true}, {"thoughtSignature", sig}});
      } else if (i + 1 < blocks.size() && std::holds_alternative<ToolCallBlock>(blocks[i + 1])) {
        pending = sig;
      } else if (prev != nullptr && prev->contains("text") && !prev->contains("thought") &&
                 !prev->contains("thoughtSignature")) {
        (*prev)["thoughtSignature"] = sig;
      } else {
        turn.parts.push_back(json::object{{"text", ""}, {"thoughtSignature", sig}});
      }
    } else if (const auto* text = std::get_if<TextBlock>(&block)) {
      if (!text->text.empty()) turn.parts.push_back(json::object{{"text", text->text}});
    } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
      json::object part = call_part(*call);
      if (!pending.empty()) part["thoughtSignature"] = std::exchange(pending, {});
      turn.parts.push_back(std::move(part));
    } else if (const auto* image = std::get_if<ImageBlock>(&block)) {
      if (auto part = image_part(*image)) turn.parts.push_back(std::move(*part));
    } else {
      warn("a tool result in an assistant message");
    }
  }
  turns_.push_back(std::move(turn));
}

// Gemini 3 wants a signature on the first functionCall part of each step;
// when none survived (history from an OpenAI client or another provider),
// the documented dummy value stands in (§3.4). A signature Gemini put on an
// earlier part of the turn (a thought) is left to speak for the step.
void sign_first_call(json::array& parts) {
  for (auto& part : parts) {
    auto* object = part.if_object();
    if (object == nullptr) continue;
    if (!object->contains("functionCall")) {
      if (object->contains("thoughtSignature")) return;
      continue;
    }
    if (!object->contains("thoughtSignature")) (*object)["thoughtSignature"] = kDummySignature;
    return;
  }
}

EncodedContents ContentsEncoder::finish() {
  EncodedContents out;
  out.system = std::move(system_);
  std::vector<Turn> merged;
  for (auto& turn : turns_) {
    if (turn.responses.empty() && turn.parts.empty()) continue;  // Gemini rejects empty parts
    if (merged.empty() || merged.back().role != turn.role) {
      merged.push_back(std::move(turn));
      continue;
    }
    Turn& last = merged.back();  // §3.5: one user turn holds all the responses of a call turn
    for (auto& r : turn.responses) last.responses.push_back(std::move(r));
    for (auto& p : turn.parts) last.parts.push_back(std::move(p));
  }
  for (auto& turn : merged) {
    json::array parts = std::move(turn.responses);
    for (auto& p : turn.parts) parts.push_back(std::move(p));
    if (turn.role == "model") sign_first_call(parts);
    out.contents.push_back(json::object{{"role", turn.role}, {"parts", std::move(parts)}});
  }
  return out;
}

}  // namespace

EncodedContents encode_contents(const std::vector<Message>& messages, std::vector<std::string>& warnings) {
  ContentsEncoder encoder(warnings);
  for (const auto& message : messages) encoder.add(message);
  return encoder.finish();
}

}  // namespace aisbf::gemini
