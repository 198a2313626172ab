#include "providers/gemini/gemini_cache.hpp"

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

std::optional<ContextSplit> split_for_context_cache(std::string_view generate_body, const NativeCache& cache) {
  if (!cache.enabled) return std::nullopt;
  boost::system::error_code ec;
  json::value parsed = json::parse(generate_body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  json::object& body = parsed.get_object();
  json::value* contents = body.if_contains("contents");
  if (contents == nullptr || !contents->is_array() || contents->get_array().empty()) return std::nullopt;
  json::object prefix;
  for (auto field : kCachedFields) {
    if (json::value* v = body.if_contains(field)) {
      prefix[field] = std::move(*v);
      body.erase(field);
    }
  }
  json::array& turns = contents->get_array();
  const std::size_t latest = latest_user_turn(turns);
  json::array leading(turns.begin(), turns.begin() + static_cast<std::ptrdiff_t>(latest));
  turns.erase(turns.begin(), turns.begin() + static_cast<std::ptrdiff_t>(latest));
  if (!leading.empty()) prefix["contents"] = std::move(leading);
  if (prefix.empty()) return std::nullopt;
  const std::int64_t tokens = static_cast<std::int64_t>(json_text_bytes(prefix) / 4);
  if (tokens < cache.min_tokens) return std::nullopt;
  ContextSplit out;
  out.prefix = json::serialize(prefix);
  out.rest = std::move(body);
  out.estimated_tokens = tokens;
  return out;
}

std::string cached_contents_path() { return "/cachedContents"; }

std::string cache_create_body(const ContextSplit& split, const UpstreamTarget& target) {
  boost::system::error_code ec;
  json::value prefix = json::parse(split.prefix, ec);
  json::object body = prefix.is_object() ? std::move(prefix.get_object()) : json::object{};
  body["model"] = model_resource(target);
  body["ttl"] = std::to_string(target.native_cache.ttl_seconds) + "s";
  return json::serialize(body);
}

std::string with_cached_content(const ContextSplit& split, std::string_view name) {
  json::object body = split.rest;
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
