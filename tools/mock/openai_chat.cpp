#include "openai_chat.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <boost/json/serialize.hpp>
#include <ctime>

#include "chat_common.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace json = boost::json;
namespace {

// Calls f(text) for a string content, or for each part of an array content
// that has a string "text".
template <class F>
void for_each_text(const json::value* content, F&& f) {
  if (content == nullptr) return;
  if (content->is_string()) {
    f(std::string_view(content->get_string()));
    return;
  }
  const json::array* parts = content->if_array();
  if (parts == nullptr) return;
  for (const auto& part : *parts) {
    const json::object* o = part.if_object();
    if (o == nullptr) continue;
    const json::value* t = o->if_contains("text");
    if (t != nullptr && t->is_string()) f(std::string_view(t->get_string()));
  }
}

// The text of a content; parts are joined with "\n".
void append_text_of(std::string& out, const json::value* content) {
  bool first = true;
  for_each_text(content, [&](std::string_view t) {
    if (!first) out.push_back('\n');
    first = false;
    out += t;
  });
}

std::size_t words_in_message(const json::value& m) {
  std::size_t words = 0;
  const json::object* o = m.if_object();
  if (o == nullptr) return 0;
  for_each_text(o->if_contains("content"), [&](std::string_view t) { words += count_words(t); });
  const json::value* calls = o->if_contains("tool_calls");
  if (calls == nullptr || !calls->is_array()) return words;
  for (const auto& c : calls->get_array()) {
    const json::value* f = c.is_object() ? c.get_object().if_contains("function") : nullptr;
    if (f != nullptr && f->is_object()) words += count_words(string_at(f->get_object(), "arguments"));
  }
  return words;
}

std::size_t words_in_messages(const json::array& messages) {
  std::size_t words = 0;
  for (const auto& m : messages) words += words_in_message(m);
  return words;
}

// OpenAI's prompt cache, reached through `prompt_cache_key` (prompt_cache.hpp).
std::size_t cached_tokens(ApiContext& ctx, const json::object& body, std::string_view model) {
  const std::string_view key = string_at(body, "prompt_cache_key");
  if (key.empty()) return 0;
  std::vector<MessageDigest> digests;
  for (const auto& m : body.at("messages").get_array()) digests.push_back({json::serialize(m), words_in_message(m)});
  return ctx.caches.openai(key, model, digests);
}

// {"type":"function","function":{...}} or a flat {"name":...,"parameters":...}.
const json::object* function_of(const json::value& tool) {
  const json::object* t = tool.if_object();
  if (t == nullptr) return nullptr;
  const json::value* f = t->if_contains("function");
  return f != nullptr && f->is_object() ? &f->get_object() : t;
}

// The offered tools as the shared tool rule reads them (chat_common.hpp),
// and the tool_choice forms "none", "required" and a named tool.
const ToolRef* pick_tool(const json::object& body, std::string_view user_text, std::vector<ToolRef>& tools) {
  if (const json::array* list = array_at(body, "tools")) {
    for (const auto& tool : *list) {
      const json::object* f = function_of(tool);
      if (f == nullptr) continue;
      const json::object* params = object_at(*f, "parameters");
      tools.push_back({string_at(*f, "name"), params != nullptr ? params->if_contains("properties") : nullptr});
    }
  }
  const json::value* choice = body.if_contains("tool_choice");
  ToolMode mode = ToolMode::automatic;
  std::string_view forced;
  if (choice != nullptr && choice->is_string()) {
    if (choice->get_string() == "none") mode = ToolMode::none;
    if (choice->get_string() == "required") mode = ToolMode::required;
  } else if (choice != nullptr && choice->is_object()) {
    if (const json::object* f = function_of(*choice)) forced = string_at(*f, "name");
  }
  return choose_tool(tools, mode, forced, user_text);
}

struct Reply {
  std::string text;       // the content, or the arguments of the tool call
  std::string_view tool;  // the called tool; empty for a text reply
  std::uint64_t number = 0;
  std::int64_t created = 0;
  std::string_view model;
  std::size_t prompt_tokens = 0;
  std::size_t completion_tokens = 0;
  std::size_t cached_tokens = 0;  // part of prompt_tokens
};

void make_reply(ApiContext& ctx, const json::object& body, Reply& r) {
  const json::array& messages = body.at("messages").get_array();  // checked by the caller
  const json::object* last = messages.back().if_object();
  if (last != nullptr && string_at(*last, "role") == "tool") {
    r.text = "Tool result: ";
    append_text_of(r.text, last->if_contains("content"));
  } else if (task_reply(body.at("messages"), nullptr, r.model, r.text)) {
    // AISBF's autoselect or classification prompt: r.text is the answer.
  } else {
    std::string user_text;
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
      const json::object* m = it->if_object();
      if (m == nullptr || string_at(*m, "role") != "user") continue;
      append_text_of(user_text, m->if_contains("content"));
      break;
    }
    std::vector<ToolRef> tools;
    if (const ToolRef* tool = pick_tool(body, user_text, tools)) {
      r.tool = tool->name;
      append_arguments(r.text, *tool, user_text);
    } else {
      r.text = "You said: ";
      r.text += user_text;
    }
  }
  r.number = ctx.next_id.fetch_add(1, std::memory_order_relaxed);
  r.created = static_cast<std::int64_t>(std::time(nullptr));
  r.prompt_tokens = std::max<std::size_t>(1, words_in_messages(messages));
  r.completion_tokens = std::max<std::size_t>(1, count_words(r.text));
  r.cached_tokens = std::min(r.prompt_tokens, cached_tokens(ctx, body, r.model));
}

void append_usage(std::string& out, const Reply& r) {
  out += "{\"prompt_tokens\":";
  append_uint(out, r.prompt_tokens);
  out += ",\"completion_tokens\":";
  append_uint(out, r.completion_tokens);
  out += ",\"total_tokens\":";
  append_uint(out, r.prompt_tokens + r.completion_tokens);
  out += ",\"prompt_tokens_details\":{\"cached_tokens\":";
  append_uint(out, r.cached_tokens);
  out +=
      ",\"audio_tokens\":0},"
      "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
      "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}";
}

void append_call_id(std::string& out, const Reply& r) {
  out += "\"call_mock_";
  append_uint(out, r.number);
  out.push_back('"');
}

void build_body(const Reply& r, std::string& out) {
  out += "{\"id\":\"chatcmpl-mock-";
  append_uint(out, r.number);
  out += "\",\"object\":\"chat.completion\",\"created\":";
  append_uint(out, static_cast<std::uint64_t>(r.created));
  out += ",\"model\":";
  append_json_string(out, r.model);
  out += ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":";
  if (r.tool.empty()) {
    append_json_string(out, r.text);
    out += ",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}]";
  } else {
    out += "null,\"refusal\":null,\"annotations\":[],\"tool_calls\":[{\"id\":";
    append_call_id(out, r);
    out += ",\"type\":\"function\",\"function\":{\"name\":";
    append_json_string(out, r.tool);
    out += ",\"arguments\":";
    append_json_string(out, r.text);
    out += "}}]},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}]";
  }
  out += ",\"usage\":";
  append_usage(out, r);
  out += ",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_mock\"}";
}

// Builds the "data: {...}\n\n" events of one streamed completion.
class ChunkWriter {
 public:
  ChunkWriter(const Reply& r, bool include_usage, std::vector<std::string>& events)
      : include_usage_(include_usage), events_(events) {
    prefix_ = "data: {\"id\":\"chatcmpl-mock-";
    append_uint(prefix_, r.number);
    prefix_ += "\",\"object\":\"chat.completion.chunk\",\"created\":";
    append_uint(prefix_, static_cast<std::uint64_t>(r.created));
    prefix_ += ",\"model\":";
    append_json_string(prefix_, r.model);
    prefix_ += ",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_mock\",\"choices\":[";
  }

  // Starts a choice chunk; the caller appends the delta object, then calls end().
  std::string& begin() {
    std::string& e = events_.emplace_back(prefix_);
    e += "{\"index\":0,\"delta\":";
    return e;
  }
  void end(std::string& e, std::string_view finish_reason) {
    e += ",\"logprobs\":null,\"finish_reason\":";
    if (finish_reason.empty()) {
      e += "null";
    } else {
      append_json_string(e, finish_reason);
    }
    e += include_usage_ ? "}],\"usage\":null}\n\n" : "}]}\n\n";
  }
  void usage(const Reply& r) {
    std::string& e = events_.emplace_back(prefix_);
    e += "],\"usage\":";
    append_usage(e, r);
    e += "}\n\n";
  }
  void raw(std::string_view event) { events_.emplace_back(event); }

 private:
  bool include_usage_;
  std::string prefix_;
  std::vector<std::string>& events_;
};

constexpr std::string_view kStreamError =
    "data: {\"error\":{\"message\":\"mock mid-stream failure\",\"type\":\"server_error\","
    "\"param\":null,\"code\":null}}\n\n";

// Returns the number of content/argument events written.
std::size_t build_events(const Reply& r, bool include_usage, Fault fault, std::vector<std::string>& events) {
  ChunkWriter w(r, include_usage, events);
  const bool tool = !r.tool.empty();
  std::string& first = w.begin();
  if (tool) {
    first += "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":";
    append_call_id(first, r);
    first += ",\"type\":\"function\",\"function\":{\"name\":";
    append_json_string(first, r.tool);
    first += ",\"arguments\":\"\"}}],\"refusal\":null}";
  } else {
    first += "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}";
  }
  w.end(first, {});
  if (fault.kind == FaultKind::big_event) {
    std::string& big = w.begin();
    big += "{\"content\":\"";
    big.append(kBigEventBytes, 'x');
    big += "\"}";
    w.end(big, {});
  }
  std::size_t pieces = 0;
  std::string_view rest = r.text;
  while (!rest.empty()) {
    const std::size_t n = utf8_piece(rest, tool ? kArgumentPiece : kTextPiece);
    std::string& e = w.begin();
    e += tool ? "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":" : "{\"content\":";
    append_json_string(e, rest.substr(0, n));
    e += tool ? "}}]}" : "}";
    w.end(e, {});
    rest.remove_prefix(n);
    ++pieces;
    if (fault.kind == FaultKind::stream_error) {
      w.raw(kStreamError);
      return pieces;
    }
  }
  std::string& fin = w.begin();
  fin += "{}";
  w.end(fin, tool ? "tool_calls" : "stop");
  if (include_usage) w.usage(r);
  w.raw("data: [DONE]\n\n");
  return pieces;
}

bool include_usage_of(const json::object& body) {
  const json::value* so = body.if_contains("stream_options");
  if (so == nullptr || !so->is_object()) return false;
  const json::value* iu = so->get_object().if_contains("include_usage");
  return iu != nullptr && iu->is_bool() && iu->get_bool();
}

}  // namespace

bool wants_stream(const json::object& body) {
  const json::value* flag = body.if_contains("stream");
  return flag != nullptr && flag->is_bool() && flag->get_bool();
}

bool plain_stream_error(bool stream, Fault fault, Plan& plan) {
  if (stream || fault.kind != FaultKind::stream_error) return false;
  set_error(plan, 500, "mock mid-stream failure", "server_error");
  return true;
}

void build_chat(ApiContext& ctx, const json::object& body, std::string_view model, Fault fault, Plan& plan) {
  const bool stream = wants_stream(body);
  if (plain_stream_error(stream, fault, plan)) return;
  Reply r;
  r.model = model;
  make_reply(ctx, body, r);
  if (fault.kind == FaultKind::big_event && !stream) {
    r.tool = {};
    r.text.assign(kBigEventBytes, 'x');
  }
  apply_delivery_fault(fault, plan);
  if (!stream) {
    build_body(r, plan.body);
    return;
  }
  begin_event_stream(plan);
  const std::size_t pieces = build_events(r, include_usage_of(body), fault, plan.events);
  plan.cut_after_events = 1 + std::min<std::size_t>(2, pieces);
  add_preamble(fault, plan);
}

}  // namespace aisbf_mock
