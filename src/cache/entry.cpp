#include "cache/entry.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace aisbf::cache {

namespace json = boost::json;

namespace {

constexpr FinishReason kReasons[] = {FinishReason::none,       FinishReason::stop,           FinishReason::length,
                                     FinishReason::tool_calls, FinishReason::content_filter, FinishReason::error};

json::object usage_json(const Usage& u) {
  json::object o;
  o["prompt"] = u.prompt_tokens;
  o["completion"] = u.completion_tokens;
  o["total"] = u.total_tokens;
  o["cached"] = u.cached_tokens;
  o["cache_write"] = u.cache_write_tokens;
  o["reasoning"] = u.reasoning_tokens;
  if (u.effective_context) o["effective_context"] = *u.effective_context;
  return o;
}

json::object block_json(const ContentBlock& block) {
  json::object o;
  if (const auto* text = std::get_if<TextBlock>(&block)) {
    o["type"] = "text";
    o["text"] = text->text;
  } else if (const auto* thinking = std::get_if<ThinkingBlock>(&block)) {
    o["type"] = "thinking";
    o["text"] = thinking->text;
    o["signature"] = thinking->signature;
  } else if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
    o["type"] = "tool_call";
    o["id"] = call->id;
    o["name"] = call->name;
    o["arguments"] = call->arguments_json;
  }
  return o;  // an answer holds no images or tool results: an empty block is skipped on decoding
}

const json::string* string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr ? v->if_string() : nullptr;
}

std::optional<std::int64_t> int_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  return v->get_int64();
}

bool read_usage(const json::object& o, Usage& u) {
  auto p = int_at(o, "prompt"), c = int_at(o, "completion"), t = int_at(o, "total");
  auto cached = int_at(o, "cached"), write = int_at(o, "cache_write"), r = int_at(o, "reasoning");
  if (!p || !c || !t || !cached || !write || !r) return false;
  u = Usage{*p, *c, *t, *cached, *write, *r, int_at(o, "effective_context")};
  return true;
}

bool read_block(const json::object& o, std::vector<ContentBlock>& out) {
  const json::string* type = string_at(o, "type");
  if (type == nullptr) return false;
  if (*type == "text") {
    const json::string* text = string_at(o, "text");
    if (text == nullptr) return false;
    out.emplace_back(TextBlock{std::string(*text)});
  } else if (*type == "thinking") {
    const json::string *text = string_at(o, "text"), *signature = string_at(o, "signature");
    if (text == nullptr || signature == nullptr) return false;
    out.emplace_back(ThinkingBlock{std::string(*text), std::string(*signature)});
  } else if (*type == "tool_call") {
    const json::string *id = string_at(o, "id"), *name = string_at(o, "name"), *args = string_at(o, "arguments");
    if (id == nullptr || name == nullptr || args == nullptr) return false;
    out.emplace_back(ToolCallBlock{std::string(*id), std::string(*name), std::string(*args)});
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::string encode_entry(const ChatResponse& response, const EntryOrigin& origin) {
  json::object o;
  if (!origin.provider.empty()) o["provider"] = origin.provider;
  if (!origin.model.empty()) o["upstream_model"] = origin.model;
  o["id"] = response.id;
  o["model"] = response.model;
  o["created"] = response.created;
  o["finish"] = static_cast<int>(response.finish_reason);
  o["split_chunks"] = response.split_chunks;
  json::array blocks;
  for (const auto& block : response.message.content) {
    json::object b = block_json(block);
    if (!b.empty()) blocks.emplace_back(std::move(b));
  }
  o["blocks"] = std::move(blocks);
  if (response.usage) o["usage"] = usage_json(*response.usage);
  std::string out(kEntryMagic);
  out += json::serialize(o);
  return out;
}

std::optional<ChatResponse> decode_entry(std::string_view bytes, EntryOrigin* origin) {
  if (bytes.substr(0, kEntryMagic.size()) != kEntryMagic) return std::nullopt;
  json::error_code ec;
  const json::value root = json::parse(bytes.substr(kEntryMagic.size()), ec);
  const json::object* o = ec ? nullptr : root.if_object();
  if (o == nullptr) return std::nullopt;
  const json::string *id = string_at(*o, "id"), *model = string_at(*o, "model");
  auto created = int_at(*o, "created"), finish = int_at(*o, "finish"), chunks = int_at(*o, "split_chunks");
  const json::value* blocks = o->if_contains("blocks");
  if (id == nullptr || model == nullptr || !created || !finish || !chunks || blocks == nullptr || !blocks->is_array() ||
      *finish < 0 || *finish >= static_cast<std::int64_t>(std::size(kReasons)) || *chunks < 0 || *chunks > 1'000'000) {
    return std::nullopt;
  }
  ChatResponse r;
  r.id = *id;
  r.model = *model;
  r.created = *created;
  r.finish_reason = kReasons[*finish];
  r.split_chunks = static_cast<int>(*chunks);
  r.message.role = Role::assistant;
  for (const auto& b : blocks->get_array()) {
    if (!b.is_object() || !read_block(b.get_object(), r.message.content)) return std::nullopt;
  }
  if (const json::value* usage = o->if_contains("usage")) {
    Usage u;
    if (!usage->is_object() || !read_usage(usage->get_object(), u)) return std::nullopt;
    r.usage = u;
  }
  const json::value *provider = o->if_contains("provider"), *upstream = o->if_contains("upstream_model");
  if ((provider != nullptr && !provider->is_string()) || (upstream != nullptr && !upstream->is_string())) {
    return std::nullopt;
  }
  if (origin != nullptr) {
    origin->provider = provider != nullptr ? std::string(provider->get_string()) : std::string();
    origin->model = upstream != nullptr ? std::string(upstream->get_string()) : std::string();
  }
  return r;
}

}  // namespace aisbf::cache
