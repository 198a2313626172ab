#include "prompt_cache.hpp"

#include <algorithm>
#include <ctime>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "chat_common.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace json = boost::json;
namespace {

struct Breakpoint {
  std::string prefix;  // the bytes up to and with the marked block
  std::size_t words = 0;
  std::chrono::seconds ttl{300};
};

std::chrono::seconds ttl_of(const json::value& mark) {
  const json::object* o = mark.if_object();
  return o != nullptr && string_at(*o, "ttl") == "1h" ? std::chrono::seconds(3600) : std::chrono::seconds(300);
}

// Walks the prompt in Anthropic's order, noting each breakpoint's prefix.
class PrefixWalk {
 public:
  explicit PrefixWalk(std::string_view model) : bytes_(model) { bytes_.push_back('\n'); }

  void block(const json::value& block, std::size_t words) {
    words_ += words;
    const json::object* o = block.if_object();
    const json::value* mark = o != nullptr ? o->if_contains("cache_control") : nullptr;
    if (mark == nullptr) {
      bytes_ += json::serialize(block);
      return;
    }
    json::object copy = *o;  // the same prefix whatever its marks
    copy.erase("cache_control");
    bytes_ += json::serialize(copy);
    mark_here(*mark);
  }
  void text(std::string_view s) {
    bytes_.push_back('"');
    bytes_ += s;
    bytes_.push_back('"');
    words_ += count_words(s);
  }
  void separator(std::string_view s) { bytes_ += s; }
  void mark_here(const json::value& mark) { breakpoints_.push_back({bytes_, words_, ttl_of(mark)}); }
  std::vector<Breakpoint>& breakpoints() { return breakpoints_; }

 private:
  std::string bytes_;
  std::size_t words_ = 0;
  std::vector<Breakpoint> breakpoints_;
};

void walk_content(PrefixWalk& walk, const json::value* content) {
  if (content == nullptr) return;
  if (content->is_string()) return walk.text(content->get_string());
  if (const json::array* blocks = content->if_array()) {
    for (const auto& b : *blocks) walk.block(b, count_text_words(b));
  }
}

bool marked(const json::value* content) {
  const json::array* blocks = content != nullptr ? content->if_array() : nullptr;
  if (blocks == nullptr) return false;
  return std::any_of(blocks->begin(), blocks->end(), [](const json::value& b) {
    return b.is_object() && b.get_object().contains("cache_control");
  });
}

// Any cache_control at all: a request without one costs the mock no walk
// (the benchmarks use it as the upstream).
bool any_breakpoint(const json::object& body) {
  if (body.contains("cache_control") || marked(body.if_contains("tools")) || marked(body.if_contains("system"))) {
    return true;
  }
  const json::array* messages = array_at(body, "messages");
  if (messages == nullptr) return false;
  return std::any_of(messages->begin(), messages->end(), [](const json::value& m) {
    return m.is_object() && marked(m.get_object().if_contains("content"));
  });
}

template <class Map>
void bound(Map& map, PromptCaches::Clock::time_point now) {
  if (map.size() < 4096) return;
  std::erase_if(map, [&](const auto& entry) {
    if constexpr (requires { entry.second.expires; }) {
      return entry.second.expires <= now;
    } else {
      return entry.second <= now;
    }
  });
  if (map.size() >= 4096) map.clear();
}

}  // namespace

AnthropicCacheCounts PromptCaches::anthropic(std::string_view model, const json::object& body) {
  if (!any_breakpoint(body)) return {};
  PrefixWalk walk(model);
  if (const json::array* tools = array_at(body, "tools")) {
    for (const auto& t : *tools) walk.block(t, 0);  // the mock's input_tokens count no tool definitions
  }
  walk.separator("\nsystem:");
  walk_content(walk, body.if_contains("system"));
  if (const json::array* messages = array_at(body, "messages")) {
    for (const auto& m : *messages) {
      const json::object* o = m.if_object();
      if (o == nullptr) continue;
      walk.separator("\n");
      walk.separator(string_at(*o, "role"));
      walk.separator(":");
      walk_content(walk, o->if_contains("content"));
    }
  }
  if (const json::value* automatic = body.if_contains("cache_control")) walk.mark_here(*automatic);
  std::vector<Breakpoint>& marks = walk.breakpoints();
  AnthropicCacheCounts out;
  out.breakpoints = marks.size();
  if (marks.empty() || marks.size() > 4) return out;  // more than 4: the request is refused
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  for (auto it = marks.rbegin(); it != marks.rend(); ++it) {
    auto found = anthropic_.find(it->prefix);
    if (found != anthropic_.end() && found->second > now) {
      out.read = it->words;
      break;
    }
  }
  out.creation = marks.back().words > out.read ? marks.back().words - out.read : 0;
  out.one_hour = marks.back().ttl.count() >= 3600;
  bound(anthropic_, now);
  for (auto& mark : marks) anthropic_[std::move(mark.prefix)] = now + mark.ttl;
  return out;
}

std::size_t PromptCaches::openai(std::string_view key, std::string_view model,
                                 const std::vector<MessageDigest>& messages) {
  std::string slot(model);
  slot.push_back('\n');
  slot += key;
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  std::size_t common = 0;
  if (auto found = openai_.find(slot); found != openai_.end() && found->second.expires > now) {
    const auto& seen = found->second.messages;
    for (std::size_t i = 0; i < std::min(seen.size(), messages.size()) && seen[i].bytes == messages[i].bytes; ++i) {
      common += messages[i].words;
    }
  }
  bound(openai_, now);
  openai_[slot] = {messages, now + std::chrono::minutes(10)};
  return common >= 1024 ? common / 128 * 128 : 0;
}

GeminiCache PromptCaches::gemini_create(std::string_view model, std::size_t words, std::int64_t ttl_seconds) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  if (gemini_.size() >= kMaxEntries) {
    std::erase_if(gemini_, [&](const auto& entry) { return entry.second.expire_seconds <= now; });
    if (gemini_.size() >= kMaxEntries) gemini_.clear();
  }
  GeminiCache cache{"cachedContents/mock" + std::to_string(next_gemini_++), std::string(model), words,
                    now + ttl_seconds};
  gemini_[cache.name] = cache;
  return cache;
}

std::optional<GeminiCache> PromptCaches::gemini_find(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto found = gemini_.find(std::string(name));
  if (found == gemini_.end()) return std::nullopt;
  if (found->second.expire_seconds <= static_cast<std::int64_t>(std::time(nullptr))) {
    gemini_.erase(found);
    return std::nullopt;
  }
  return found->second;
}

void PromptCaches::clear() {
  std::lock_guard lock(mutex_);
  anthropic_.clear();
  openai_.clear();
  gemini_.clear();
}

}  // namespace aisbf_mock
