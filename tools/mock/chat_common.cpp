#include "chat_common.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cmath>

#include "select.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace json = boost::json;
namespace {

thread_local std::array<unsigned char, 64 * 1024> t_arena;

// Calls f(text) for `v` when it is a string, and for every string under a
// "text" or "content" key inside it.
template <class F>
void for_each_prompt_string(const json::value& v, F& f) {
  if (v.is_string()) {
    f(std::string_view(v.get_string()));
  } else if (const json::array* a = v.if_array()) {
    for (const auto& item : *a) for_each_prompt_string(item, f);
  } else if (const json::object* o = v.if_object()) {
    for (const auto& field : *o) {
      if (!field.value().is_string()) {
        for_each_prompt_string(field.value(), f);
      } else if (field.key() == "text" || field.key() == "content") {
        f(std::string_view(field.value().get_string()));
      }
    }
  }
}

}  // namespace

JsonBody::JsonBody(std::string_view text) : mr_(t_arena.data(), t_arena.size()) {
  json::parse_options options;
  options.max_depth = 1024;
  boost::system::error_code ec;
  doc_ = json::parse(text, ec, json::storage_ptr(&mr_), options);
  ok_ = !ec;
}

std::string_view string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

const json::object* object_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr ? v->if_object() : nullptr;
}

const json::array* array_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr ? v->if_array() : nullptr;
}

const json::value* either_at(const json::object& o, std::string_view a, std::string_view b) {
  const json::value* v = o.if_contains(a);
  return v != nullptr ? v : o.if_contains(b);
}

std::size_t count_text_words(const json::value& v) {
  std::size_t words = 0;
  if (const json::array* a = v.if_array()) {
    for (const auto& item : *a) words += count_text_words(item);
  } else if (const json::object* o = v.if_object()) {
    for (const auto& field : *o) {
      const std::string_view key = field.key();
      if (field.value().is_string()) {
        if (key == "text" || key == "content" || key == "thinking" || key == "output") {
          words += count_words(field.value().get_string());
        }
      } else {
        words += count_text_words(field.value());
      }
    }
  }
  return words;
}

bool task_reply(const json::value& messages, const json::value* system, std::string_view model, std::string& reply) {
  // Most requests are plain chat: look for a tag before copying any text.
  bool tagged = false;
  auto find_tag = [&](std::string_view t) { tagged = tagged || mentions_task_tag(t); };
  if (system != nullptr) for_each_prompt_string(*system, find_tag);
  for_each_prompt_string(messages, find_tag);
  if (!tagged) return false;
  std::string prompt;
  auto gather = [&](std::string_view t) {
    if (!prompt.empty()) prompt.push_back('\n');
    prompt += t;
  };
  if (system != nullptr) for_each_prompt_string(*system, gather);
  for_each_prompt_string(messages, gather);
  return answer_task_prompt(prompt, model, reply);
}

namespace {

// JSON has no Infinity or NaN: a number parsed out of range (1e400) would be
// written back as one, and the mock's answer would no longer be JSON.
bool all_finite(const json::value& v) {
  if (const double* d = v.if_double()) return std::isfinite(*d);
  if (const auto* a = v.if_array()) return std::all_of(a->begin(), a->end(), all_finite);
  if (const auto* o = v.if_object())
    return std::all_of(o->begin(), o->end(), [](const json::key_value_pair& kv) { return all_finite(kv.value()); });
  return true;
}

}  // namespace

std::optional<ScriptedCall> scripted_call(std::string_view user_text) {
  static constexpr std::string_view kMarker = "mock-call: ";
  for (std::size_t at = user_text.find(kMarker); at != std::string_view::npos; at = user_text.find(kMarker, at + 1)) {
    if (at != 0 && user_text[at - 1] != '\n') continue;
    std::string_view line = user_text.substr(at + kMarker.size());
    line = line.substr(0, line.find('\n'));
    const std::size_t space = line.find(' ');
    if (space == 0 || space == std::string_view::npos) continue;
    boost::system::error_code ec;
    const json::value arguments = json::parse(line.substr(space + 1), ec);
    if (ec || !arguments.is_object() || !all_finite(arguments)) continue;
    return ScriptedCall{line.substr(0, space), json::serialize(arguments)};
  }
  return std::nullopt;
}

const ToolRef* choose_tool(const std::vector<ToolRef>& tools, ToolMode mode, std::string_view forced,
                           std::string_view user_text) {
  if (tools.empty() || mode == ToolMode::none) return nullptr;
  if (forced.empty()) {
    if (const auto script = scripted_call(user_text)) {
      for (const auto& tool : tools)
        if (tool.name == script->name) return &tool;
    }
  }
  for (const auto& tool : tools) {
    if (tool.name.empty()) continue;
    if (!forced.empty() ? tool.name == forced : user_text.find(tool.name) != std::string_view::npos) return &tool;
  }
  if (mode == ToolMode::required) return &tools.front();
  return nullptr;
}

void append_arguments(std::string& out, const ToolRef& tool, std::string_view text) {
  if (const auto script = scripted_call(text); script && script->name == tool.name) {
    out += script->arguments;
    return;
  }
  const json::object* props = tool.properties != nullptr ? tool.properties->if_object() : nullptr;
  if (props == nullptr || props->empty()) {
    out += "{}";
    return;
  }
  out.push_back('{');
  append_json_string(out, props->begin()->key());
  out.push_back(':');
  append_json_string(out, text);
  out.push_back('}');
}

void apply_delivery_fault(Fault fault, Plan& plan) {
  plan.hold_after_events = fault.hold;
  switch (fault.kind) {
    case FaultKind::slow:
      plan.delay_ms = fault.param;
      break;
    case FaultKind::cut:
      plan.behaviour = Behaviour::cut;
      break;
    case FaultKind::hang_after_first:
      plan.behaviour = Behaviour::hang_after_first;
      break;
    default:
      break;
  }
}

void add_preamble(Fault fault, Plan& plan) {
  if (fault.kind != FaultKind::preamble || !plan.stream) return;
  static constexpr std::string_view kComment = ": keep-alive\n\n";
  std::string chunk;
  while (chunk.size() + kComment.size() <= 1024) chunk += kComment;
  plan.events.insert(plan.events.begin(), fault.param, chunk);
  plan.cut_after_events += fault.param;
}

void unix_now(std::int64_t& seconds, std::uint32_t& nanos) {
  const auto since = std::chrono::system_clock::now().time_since_epoch();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(since).count();
  seconds = ns / 1000000000;
  nanos = static_cast<std::uint32_t>(ns % 1000000000);
}

void begin_event_stream(Plan& plan) {
  plan.stream = true;
  plan.content_type = "text/event-stream";
  plan.extra_headers += "Cache-Control: no-cache\r\n";
}

}  // namespace aisbf_mock
