// Gemini's context caches in aisbf-mock: POST …/cachedContents creates one
// (its words counted, its ttl honoured), GET …/cachedContents/{id} reads it,
// and generateContent with `cachedContent` uses it (prompt_cache.hpp keeps
// them). The API's rules are enforced: the request may not repeat
// systemInstruction, tools or toolConfig, and must name the cache's model.
#include <charconv>
#include <ctime>

#include "chat_common.hpp"
#include "gemini.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace json = boost::json;
namespace {

constexpr std::int64_t kDefaultTtl = 3600;  // the API's default: one hour

// "300s", "3.5s": whole seconds (at least 1); nullopt when not a duration.
std::optional<std::int64_t> ttl_seconds(std::string_view ttl) {
  if (!ttl.ends_with('s')) return std::nullopt;
  ttl.remove_suffix(1);
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(ttl.data(), ttl.data() + ttl.size(), seconds);
  if (ec != std::errc{} || seconds < 0) return std::nullopt;
  return std::max<std::int64_t>(1, seconds);
}

std::string_view model_id(std::string_view name) {
  return name.starts_with("models/") ? name.substr(7) : name;
}

void append_cache(std::string& out, const GeminiCache& cache) {
  out += "{\"name\":";
  append_json_string(out, cache.name);
  out += ",\"model\":";
  append_json_string(out, "models/" + cache.model);
  out += ",\"expireTime\":\"";
  append_rfc3339(out, cache.expire_seconds, 0, 0);
  out += "\",\"usageMetadata\":{\"totalTokenCount\":";
  append_uint(out, cache.words);
  out += "}}";
}

}  // namespace

void gemini_cache_create(ApiContext& ctx, const json::object& body, Plan& plan) {
  const std::string_view model = model_id(string_at(body, "model"));
  if (model.empty()) {
    gemini_error(plan, 400, "INVALID_ARGUMENT", "* CreateCachedContentRequest.cached_content.model: model is required\n");
    return;
  }
  std::size_t words = 0;
  if (const json::value* contents = body.if_contains("contents")) words += count_text_words(*contents);
  if (const json::value* system = either_at(body, "systemInstruction", "system_instruction")) {
    words += count_text_words(*system);
  }
  if (model.find("cache-refuse") != std::string_view::npos) {
    gemini_error(plan, 400, "INVALID_ARGUMENT",
                 "Cached content is too small. total_token_count=" + std::to_string(words) +
                     ", min_total_token_count=4096");
    return;
  }
  std::int64_t ttl = kDefaultTtl;
  if (const json::value* given = body.if_contains("ttl")) {
    auto seconds = given->is_string() ? ttl_seconds(given->get_string()) : std::nullopt;
    if (!seconds) {
      gemini_error(plan, 400, "INVALID_ARGUMENT", "Invalid value at 'cached_content.ttl' (type.googleapis.com/google.protobuf.Duration)");
      return;
    }
    ttl = *seconds;
  }
  append_cache(plan.body, ctx.caches.gemini_create(model, words, ttl));
}

void gemini_cache_get(ApiContext& ctx, std::string_view name, Plan& plan) {
  auto cache = ctx.caches.gemini_find(name);
  if (!cache) {
    gemini_error(plan, 403, "PERMISSION_DENIED", "CachedContent not found (or permission denied)");
    return;
  }
  append_cache(plan.body, *cache);
}

bool gemini_use_cache(ApiContext& ctx, const json::object& body, std::string_view model, std::size_t& words,
                      Plan& plan) {
  const json::value* name = body.if_contains("cachedContent");
  if (name == nullptr) name = body.if_contains("cached_content");
  if (name == nullptr || !name->is_string()) return true;
  if (either_at(body, "systemInstruction", "system_instruction") != nullptr || body.contains("tools") ||
      either_at(body, "toolConfig", "tool_config") != nullptr) {
    gemini_error(plan, 400, "INVALID_ARGUMENT",
                 "CachedContent can not be used with GenerateContent request setting system_instruction, tools or "
                 "tool_config.\n\nProposed fix: move those values to CachedContent from GenerateContent request.");
    return false;
  }
  auto cache = ctx.caches.gemini_find(name->get_string());
  if (!cache) {
    gemini_error(plan, 403, "PERMISSION_DENIED", "CachedContent not found (or permission denied)");
    return false;
  }
  if (cache->model != model) {
    gemini_error(plan, 400, "INVALID_ARGUMENT",
                 "Model used by GenerateContent request (models/" + std::string(model) +
                     ") and CachedContent (models/" + cache->model + ") has to be the same.");
    return false;
  }
  words = cache->words;
  return true;
}

}  // namespace aisbf_mock
