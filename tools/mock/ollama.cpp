// The native Ollama API of aisbf-mock: POST /api/chat (NDJSON stream by
// default, or one JSON object with "stream": false), POST /api/embed and
// GET /api/tags.
// Errors are {"error":"…"}. handle_ollama in api.hpp is the entry point.
#include <algorithm>
#include <array>
#include <string>

#include "api.hpp"
#include "chat_common.hpp"
#include "embed.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace json = boost::json;
namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";

enum class Route : std::uint8_t { none, chat, embed, tags };

struct ModelInfo {
  std::string_view name;
  std::string_view family;
  std::string_view parameter_size;
  std::uint64_t size;
};

constexpr std::array<ModelInfo, 3> kModels{{
    {"mock-model:latest", "llama", "8.0B", 4920753328},
    {"llama3.2:latest", "llama", "3.2B", 2019393189},
    {"qwen3:8b", "qwen3", "8.2B", 5225388164},
}};

struct Reply {
  std::string text;       // the content, or the call's arguments as JSON
  std::string_view tool;  // the called function; empty for a text reply
  std::uint64_t number = 0;
  std::string_view model;
  std::string created_at;
  std::size_t prompt_tokens = 0;
  std::size_t completion_tokens = 0;
};

Route match_route(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.ends_with("/api/chat")) return Route::chat;
  if (path.ends_with("/api/embed")) return Route::embed;
  if (path.ends_with("/api/tags")) return Route::tags;
  return Route::none;
}

void ollama_error(Plan& plan, int status, std::string_view message) {
  plan.status = status;
  plan.body = "{\"error\":";
  append_json_string(plan.body, message);
  plan.body += "}";
}

// No key is needed; an Authorization header sent while --api-key is set must
// carry one of the keys as a Bearer token.
bool authorized(const ApiContext& ctx, const RequestView& req, Plan& plan) {
  if (req.authorization.empty() || ctx.api_keys.empty()) return true;
  std::string_view token = req.authorization;
  if (token.size() > 7 && (token.starts_with("Bearer ") || token.starts_with("bearer "))) token.remove_prefix(7);
  if (std::find(ctx.api_keys.begin(), ctx.api_keys.end(), token) != ctx.api_keys.end()) return true;
  ollama_error(plan, 401, "unauthorized");
  return false;
}

void list_tags(Plan& plan) {
  plan.body = "{\"models\":[";
  for (std::size_t i = 0; i < kModels.size(); ++i) {
    const ModelInfo& m = kModels[i];
    if (i != 0) plan.body.push_back(',');
    plan.body += "{\"name\":";
    append_json_string(plan.body, m.name);
    plan.body += ",\"model\":";
    append_json_string(plan.body, m.name);
    plan.body += ",\"modified_at\":\"2025-10-03T23:34:03.409490317-07:00\",\"size\":";
    append_uint(plan.body, m.size);
    plan.body += ",\"digest\":\"";
    for (int k = 0; k < 8; ++k) plan.body += "c6eb396d";  // 64 hex digits
    plan.body.back() = static_cast<char>('0' + i);
    plan.body += "\",\"details\":{\"parent_model\":\"\",\"format\":\"gguf\",\"family\":";
    append_json_string(plan.body, m.family);
    plan.body += ",\"families\":[";
    append_json_string(plan.body, m.family);
    plan.body += "],\"parameter_size\":";
    append_json_string(plan.body, m.parameter_size);
    plan.body += ",\"quantization_level\":\"Q4_K_M\"}}";
  }
  plan.body += "]}";
}

// Faults answered without building a reply. Returns true when handled.
bool apply_early_fault(Fault fault, Plan& plan) {
  switch (fault.kind) {
    case FaultKind::http_500:
      ollama_error(plan, 500, "an error was encountered while running the model");
      return true;
    case FaultKind::http_503:
      ollama_error(plan, 503, "server busy, please try again.  maximum pending requests exceeded");
      return true;
    case FaultKind::http_429:
      ollama_error(plan, 429, "too many requests (mock fault-429)");
      plan.extra_headers += "Retry-After: ";
      append_uint(plan.extra_headers, fault.param);
      plan.extra_headers += "\r\n";
      return true;
    case FaultKind::http_401:
      ollama_error(plan, 401, "unauthorized");
      return true;
    case FaultKind::http_400:
      ollama_error(plan, 400, "invalid request: rejected by mock fault-400");
      return true;
    case FaultKind::http_404:
      ollama_error(plan, 404, "model \"mock-fault-404\" not found, try pulling it first");
      return true;
    case FaultKind::bad_json:
      plan.body = "this is not json";
      return true;
    case FaultKind::close:
      plan.behaviour = Behaviour::close_silently;
      return true;
    case FaultKind::hang:
      plan.behaviour = Behaviour::hang;
      return true;
    default:
      return false;
  }
}

// messages must be an array of objects whose content, when present, is a string.
bool valid_messages(const json::value* messages, Plan& plan) {
  if (messages == nullptr || messages->is_null()) return true;
  if (!messages->is_array()) {
    ollama_error(plan, 400, "json: cannot unmarshal into Go struct field ChatRequest.messages of type []api.Message");
    return false;
  }
  for (const auto& m : messages->get_array()) {
    const json::object* o = m.if_object();
    const json::value* content = o != nullptr ? o->if_contains("content") : nullptr;
    if (o != nullptr && (content == nullptr || content->is_string() || content->is_null())) continue;
    const std::string_view kind = content == nullptr     ? "array"
                                  : content->is_object() ? "object"
                                  : content->is_bool()   ? "bool"
                                  : content->is_array()  ? "array"
                                                         : "number";
    ollama_error(plan, 400,
                 "json: cannot unmarshal " + std::string(kind) +
                     " into Go struct field Message.messages.content of type string");
    return false;
  }
  return true;
}

void make_reply(ApiContext& ctx, const json::object& body, bool tools_allowed, Reply& r) {
  const json::array& messages = body.at("messages").get_array();  // checked by the caller
  const json::object& last = messages.back().get_object();
  if (string_at(last, "role") == "tool") {
    r.text = "Tool result: ";
    r.text += string_at(last, "content");
  } else {
    std::string_view user_text;
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
      if (string_at(it->get_object(), "role") != "user") continue;
      user_text = string_at(it->get_object(), "content");
      break;
    }
    std::vector<ToolRef> tools;
    if (const json::array* list = array_at(body, "tools"); list != nullptr && tools_allowed) {
      for (const auto& t : *list) {
        const json::object* o = t.if_object();
        const json::object* f = o != nullptr ? object_at(*o, "function") : nullptr;
        if (f == nullptr) continue;
        const json::object* params = object_at(*f, "parameters");
        tools.push_back({string_at(*f, "name"), params != nullptr ? params->if_contains("properties") : nullptr});
      }
    }
    if (task_reply(body.at("messages"), nullptr, r.model, r.text)) {
      // AISBF's autoselect or classification prompt: r.text is the answer.
    } else if (const ToolRef* tool = choose_tool(tools, ToolMode::automatic, {}, user_text)) {
      r.tool = tool->name;
      append_arguments(r.text, *tool, user_text);
    } else {
      r.text = "You said: ";
      r.text += user_text;
    }
  }
  r.number = ctx.next_id.fetch_add(1, std::memory_order_relaxed);
  r.prompt_tokens = std::max<std::size_t>(1, count_text_words(messages));
  r.completion_tokens = std::max<std::size_t>(1, count_words(r.text));
}

// {"model","created_at","message":{"role":"assistant","content":…  (open)
void append_head(std::string& out, const Reply& r, std::string_view content) {
  out += "{\"model\":";
  append_json_string(out, r.model);
  out += ",\"created_at\":\"";
  out += r.created_at;
  out += "\",\"message\":{\"role\":\"assistant\",\"content\":";
  append_json_string(out, content);
}

// ,"tool_calls":[…]  — the call id is "call_" and 8 lowercase base-36 digits.
void append_tool_calls(std::string& out, const Reply& r) {
  out += ",\"tool_calls\":[{\"id\":\"call_";
  char id[8];
  std::uint64_t n = r.number;
  for (int i = 7; i >= 0; --i) {
    id[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36];
    n /= 36;
  }
  out.append(id, 8);
  out += "\",\"function\":{\"index\":0,\"name\":";
  append_json_string(out, r.tool);
  out += ",\"arguments\":";
  out += r.text;  // JSON built by append_arguments
  out += "}}]";
}

// },"done_reason":"stop","done":true,<metrics>}
void append_done(std::string& out, const Reply& r) {
  out += "},\"done_reason\":\"stop\",\"done\":true,\"total_duration\":6000000,\"load_duration\":1000000,";
  out += "\"prompt_eval_count\":";
  append_uint(out, r.prompt_tokens);
  out += ",\"prompt_eval_duration\":2000000,\"eval_count\":";
  append_uint(out, r.completion_tokens);
  out += ",\"eval_duration\":3000000}";
}

// One line per content piece (the call whole in one line), then the done
// line. Returns the number of lines to send before fault-cut closes.
std::size_t build_lines(const Reply& r, Fault fault, std::vector<std::string>& lines) {
  auto content_line = [&](std::string_view content, bool with_call) {
    std::string& line = lines.emplace_back();
    append_head(line, r, content);
    if (with_call) append_tool_calls(line, r);
    line += "},\"done\":false}\n";
    if (fault.kind != FaultKind::stream_error) return true;
    lines.emplace_back("{\"error\":\"mock mid-stream failure\"}\n");
    return false;
  };
  if (fault.kind == FaultKind::big_event) {
    std::string& line = lines.emplace_back();
    append_head(line, r, std::string(kBigEventBytes, 'x'));
    line += "},\"done\":false}\n";
  }
  if (!r.tool.empty() && !content_line({}, true)) return lines.size();
  for (std::string_view rest = r.tool.empty() ? std::string_view(r.text) : std::string_view{}; !rest.empty();) {
    const std::size_t n = utf8_piece(rest, kTextPiece);
    if (!content_line(rest.substr(0, n), false)) return lines.size();
    rest.remove_prefix(n);
  }
  std::string& done = lines.emplace_back();
  append_head(done, r, {});
  append_done(done, r);
  done += "\n";
  return std::min<std::size_t>(2, lines.size() - 1);
}

void chat(ApiContext& ctx, const json::object& body, std::string_view model, Fault fault, Plan& plan) {
  const json::value* stream_flag = body.if_contains("stream");
  const bool stream = stream_flag == nullptr || !stream_flag->is_bool() || stream_flag->get_bool();
  if (!stream && fault.kind == FaultKind::stream_error) {
    ollama_error(plan, 500, "mock mid-stream failure");
    return;
  }
  Reply r;
  r.model = model;
  std::int64_t seconds = 0;
  std::uint32_t nanos = 0;
  unix_now(seconds, nanos);
  append_rfc3339(r.created_at, seconds, nanos, 6);
  const json::array* messages = array_at(body, "messages");
  if (messages == nullptr || messages->empty()) {  // loads the model
    append_head(plan.body, r, {});
    plan.body += "},\"done_reason\":\"load\",\"done\":true}";
    return;
  }
  make_reply(ctx, body, fault.kind != FaultKind::big_event, r);
  if (fault.kind == FaultKind::big_event && !stream) r.text.assign(kBigEventBytes, 'x');
  apply_delivery_fault(fault, plan);
  if (!stream) {
    append_head(plan.body, r, r.tool.empty() ? std::string_view(r.text) : std::string_view{});
    if (!r.tool.empty()) append_tool_calls(plan.body, r);
    append_done(plan.body, r);
    return;
  }
  plan.stream = true;
  plan.content_type = "application/x-ndjson";
  plan.cut_after_events = build_lines(r, fault, plan.events);
}

// Go's name for a JSON value's kind in an unmarshal error.
std::string_view go_kind(const json::value& v) {
  if (v.is_string()) return "string";
  if (v.is_bool()) return "bool";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "number";
}

// `input`: a string (empty: no input), an array of strings, or absent/null.
bool embed_inputs(const json::value* input, std::vector<std::string_view>& out, Plan& plan) {
  if (input == nullptr || input->is_null()) return true;
  if (input->is_string()) {
    if (!input->get_string().empty()) out.emplace_back(input->get_string());
    return true;
  }
  const json::array* list = input->if_array();
  bool ok = list != nullptr;
  for (std::size_t i = 0; ok && i < list->size(); ++i) {
    ok = (*list)[i].is_string();
    if (ok) out.emplace_back((*list)[i].get_string());
  }
  if (!ok) ollama_error(plan, 400, "invalid input type");
  return ok;
}

// POST /api/embed as Ollama's EmbedHandler answers it: one unit vector per
// input, in order; `dimensions` (0 < d < the model's size) keeps the first d
// values and normalises them again; no input → "embeddings":[] alone.
void embed(const json::object& body, std::string_view model, Fault fault, Plan& plan) {
  std::vector<std::string_view> inputs;
  if (!embed_inputs(body.if_contains("input"), inputs, plan)) return;
  std::int64_t dims = 0;
  if (const json::value* d = body.if_contains("dimensions"); d != nullptr && !d->is_null()) {
    if (!d->is_int64() && !d->is_uint64()) {
      ollama_error(plan, 400, "json: cannot unmarshal " + std::string(go_kind(*d)) +
                                  " into Go struct field EmbedRequest.dimensions of type int");
      return;
    }
    dims = d->is_int64() ? d->get_int64() : 0;  // beyond int64: larger than any vector, nothing to cut
  }
  if (fault.kind == FaultKind::stream_error) {
    ollama_error(plan, 500, "mock mid-stream failure");
    return;
  }
  plan.body = "{\"model\":";
  append_json_string(plan.body, model);
  plan.body += ",\"embeddings\":[";
  std::vector<float> v;
  std::size_t tokens = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    text_embedding(model, inputs[i], default_embedding_dimensions(model), v);
    if (dims > 0 && static_cast<std::uint64_t>(dims) < v.size()) {
      v.resize(static_cast<std::size_t>(dims));
      normalize(v);
    }
    if (i != 0) plan.body.push_back(',');
    append_float_array(plan.body, v);
    tokens += std::max<std::size_t>(1, count_words(inputs[i]));
  }
  plan.body += "]";
  if (!inputs.empty()) {
    plan.body += ",\"total_duration\":4000000,\"load_duration\":1000000,\"prompt_eval_count\":";
    append_uint(plan.body, tokens);
  }
  plan.body += "}";
  apply_delivery_fault(fault, plan);
}

}  // namespace

bool handle_ollama(ApiContext& ctx, const RequestView& req, Plan& plan) {
  const Route route = match_route(req.target.substr(0, req.target.find('?')));
  if (route == Route::none) return false;
  plan.content_type = kJson;
  if (req.method != (route == Route::tags ? "GET" : "POST")) {
    ollama_error(plan, 405, "method not allowed");
    return true;
  }
  if (!authorized(ctx, req, plan)) return true;
  if (route == Route::tags) {
    list_tags(plan);
    return true;
  }
  if (req.body.empty()) {
    ollama_error(plan, 400, "missing request body");
    return true;
  }
  const JsonBody parsed(req.body);
  const json::object* body = parsed.object();
  if (body == nullptr) {
    ollama_error(plan, 400, "invalid character looking for beginning of value");
    return true;
  }
  const std::string_view model = string_at(*body, "model");
  if (model.empty()) {
    ollama_error(plan, 400, "model is required");
    return true;
  }
  const Fault fault = pick_fault(ctx, model, plan);
  if (apply_early_fault(fault, plan)) return true;
  if (route == Route::embed) {
    embed(*body, model, fault, plan);
    return true;
  }
  if (!valid_messages(body->if_contains("messages"), plan)) return true;
  chat(ctx, *body, model, fault, plan);
  return true;
}

}  // namespace aisbf_mock
