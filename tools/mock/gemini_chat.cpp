// :generateContent and :streamGenerateContent of aisbf-mock: the deterministic
// reply as a GenerateContentResponse, or as a stream of them (SSE with
// alt=sse, else one JSON array written element by element).
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "chat_common.hpp"
#include "gemini.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace json = boost::json;
namespace {

struct Reply {
  std::string text;       // the text, or the call's args as JSON
  std::string_view tool;  // the called function; empty for a text reply
  std::string_view model;
  std::string response_id;
  std::size_t prompt_tokens = 0;
  std::size_t completion_tokens = 0;
  std::size_t cached_tokens = 0;  // from the request's cachedContent; part of prompt_tokens
};

bool is_user(const json::object& content) {
  const std::string_view role = string_at(content, "role");
  return role.empty() || role == "user";
}

// The "text" of every text part, joined with "\n".
void append_text_of(std::string& out, const json::object& content) {
  const json::array* parts = array_at(content, "parts");
  if (parts == nullptr) return;
  bool first = true;
  for (const auto& p : *parts) {
    const json::object* o = p.if_object();
    if (o == nullptr || !o->contains("text") || o->contains("thought")) continue;
    if (!first) out.push_back('\n');
    first = false;
    out += string_at(*o, "text");
  }
}

// The last functionResponse part of a content, or nullptr.
const json::object* last_function_response(const json::object& content) {
  const json::array* parts = array_at(content, "parts");
  if (parts == nullptr) return nullptr;
  for (auto it = parts->rbegin(); it != parts->rend(); ++it) {
    const json::object* o = it->if_object();
    const json::value* fr = o != nullptr ? either_at(*o, "functionResponse", "function_response") : nullptr;
    if (fr != nullptr && fr->is_object()) return &fr->get_object();
  }
  return nullptr;
}

// response.output when it is a string, else the whole response as JSON.
void append_result(std::string& out, const json::object& function_response) {
  const json::value* response = function_response.if_contains("response");
  if (response == nullptr) return;
  const json::object* o = response->if_object();
  if (o != nullptr && o->contains("output") && o->at("output").is_string()) {
    out += o->at("output").get_string();
    return;
  }
  out += json::serialize(*response);
}

std::vector<ToolRef> offered_tools(const json::object& body) {
  std::vector<ToolRef> tools;
  const json::array* list = array_at(body, "tools");
  if (list == nullptr) return tools;
  for (const auto& t : *list) {
    const json::object* o = t.if_object();
    const json::value* decls = o != nullptr ? either_at(*o, "functionDeclarations", "function_declarations") : nullptr;
    if (decls == nullptr || !decls->is_array()) continue;
    for (const auto& d : decls->get_array()) {
      const json::object* f = d.if_object();
      if (f == nullptr) continue;
      const json::value* schema = f->if_contains("parameters");
      if (schema == nullptr) schema = either_at(*f, "parametersJsonSchema", "parameters_json_schema");
      const json::object* s = schema != nullptr ? schema->if_object() : nullptr;
      tools.push_back({string_at(*f, "name"), s != nullptr ? s->if_contains("properties") : nullptr});
    }
  }
  return tools;
}

// toolConfig.functionCallingConfig: NONE → none; ANY → required among
// allowedFunctionNames (all tools when absent); else automatic.
ToolMode tool_mode(const json::object& body, std::vector<ToolRef>& tools) {
  const json::value* config = either_at(body, "toolConfig", "tool_config");
  const json::value* calling = config != nullptr && config->is_object()
                                   ? either_at(config->get_object(), "functionCallingConfig", "function_calling_config")
                                   : nullptr;
  if (calling == nullptr || !calling->is_object()) return ToolMode::automatic;
  const std::string_view mode = string_at(calling->get_object(), "mode");
  if (mode == "NONE") return ToolMode::none;
  if (mode != "ANY") return ToolMode::automatic;
  const json::value* allowed = either_at(calling->get_object(), "allowedFunctionNames", "allowed_function_names");
  if (allowed != nullptr && allowed->is_array() && !allowed->get_array().empty()) {
    std::erase_if(tools, [&](const ToolRef& t) {
      const auto& names = allowed->get_array();
      return std::none_of(names.begin(), names.end(),
                          [&](const json::value& n) { return n.is_string() && n.get_string() == t.name; });
    });
  }
  return ToolMode::required;
}

void make_reply(ApiContext& ctx, const json::object& body, bool tools_allowed, Reply& r) {
  const json::array& contents = body.at("contents").get_array();  // checked by the caller
  const json::object* last = contents.back().if_object();
  const json::object* result = last != nullptr && is_user(*last) ? last_function_response(*last) : nullptr;
  if (result != nullptr) {
    r.text = "Tool result: ";
    append_result(r.text, *result);
  } else {
    std::string user_text;
    for (auto it = contents.rbegin(); it != contents.rend(); ++it) {
      const json::object* c = it->if_object();
      if (c == nullptr || !is_user(*c)) continue;
      append_text_of(user_text, *c);
      break;
    }
    std::vector<ToolRef> tools = tools_allowed ? offered_tools(body) : std::vector<ToolRef>{};
    const ToolMode mode = tool_mode(body, tools);
    if (task_reply(body.at("contents"), either_at(body, "systemInstruction", "system_instruction"), r.model, r.text)) {
      // AISBF's autoselect or classification prompt: r.text is the answer.
    } else if (const ToolRef* tool = choose_tool(tools, mode, {}, user_text)) {
      r.tool = tool->name;
      append_arguments(r.text, *tool, user_text);
    } else {
      r.text = "You said: " + user_text;
    }
  }
  r.response_id = "mockResponse";
  append_uint(r.response_id, ctx.next_id.fetch_add(1, std::memory_order_relaxed));
  std::size_t prompt = count_text_words(contents);
  if (const json::value* system = either_at(body, "systemInstruction", "system_instruction")) {
    prompt += count_text_words(*system);
  }
  r.prompt_tokens = std::max<std::size_t>(1, prompt);
  r.completion_tokens = std::max<std::size_t>(1, count_words(r.text));
}

// One GenerateContentResponse holding `part`; the final one carries
// finishReason and the full usage, earlier ones only the prompt counts.
void append_response(std::string& out, const Reply& r, std::string_view part, bool final) {
  out += "{\"candidates\":[{\"content\":{\"parts\":[";
  out += part;
  out += "],\"role\":\"model\"}";
  if (final) out += ",\"finishReason\":\"STOP\"";
  out += ",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":";
  append_uint(out, r.prompt_tokens);
  if (final) {
    out += ",\"candidatesTokenCount\":";
    append_uint(out, r.completion_tokens);
  }
  if (r.cached_tokens > 0) {
    out += ",\"cachedContentTokenCount\":";
    append_uint(out, r.cached_tokens);
  }
  out += ",\"totalTokenCount\":";
  append_uint(out, r.prompt_tokens + (final ? r.completion_tokens : 0));
  out += ",\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":";
  append_uint(out, r.prompt_tokens);
  out += "}]},\"modelVersion\":";
  append_json_string(out, r.model);
  out += ",\"responseId\":";
  append_json_string(out, r.response_id);
  out += "}";
}

std::string text_part(std::string_view text) {
  std::string part = "{\"text\":";
  append_json_string(part, text);
  part += "}";
  return part;
}

std::string call_part(const Reply& r) {
  std::string part = "{\"functionCall\":{\"name\":";
  append_json_string(part, r.tool);
  part += ",\"args\":";
  part += r.text;  // JSON built by append_arguments
  part += "}}";
  return part;
}

// Frames each response as an SSE event ("data: …\r\n\r\n", as the API is
// observed to) or as an element of a JSON array ("[", ",\r\n", "]").
class Framer {
 public:
  Framer(bool sse, std::vector<std::string>& events) : sse_(sse), events_(events) {}
  std::string& begin() {
    std::string& e = events_.emplace_back();
    e += sse_ ? "data: " : events_.size() == 1 ? "[" : ",\r\n";
    return e;
  }
  void end(std::string& e) const {
    if (sse_) e += "\r\n\r\n";
  }
  void close() {
    if (!sse_ && !events_.empty()) events_.back() += "]";
  }

 private:
  bool sse_;
  std::vector<std::string>& events_;
};

// Returns the number of events to send before fault-cut closes the connection.
std::size_t build_events(const Reply& r, Fault fault, bool sse, std::vector<std::string>& events) {
  Framer f(sse, events);
  if (fault.kind == FaultKind::big_event) {
    std::string& e = f.begin();
    append_response(e, r, text_part(std::string(kBigEventBytes, 'x')), false);
    f.end(e);
  }
  std::vector<std::string> parts;  // the call whole, or the text in pieces
  if (!r.tool.empty()) parts.push_back(call_part(r));
  for (std::string_view rest = r.tool.empty() ? std::string_view(r.text) : std::string_view{}; !rest.empty();) {
    const std::size_t n = utf8_piece(rest, kTextPiece);
    parts.push_back(text_part(rest.substr(0, n)));
    rest.remove_prefix(n);
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool error = fault.kind == FaultKind::stream_error;
    std::string& e = f.begin();
    append_response(e, r, parts[i], i + 1 == parts.size() && !error);
    f.end(e);
    if (!error) continue;
    std::string& err = f.begin();
    err += "{\"error\":{\"code\":500,\"message\":\"mock mid-stream failure\",\"status\":\"INTERNAL\"}}";
    f.end(err);
    break;
  }
  f.close();
  return events.size() > 1 ? std::min<std::size_t>(2, events.size() - 1) : 0;
}

}  // namespace

void gemini_generate(ApiContext& ctx, const json::object& body, std::string_view model, Fault fault, bool stream,
                     bool sse, Plan& plan) {
  if (!stream && fault.kind == FaultKind::stream_error) {
    gemini_error(plan, 500, "INTERNAL", "mock mid-stream failure");
    return;
  }
  Reply r;
  r.model = model;
  if (!gemini_use_cache(ctx, body, model, r.cached_tokens, plan)) return;
  make_reply(ctx, body, fault.kind != FaultKind::big_event, r);
  r.prompt_tokens += r.cached_tokens;  // promptTokenCount includes the cached part
  if (fault.kind == FaultKind::big_event && !stream) r.text.assign(kBigEventBytes, 'x');
  apply_delivery_fault(fault, plan);
  if (!stream) {
    append_response(plan.body, r, r.tool.empty() ? text_part(r.text) : call_part(r), true);
    return;
  }
  plan.stream = true;
  plan.content_type = sse ? "text/event-stream" : kGeminiJson;
  plan.cut_after_events = build_events(r, fault, sse, plan.events);
  if (sse) add_preamble(fault, plan);
}

}  // namespace aisbf_mock
