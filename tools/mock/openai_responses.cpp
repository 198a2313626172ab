// OpenAI's Responses API in aisbf-mock (`POST …/responses`): validation,
// the deterministic reply (the chat rule, on input items) and the streamed
// event sequence with sequence numbers, item ids and output indexes. Built
// with boost::json values: clarity over speed here, the benchmark baseline
// is chat completions.
#include "openai_responses.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "chat_common.hpp"
#include "openai_chat.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace json = boost::json;
namespace {

// Invalid requests, in the API's 400 form (`param` names the field).
struct Invalid {
  std::string message;
  std::string param;
  std::string code;
};

std::string_view type_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: return "string";
    case json::kind::object: return "object";
    case json::kind::array: return "array";
    case json::kind::bool_: return "boolean";
    case json::kind::null: return "null";
    default: return "number";
  }
}

std::string item_path(std::size_t i, std::string_view field = {}) {
  std::string p = "input[";
  append_uint(p, i);
  p += "]";
  if (!field.empty()) p.append(".").append(field);
  return p;
}

Invalid missing(std::string param) {
  return {"Missing required parameter: '" + param + "'.", param, "missing_required_parameter"};
}

// The item kinds the mock reads; others (reasoning, built-in tool calls) are
// accepted and ignored, as history the mock does not need.
constexpr std::string_view kItemTypes[] = {"message", "function_call", "function_call_output", "reasoning",
                                           "item_reference", "web_search_call", "file_search_call",
                                           "computer_call", "computer_call_output", "custom_tool_call",
                                           "custom_tool_call_output", "local_shell_call", "local_shell_call_output",
                                           "mcp_call", "mcp_list_tools", "image_generation_call",
                                           "code_interpreter_call"};
constexpr std::string_view kRoles[] = {"user", "assistant", "system", "developer"};

std::optional<Invalid> check_message(const json::object& item, std::size_t i) {
  const std::string_view role = string_at(item, "role");
  if (role.empty()) return missing(item_path(i, "role"));
  if (std::find(std::begin(kRoles), std::end(kRoles), role) == std::end(kRoles))
    return Invalid{"Invalid value: '" + std::string(role) +
                       "'. Supported values are: 'user', 'assistant', 'system', and 'developer'.",
                   item_path(i, "role"), "invalid_value"};
  const json::value* content = item.if_contains("content");
  if (content == nullptr) return missing(item_path(i, "content"));
  if (!content->is_string() && !content->is_array())
    return Invalid{"Invalid type for '" + item_path(i, "content") +
                       "': expected one of a string or array of input content, but got " +
                       std::string(type_name(*content)) + " instead.",
                   item_path(i, "content"), "invalid_type"};
  return std::nullopt;
}

// The encrypted_content the mock issues: "gAAAABmock_<response number>=".
constexpr std::string_view kEncryptedPrefix = "gAAAABmock_";

bool issued_by_mock(std::string_view encrypted, std::uint64_t next_number) {
  if (!encrypted.starts_with(kEncryptedPrefix) || !encrypted.ends_with('=')) return false;
  std::string_view digits = encrypted.substr(kEncryptedPrefix.size(), encrypted.size() - kEncryptedPrefix.size() - 1);
  if (digits.empty() || digits.size() > 19) return false;
  std::uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n < next_number;
}

// A reasoning item needs its `summary` array; an encrypted_content the mock
// did not issue is the API's 400 (its message as quoted in openai/codex
// issues: "The encrypted content gAAA...DQ== could not be verified.").
std::optional<Invalid> check_reasoning(const json::object& item, std::size_t i, std::uint64_t next_number) {
  const json::value* summary = item.if_contains("summary");
  if (summary == nullptr) return missing(item_path(i, "summary"));
  if (!summary->is_array())
    return Invalid{"Invalid type for '" + item_path(i, "summary") + "': expected an array, but got " +
                       std::string(type_name(*summary)) + " instead.",
                   item_path(i, "summary"), "invalid_type"};
  const json::value* encrypted = item.if_contains("encrypted_content");
  if (encrypted == nullptr || encrypted->is_null()) return std::nullopt;
  const std::string_view text = encrypted->is_string() ? std::string_view(encrypted->get_string()) : "";
  if (issued_by_mock(text, next_number)) return std::nullopt;
  std::string shown = text.size() > 8 ? std::string(text.substr(0, 4)) + "..." + std::string(text.substr(text.size() - 4))
                                      : std::string(text);
  return Invalid{"The encrypted content " + shown + " could not be verified.", {}, "invalid_encrypted_content"};
}

// function_call_output needs the call it answers earlier in `input` (the
// mock keeps no stored responses, so every request is stateless).
std::optional<Invalid> check_items(const json::array& items, std::uint64_t next_number) {
  std::vector<std::string_view> calls;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const json::object* item = items[i].if_object();
    if (item == nullptr)
      return Invalid{"Invalid type for '" + item_path(i) + "': expected an input item, but got " +
                         std::string(type_name(items[i])) + " instead.",
                     item_path(i), "invalid_type"};
    std::string_view type = string_at(*item, "type");
    if (type.empty() && item->contains("role")) type = "message";  // EasyInputMessage: `type` optional
    if (std::find(std::begin(kItemTypes), std::end(kItemTypes), type) == std::end(kItemTypes))
      return Invalid{"Invalid value: '" + std::string(type) + "'. Supported values are: 'message', "
                         "'function_call', 'function_call_output', 'reasoning', and other item types.",
                     item_path(i, "type"), "invalid_value"};
    if (type == "message") {
      if (auto bad = check_message(*item, i)) return bad;
    } else if (type == "function_call") {
      for (std::string_view field : {"call_id", "name", "arguments"})
        if (string_at(*item, field).empty() && !item->contains(field)) return missing(item_path(i, field));
      calls.push_back(string_at(*item, "call_id"));
    } else if (type == "reasoning") {
      if (auto bad = check_reasoning(*item, i, next_number)) return bad;
    } else if (type == "function_call_output") {
      if (!item->contains("call_id")) return missing(item_path(i, "call_id"));
      if (!item->contains("output")) return missing(item_path(i, "output"));
      const std::string_view id = string_at(*item, "call_id");
      if (std::find(calls.begin(), calls.end(), id) == calls.end())
        return Invalid{"No tool call found for function call output with call_id " + std::string(id) + ".",
                       "input", {}};
    }
  }
  return std::nullopt;
}

std::optional<Invalid> check_tools(const json::object& body) {
  const json::value* tools = body.if_contains("tools");
  if (tools == nullptr || tools->is_null()) return std::nullopt;
  if (!tools->is_array())
    return Invalid{"Invalid type for 'tools': expected an array, but got " + std::string(type_name(*tools)) +
                       " instead.",
                   "tools", "invalid_type"};
  for (std::size_t i = 0; i < tools->get_array().size(); ++i) {
    const json::object* tool = tools->get_array()[i].if_object();
    std::string path = "tools[";
    append_uint(path, i);
    path += "]";
    if (tool == nullptr) return Invalid{"Invalid type for '" + path + "': expected an object.", path, "invalid_type"};
    if (string_at(*tool, "type").empty()) return missing(path + ".type");
    if (string_at(*tool, "type") == "function" && string_at(*tool, "name").empty()) return missing(path + ".name");
  }
  return std::nullopt;
}

std::optional<Invalid> check_format(const json::object& body) {
  const json::object* text = object_at(body, "text");
  const json::object* format = text != nullptr ? object_at(*text, "format") : nullptr;
  if (format == nullptr || string_at(*format, "type") != "json_schema") return std::nullopt;
  if (string_at(*format, "name").empty()) return missing("text.format.name");
  if (object_at(*format, "schema") == nullptr) return missing("text.format.schema");
  return std::nullopt;
}

std::optional<Invalid> check_request(const json::object& body, std::uint64_t next_number) {
  const json::value* input = body.if_contains("input");
  if (input == nullptr || input->is_null()) return missing("input");
  if (!input->is_string() && !input->is_array())
    return Invalid{"Invalid type for 'input': expected one of a string or array of input items, but got " +
                       std::string(type_name(*input)) + " instead.",
                   "input", "invalid_type"};
  if (input->is_array()) {
    if (auto bad = check_items(input->get_array(), next_number)) return bad;
  }
  if (const json::value* max = body.if_contains("max_output_tokens"); max != nullptr && !max->is_null()) {
    if (!max->is_int64() && !max->is_uint64())
      return Invalid{"Invalid type for 'max_output_tokens': expected an integer, but got " +
                         std::string(type_name(*max)) + " instead.",
                     "max_output_tokens", "invalid_type"};
    if (max->is_int64() && max->get_int64() < 16) {
      std::string got;
      append_uint(got, static_cast<std::uint64_t>(std::max<std::int64_t>(0, max->get_int64())));
      if (max->get_int64() < 0) got = std::to_string(max->get_int64());
      return Invalid{"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got " +
                         got + " instead.",
                     "max_output_tokens", "integer_below_min_value"};
    }
  }
  if (auto bad = check_tools(body)) return bad;
  return check_format(body);
}

// The text of a content: a string, or the `text` of its parts joined by "\n".
std::string content_text(const json::value* content) {
  std::string out;
  if (content == nullptr) return out;
  if (content->is_string()) return std::string(content->get_string());
  const json::array* parts = content->if_array();
  if (parts == nullptr) return out;
  for (const auto& part : *parts) {
    const json::object* o = part.if_object();
    if (o == nullptr || !o->contains("text")) continue;
    if (!out.empty()) out.push_back('\n');
    out += string_at(*o, "text");
  }
  return out;
}

struct Reply {
  std::string text;            // the message text, or the call's arguments
  std::string_view tool;       // the called function; empty for a text reply
  std::uint64_t number = 0;
  std::int64_t created = 0;
  std::string_view model;
  std::size_t input_tokens = 0;
  std::size_t output_tokens = 0;
  // A reasoning model (its name holds "reason"): a reasoning item first.
  bool reasoning = false;
  std::string summary;    // its one summary part; empty unless `reasoning.summary` was asked for
  bool encrypted = false; // its encrypted_content is sent (include asks for it, or store is false)
  std::size_t reasoning_tokens = 0;
};

// `include` lists reasoning.encrypted_content.
bool asks_encrypted(const json::object& body) {
  if (const json::array* include = array_at(body, "include")) {
    for (const auto& v : *include)
      if (v.is_string() && v.get_string() == "reasoning.encrypted_content") return true;
  }
  return false;
}

// `include` asks for encrypted reasoning, or the request is stateless.
bool wants_encrypted(const json::object& body) {
  if (asks_encrypted(body)) return true;
  const json::value* store = body.if_contains("store");
  return store != nullptr && store->is_bool() && !store->get_bool();
}

void add_reasoning(const json::object& body, std::string_view user_text, Reply& r) {
  if (r.model.find("reason") == std::string_view::npos) return;
  r.reasoning = true;
  const json::object* settings = object_at(body, "reasoning");
  const json::value* summary = settings != nullptr ? settings->if_contains("summary") : nullptr;
  if (summary != nullptr && !summary->is_null()) r.summary = "Considering: " + std::string(user_text);
  r.encrypted = wants_encrypted(body);
  r.reasoning_tokens = 8;
}

const json::object* last_item(const json::value& input) {
  const json::array* items = input.if_array();
  return items != nullptr && !items->empty() ? items->back().if_object() : nullptr;
}

std::string last_user_text(const json::value& input) {
  if (input.is_string()) return std::string(input.get_string());
  const json::array& items = input.get_array();
  for (auto it = items.rbegin(); it != items.rend(); ++it) {
    const json::object* item = it->if_object();
    if (item != nullptr && string_at(*item, "role") == "user") return content_text(item->if_contains("content"));
  }
  return {};
}

// Function tools (flat: `{type:"function", name, parameters}`) and the
// tool_choice forms "none" / "required" / {type:"function", name}.
const ToolRef* pick_tool(const json::object& body, std::string_view user_text, std::vector<ToolRef>& tools) {
  if (const json::array* list = array_at(body, "tools")) {
    for (const auto& t : *list) {
      const json::object* tool = t.if_object();
      if (tool == nullptr || string_at(*tool, "type") != "function") continue;
      const json::object* params = object_at(*tool, "parameters");
      tools.push_back({string_at(*tool, "name"), params != nullptr ? params->if_contains("properties") : nullptr});
    }
  }
  const json::value* choice = body.if_contains("tool_choice");
  ToolMode mode = ToolMode::automatic;
  std::string_view forced;
  if (choice != nullptr && choice->is_string()) {
    if (choice->get_string() == "none") mode = ToolMode::none;
    if (choice->get_string() == "required") mode = ToolMode::required;
  } else if (choice != nullptr && choice->is_object()) {
    forced = string_at(choice->get_object(), "name");
  }
  return choose_tool(tools, mode, forced, user_text);
}

void make_reply(ApiContext& ctx, const json::object& body, Reply& r) {
  const json::value& input = body.at("input");
  add_reasoning(body, last_user_text(input), r);
  const json::object* last = last_item(input);
  const json::value* instructions = body.if_contains("instructions");
  std::vector<ToolRef> tools;
  if (last != nullptr && string_at(*last, "type") == "function_call_output") {
    const json::value* output = last->if_contains("output");
    r.text = "Tool result: " + content_text(output);
  } else if (task_reply(input, instructions, r.model, r.text)) {
    // AISBF's autoselect or classification prompt: r.text is the answer.
  } else {
    const std::string user_text = last_user_text(input);
    if (const ToolRef* tool = pick_tool(body, user_text, tools)) {
      r.tool = tool->name;
      append_arguments(r.text, *tool, user_text);
    } else {
      r.text = "You said: " + user_text;
    }
  }
  r.number = ctx.next_id.fetch_add(1, std::memory_order_relaxed);
  r.created = static_cast<std::int64_t>(std::time(nullptr));
  std::size_t words = input.is_string() ? count_words(input.get_string()) : count_text_words(input);
  if (instructions != nullptr && instructions->is_string()) words += count_words(instructions->get_string());
  r.input_tokens = std::max<std::size_t>(1, words);
  r.output_tokens = std::max<std::size_t>(1, count_words(r.text)) + r.reasoning_tokens;
}

std::string numbered(std::string_view prefix, std::uint64_t n) {
  std::string id(prefix);
  append_uint(id, n);
  return id;
}

json::object usage_of(const Reply& r) {
  return {{"input_tokens", r.input_tokens},
          {"input_tokens_details", {{"cached_tokens", 0}}},
          {"output_tokens", r.output_tokens},
          {"output_tokens_details", {{"reasoning_tokens", r.reasoning_tokens}}},
          {"total_tokens", r.input_tokens + r.output_tokens}};
}

// The reasoning item, finished or as first announced (no summary yet).
json::object reasoning_item(const Reply& r, bool done) {
  json::array summary;
  if (done && !r.summary.empty()) summary.push_back(json::object{{"type", "summary_text"}, {"text", r.summary}});
  json::object item{{"id", numbered("rs_mock_", r.number)}, {"type", "reasoning"}, {"summary", std::move(summary)}};
  if (done && r.encrypted) item["encrypted_content"] = numbered(kEncryptedPrefix, r.number) + "=";
  return item;
}

// The output item, finished (`done`) or as first announced (empty payload).
json::object output_item(const Reply& r, bool done) {
  const char* status = done ? "completed" : "in_progress";
  if (!r.tool.empty())
    return {{"id", numbered("fc_mock_", r.number)}, {"type", "function_call"},   {"status", status},
            {"arguments", done ? r.text : ""},      {"call_id", numbered("call_mock_", r.number)},
            {"name", r.tool}};
  json::array content;
  if (done) content.push_back(json::object{{"type", "output_text"}, {"annotations", json::array{}},
                                           {"logprobs", json::array{}}, {"text", r.text}});
  return {{"id", numbered("msg_mock_", r.number)}, {"type", "message"}, {"status", status},
          {"content", std::move(content)}, {"role", "assistant"}};
}

// The response object; `done`: completed with its output and usage.
json::object response_object(const json::object& body, const Reply& r, bool done) {
  json::object out{{"id", numbered("resp_mock_", r.number)},
                   {"object", "response"},
                   {"created_at", r.created},
                   {"status", done ? "completed" : "in_progress"},
                   {"error", nullptr},
                   {"incomplete_details", nullptr},
                   {"instructions", body.contains("instructions") ? body.at("instructions") : json::value()},
                   {"max_output_tokens", body.contains("max_output_tokens") ? body.at("max_output_tokens")
                                                                            : json::value()},
                   {"model", r.model},
                   {"output", json::array{}},
                   {"parallel_tool_calls", true},
                   {"previous_response_id", nullptr},
                   {"store", false},
                   {"temperature", 1.0},
                   {"tool_choice", body.contains("tool_choice") ? body.at("tool_choice") : json::value("auto")},
                   {"tools", body.contains("tools") ? body.at("tools") : json::array{}},
                   {"top_p", 1.0},
                   {"usage", nullptr},
                   {"metadata", body.contains("metadata") ? body.at("metadata") : json::object{}}};
  if (const json::value* text = body.if_contains("text")) out["text"] = *text;
  else out["text"] = json::object{{"format", {{"type", "text"}}}};
  if (done) {
    json::array output;
    if (r.reasoning) output.push_back(reasoning_item(r, true));
    output.push_back(output_item(r, true));
    out["output"] = std::move(output);
    out["usage"] = usage_of(r);
  }
  return out;
}

// "event: <type>\ndata: <json>\n\n" with the next sequence number.
class EventWriter {
 public:
  explicit EventWriter(std::vector<std::string>& events) : events_(events) {}
  void add(std::string_view type, json::object fields) {
    fields["type"] = type;
    fields["sequence_number"] = next_++;
    std::string e = "event: ";
    e += type;
    e += "\ndata: ";
    e += json::serialize(fields);
    e += "\n\n";
    events_.push_back(std::move(e));
  }

 private:
  std::vector<std::string>& events_;
  std::uint64_t next_ = 0;
};

// The reasoning item's events: added, its summary part and text (when
// asked for), done with its encrypted_content.
void add_reasoning_events(const Reply& r, EventWriter& w) {
  const std::string id = numbered("rs_mock_", r.number);
  w.add("response.output_item.added", {{"output_index", 0}, {"item", reasoning_item(r, false)}});
  if (!r.summary.empty()) {
    const json::object empty{{"type", "summary_text"}, {"text", ""}};
    w.add("response.reasoning_summary_part.added",
          {{"item_id", id}, {"output_index", 0}, {"summary_index", 0}, {"part", empty}});
    std::string_view rest = r.summary;
    while (!rest.empty()) {
      const std::size_t n = utf8_piece(rest, kTextPiece);
      w.add("response.reasoning_summary_text.delta",
            {{"item_id", id}, {"output_index", 0}, {"summary_index", 0}, {"delta", rest.substr(0, n)}});
      rest.remove_prefix(n);
    }
    w.add("response.reasoning_summary_text.done",
          {{"item_id", id}, {"output_index", 0}, {"summary_index", 0}, {"text", r.summary}});
    w.add("response.reasoning_summary_part.done",
          {{"item_id", id}, {"output_index", 0}, {"summary_index", 0},
           {"part", {{"type", "summary_text"}, {"text", r.summary}}}});
  }
  w.add("response.output_item.done", {{"output_index", 0}, {"item", reasoning_item(r, true)}});
}

// What chatgpt.com/backend-api/codex/responses answers (FastAPI's `detail`
// form, as measured by its users): it streams only, and takes no output cap.
bool refused_by_chatgpt_backend(const json::object& body, bool stream, Plan& plan) {
  std::string_view detail;
  if (!stream) detail = R"({"detail":"Stream must be set to true"})";
  else if (body.contains("max_output_tokens")) detail = R"({"detail":"Unsupported parameter: max_output_tokens"})";
  if (detail.empty()) return false;
  plan.status = 400;
  plan.body = std::string(detail);
  return true;
}

// The events of a streamed response; returns the number of delta events.
// `head`: how many events come before the first delta of the answer's item.
std::size_t build_events(const json::object& body, const Reply& r, Fault fault, std::vector<std::string>& events,
                         std::size_t& head) {
  EventWriter w(events);
  w.add("response.created", {{"response", response_object(body, r, false)}});
  w.add("response.in_progress", {{"response", response_object(body, r, false)}});
  const int index = r.reasoning ? 1 : 0;  // the reasoning item comes first
  if (r.reasoning) add_reasoning_events(r, w);
  const bool tool = !r.tool.empty();
  json::object item = output_item(r, false);
  const json::string item_id = item.at("id").get_string();
  w.add("response.output_item.added", {{"output_index", index}, {"item", std::move(item)}});
  json::object empty_part{{"type", "output_text"}, {"annotations", json::array{}}, {"logprobs", json::array{}},
                          {"text", ""}};
  if (!tool)
    w.add("response.content_part.added",
          {{"item_id", item_id}, {"output_index", index}, {"content_index", 0}, {"part", empty_part}});
  if (fault.kind == FaultKind::big_event && !tool)
    w.add("response.output_text.delta", {{"item_id", item_id}, {"output_index", index}, {"content_index", 0},
                                         {"delta", std::string(kBigEventBytes, 'x')}, {"logprobs", json::array{}}});
  head = events.size();
  std::size_t pieces = 0;
  std::string_view rest = r.text;
  while (!rest.empty()) {
    const std::size_t n = utf8_piece(rest, tool ? kArgumentPiece : kTextPiece);
    const std::string_view piece = rest.substr(0, n);
    if (tool)
      w.add("response.function_call_arguments.delta", {{"item_id", item_id}, {"output_index", index}, {"delta", piece}});
    else
      w.add("response.output_text.delta", {{"item_id", item_id}, {"output_index", index}, {"content_index", 0},
                                           {"delta", piece}, {"logprobs", json::array{}}});
    rest.remove_prefix(n);
    ++pieces;
    if (fault.kind == FaultKind::stream_error) {
      w.add("error", {{"code", "server_error"}, {"message", "mock mid-stream failure"}, {"param", nullptr}});
      return pieces;
    }
  }
  if (tool) {
    w.add("response.function_call_arguments.done",
          {{"item_id", item_id}, {"output_index", index}, {"name", r.tool}, {"arguments", r.text}});
  } else {
    w.add("response.output_text.done", {{"item_id", item_id}, {"output_index", index}, {"content_index", 0},
                                        {"text", r.text}, {"logprobs", json::array{}}});
    empty_part["text"] = r.text;
    w.add("response.content_part.done",
          {{"item_id", item_id}, {"output_index", index}, {"content_index", 0}, {"part", std::move(empty_part)}});
  }
  w.add("response.output_item.done", {{"output_index", index}, {"item", output_item(r, true)}});
  w.add("response.completed", {{"response", response_object(body, r, true)}});
  return pieces;
}

}  // namespace

void build_responses(ApiContext& ctx, const json::object& body, std::string_view model, bool chatgpt_backend,
                     Fault fault, Plan& plan) {
  const bool stream = wants_stream(body);
  if (chatgpt_backend && refused_by_chatgpt_backend(body, stream, plan)) return;
  if (auto bad = check_request(body, ctx.next_id.load(std::memory_order_relaxed))) {
    set_error(plan, 400, bad->message, "invalid_request_error", bad->param, bad->code);
    return;
  }
  if (!chatgpt_backend && asks_encrypted(body) && model.find("reason") == std::string_view::npos) {
    // A non-reasoning model (gpt-4o, gpt-4.1) has no encrypted reasoning to give.
    set_error(plan, 400, "Encrypted content is not supported with this model.", "invalid_request_error", "include");
    return;
  }
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
    plan.body = json::serialize(response_object(body, r, true));
    return;
  }
  begin_event_stream(plan);
  std::size_t head = 0;
  const std::size_t pieces = build_events(body, r, fault, plan.events, head);
  // fault-cut: created, in_progress, (the reasoning item,) item added, (part added,) then up to 2 deltas.
  plan.cut_after_events = head + std::min<std::size_t>(2, pieces);
  add_preamble(fault, plan);
}

}  // namespace aisbf_mock
