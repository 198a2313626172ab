#include "providers/anthropic/anthropic_cache.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <vector>

#include "core/json_text_bytes.hpp"

namespace aisbf::anthropic {

namespace json = boost::json;

namespace {

// The breakpoint we place: `ttl` "1h" from cache_ttl >= 3600 s; the
// default 5 minutes goes without a ttl, which every Anthropic-compatible
// server reads the same way.
json::object mark_for(const NativeCache& cache) {
  json::object mark{{"type", "ephemeral"}};
  if (cache.ttl_seconds >= 3600) mark["ttl"] = "1h";
  return mark;
}

std::int64_t estimated_tokens(std::size_t bytes) { return static_cast<std::int64_t>(bytes / 4); }

bool block_marked(const json::value& block) {
  const auto* o = block.if_object();
  return o != nullptr && o->contains("cache_control");
}

bool any_block_marked(const json::value* content) {
  const auto* blocks = content != nullptr ? content->if_array() : nullptr;
  if (blocks == nullptr) return false;
  for (const auto& block : *blocks)
    if (block_marked(block)) return true;
  return false;
}

// Anthropic refuses a mark on thinking blocks and on empty text.
bool markable(const json::object& block) {
  const json::value* type = block.if_contains("type");
  if (type == nullptr || !type->is_string()) return false;
  const json::string& t = type->get_string();
  if (t == "thinking" || t == "redacted_thinking") return false;
  if (t == "text") {
    const json::value* text = block.if_contains("text");
    return text != nullptr && text->is_string() && !text->get_string().empty();
  }
  return true;
}

// Marks the last markable block of `content` (a string becomes one text
// block); false when there is none.
bool mark_last_block(json::value& content, const json::object& mark) {
  if (const auto* text = content.if_string()) {
    if (text->empty()) return false;
    json::object block{{"type", "text"}, {"text", *text}, {"cache_control", mark}};
    content = json::array{std::move(block)};
    return true;
  }
  auto* blocks = content.if_array();
  if (blocks == nullptr) return false;
  for (auto it = blocks->rbegin(); it != blocks->rend(); ++it) {
    auto* block = it->if_object();
    if (block == nullptr || !markable(*block)) continue;
    (*block)["cache_control"] = mark;
    return true;
  }
  return false;
}

// The index of the latest user turn; 0 when there is none before which a
// prefix could be cached.
std::size_t latest_user_turn(const json::array& messages) {
  for (std::size_t i = messages.size(); i-- > 0;) {
    const auto* m = messages[i].if_object();
    const json::value* role = m != nullptr ? m->if_contains("role") : nullptr;
    if (role != nullptr && role->is_string() && role->get_string() == "user") return i;
  }
  return 0;
}

}  // namespace

bool has_cache_breakpoints(const json::object& body) {
  if (body.contains("cache_control")) return true;
  if (any_block_marked(body.if_contains("system")) || any_block_marked(body.if_contains("tools"))) return true;
  if (const auto* messages = body.if_contains("messages"); messages != nullptr && messages->is_array()) {
    for (const auto& message : messages->get_array()) {
      const auto* m = message.if_object();
      if (m != nullptr && any_block_marked(m->if_contains("content"))) return true;
    }
  }
  return false;
}

int place_cache_breakpoints(json::object& body, const NativeCache& cache) {
  if (!cache.enabled || has_cache_breakpoints(body)) return 0;
  const json::object mark = mark_for(cache);
  int placed = 0;
  std::size_t bytes = 0;
  const auto long_enough = [&] { return estimated_tokens(bytes) >= cache.min_tokens; };
  if (auto* tools = body.if_contains("tools"); tools != nullptr && tools->is_array() && !tools->get_array().empty()) {
    bytes += json_text_bytes(*tools);
    auto* last = tools->get_array().back().if_object();
    if (last != nullptr && long_enough()) (*last)["cache_control"] = mark, ++placed;
  }
  if (auto* system = body.if_contains("system")) {
    bytes += json_text_bytes(*system);
    if (long_enough() && mark_last_block(*system, mark)) ++placed;
  }
  auto* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) return placed;
  json::array& turns = messages->get_array();
  const std::size_t latest = latest_user_turn(turns);
  if (latest == 0) return placed;
  for (std::size_t i = 0; i < latest; ++i) bytes += json_text_bytes(turns[i]);
  auto* before = turns[latest - 1].if_object();
  json::value* content = before != nullptr ? before->if_contains("content") : nullptr;
  if (content != nullptr && long_enough() && placed < kMaxBreakpoints && mark_last_block(*content, mark)) ++placed;
  return placed;
}

namespace {

// Where the body's breakpoints are, in Anthropic's order: the objects that
// hold each `cache_control` (a block, a tool definition, the body itself
// for its top-level mark).
void collect_marked(json::value* content, std::vector<json::object*>& out) {
  auto* blocks = content != nullptr ? content->if_array() : nullptr;
  if (blocks == nullptr) return;
  for (auto& block : *blocks) {
    auto* o = block.if_object();
    if (o != nullptr && o->contains("cache_control")) out.push_back(o);
  }
}

std::vector<json::object*> marked_in_order(json::object& body) {
  std::vector<json::object*> out;
  collect_marked(body.if_contains("tools"), out);
  collect_marked(body.if_contains("system"), out);
  if (auto* messages = body.if_contains("messages"); messages != nullptr && messages->is_array()) {
    for (auto& message : messages->get_array()) {
      auto* m = message.if_object();
      if (m != nullptr) collect_marked(m->if_contains("content"), out);
    }
  }
  if (body.contains("cache_control")) out.push_back(&body);
  return out;
}

std::size_t count_of(std::string_view text, std::string_view word, std::size_t enough) {
  std::size_t n = 0;
  for (auto at = text.find(word); at != std::string_view::npos && n < enough; at = text.find(word, at + word.size())) {
    ++n;
  }
  return n;
}

}  // namespace

int clamp_cache_breakpoints(json::object& body) {
  const std::vector<json::object*> marked = marked_in_order(body);
  if (marked.size() <= static_cast<std::size_t>(kMaxBreakpoints)) return 0;
  // The first kMaxBreakpoints - 1 and the last stay.
  for (std::size_t i = kMaxBreakpoints - 1; i + 1 < marked.size(); ++i) marked[i]->erase("cache_control");
  return static_cast<int>(marked.size()) - kMaxBreakpoints;
}

std::optional<std::string> with_breakpoints_clamped(std::string_view body) {
  // A scan first: the common passthrough has none, or a few, and is not parsed.
  if (count_of(body, "\"cache_control\"", kMaxBreakpoints + 1) <= static_cast<std::size_t>(kMaxBreakpoints)) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  if (clamp_cache_breakpoints(parsed.get_object()) == 0) return std::nullopt;
  return json::serialize(parsed);
}

std::optional<std::string> with_cache_breakpoints(std::string_view body, const NativeCache& cache) {
  if (!cache.enabled) return std::nullopt;
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  if (place_cache_breakpoints(parsed.get_object(), cache) == 0) return std::nullopt;
  return json::serialize(parsed);
}

}  // namespace aisbf::anthropic
