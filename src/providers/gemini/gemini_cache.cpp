#include "providers/gemini/gemini_cache.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/json_text_bytes.hpp"
#include "providers/gemini/gemini_adapter.hpp"

namespace aisbf::gemini {

namespace json = boost::json;

namespace {

constexpr std::string_view kCachedFields[] = {"systemInstruction", "tools", "toolConfig"};

// The index of the latest user turn (role "user" or none); 0 when none.
std::size_t latest_user_turn(const json::array& contents) {
  for (std::size_t i = contents.size(); i-- > 0;) {
    const auto* c = contents[i].if_object();
    const json::value* role = c != nullptr ? c->if_contains("role") : nullptr;
    if (role == nullptr || (role->is_string() && role->get_string() == "user")) return i;
  }
  return 0;
}

}  // namespace

std::optional<ContextParts> context_parts(std::string_view generate_body, const NativeCache& cache) {
  if (!cache.enabled) return std::nullopt;
  boost::system::error_code ec;
  json::value parsed = json::parse(generate_body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  json::object& body = parsed.get_object();
  json::value* contents = body.if_contains("contents");
  if (contents == nullptr || !contents->is_array() || contents->get_array().empty()) return std::nullopt;
  ContextParts parts;
  for (auto field : kCachedFields) {
    if (json::value* v = body.if_contains(field)) {
      parts.head[field] = std::move(*v);
      body.erase(field);
    }
  }
  parts.turns = std::move(contents->get_array());
  body.erase("contents");
  parts.cacheable = latest_user_turn(parts.turns);
  std::size_t bytes = json_text_bytes(parts.head);
  parts.tokens.reserve(parts.cacheable + 1);
  parts.tokens.push_back(static_cast<std::int64_t>(bytes / 4));
  for (std::size_t k = 0; k < parts.cacheable; ++k) {
    bytes += json_text_bytes(parts.turns[k]);
    parts.tokens.push_back(static_cast<std::int64_t>(bytes / 4));
  }
  // An empty prefix is no cache, whatever the threshold.
  if ((parts.head.empty() && parts.cacheable == 0) || parts.tokens.back() < cache.min_tokens) return std::nullopt;
  parts.rest = std::move(body);
  return parts;
}

ContextChoice choose_context_cache(const ContextParts& parts, std::optional<std::size_t> cached,
                                   std::int64_t min_tokens) {
  const std::size_t newest = parts.cacheable;
  if (cached && *cached >= newest) return {std::nullopt, newest};
  const std::int64_t kept = cached ? parts.tokens[*cached] : 0;
  const std::int64_t left_out = parts.tokens[newest] - kept;
  if (left_out >= std::max(min_tokens, kept) && left_out > 0) return {newest, cached};
  return {std::nullopt, cached};
}

std::string head_text(const ContextParts& parts) { return json::serialize(parts.head); }

std::string turn_text(const ContextParts& parts, std::size_t k) { return json::serialize(parts.turns[k - 1]); }

std::string cached_contents_path() { return "/cachedContents"; }

namespace {

auto boundary_at(const ContextParts& parts, std::size_t boundary) {
  return parts.turns.begin() + static_cast<std::ptrdiff_t>(boundary);
}

}  // namespace

std::string cache_create_body(const ContextParts& parts, std::size_t boundary, const UpstreamTarget& target) {
  json::object body = parts.head;
  if (boundary > 0) body["contents"] = json::array(parts.turns.begin(), boundary_at(parts, boundary));
  body["model"] = model_resource(target);
  body["ttl"] = std::to_string(target.native_cache.ttl_seconds) + "s";
  return json::serialize(body);
}

std::string with_cached_content(const ContextParts& parts, std::size_t boundary, std::string_view name) {
  json::object body = parts.rest;
  body["contents"] = json::array(boundary_at(parts, boundary), parts.turns.end());
  body["cachedContent"] = name;
  return json::serialize(body);
}

std::optional<std::string> created_cache_name(std::string_view body) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  const auto* object = ec ? nullptr : parsed.if_object();
  const json::value* name = object != nullptr ? object->if_contains("name") : nullptr;
  if (name == nullptr || !name->is_string() || !name->get_string().starts_with("cachedContents/")) return std::nullopt;
  return std::string(name->get_string());
}

}  // namespace aisbf::gemini
