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

// function_call_output needs the call it answers earlier in `input` (the
// mock keeps no stored responses, so every request is stateless).
std::optional<Invalid> check_items(const json::array& items) {
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

std::optional<Invalid> check_request(const json::object& body) {
  const json::value* input = body.if_contains("input");
  if (input == nullptr || input->is_null()) return missing("input");
  if (!input->is_string() && !input->is_array())
    return Invalid{"Invalid type for 'input': expected one of a string or array of input items, but got " +
                       std::string(type_name(*input)) + " instead.",
                   "input", "invalid_type"};
  if (input->is_array()) {
    if (auto bad = check_items(input->get_array())) return bad;
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
};

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
  r.output_tokens = std::max<std::size_t>(1, count_words(r.text));
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
          {"output_tokens_details", {{"reasoning_tokens", 0}}},
          {"total_tokens", r.input_tokens + r.output_tokens}};
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
    out["output"] = json::array{output_item(r, true)};
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

// The events of a streamed response; returns the number of delta events.
std::size_t build_events(const json::object& body, const Reply& r, Fault fault, std::vector<std::string>& events) {
  EventWriter w(events);
  w.add("response.created", {{"response", response_object(body, r, false)}});
  w.add("response.in_progress", {{"response", response_object(body, r, false)}});
  const bool tool = !r.tool.empty();
  json::object item = output_item(r, false);
  const json::string item_id = item.at("id").get_string();
  w.add("response.output_item.added", {{"output_index", 0}, {"item", std::move(item)}});
  json::object empty_part{{"type", "output_text"}, {"annotations", json::array{}}, {"logprobs", json::array{}},
                          {"text", ""}};
  if (!tool)
    w.add("response.content_part.added",
          {{"item_id", item_id}, {"output_index", 0}, {"content_index", 0}, {"part", empty_part}});
  if (fault.kind == FaultKind::big_event && !tool)
    w.add("response.output_text.delta", {{"item_id", item_id}, {"output_index", 0}, {"content_index", 0},
                                         {"delta", std::string(kBigEventBytes, 'x')}, {"logprobs", json::array{}}});
  std::size_t pieces = 0;
  std::string_view rest = r.text;
  while (!rest.empty()) {
    const std::size_t n = utf8_piece(rest, tool ? kArgumentPiece : kTextPiece);
    const std::string_view piece = rest.substr(0, n);
    if (tool)
      w.add("response.function_call_arguments.delta", {{"item_id", item_id}, {"output_index", 0}, {"delta", piece}});
    else
      w.add("response.output_text.delta", {{"item_id", item_id}, {"output_index", 0}, {"content_index", 0},
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
          {{"item_id", item_id}, {"output_index", 0}, {"name", r.tool}, {"arguments", r.text}});
  } else {
    w.add("response.output_text.done", {{"item_id", item_id}, {"output_index", 0}, {"content_index", 0},
                                        {"text", r.text}, {"logprobs", json::array{}}});
    empty_part["text"] = r.text;
    w.add("response.content_part.done",
          {{"item_id", item_id}, {"output_index", 0}, {"content_index", 0}, {"part", std::move(empty_part)}});
  }
  w.add("response.output_item.done", {{"output_index", 0}, {"item", output_item(r, true)}});
  w.add("response.completed", {{"response", response_object(body, r, true)}});
  return pieces;
}

}  // namespace

void build_responses(ApiContext& ctx, const json::object& body, std::string_view model, Fault fault, Plan& plan) {
  if (auto bad = check_request(body)) {
    set_error(plan, 400, bad->message, "invalid_request_error", bad->param, bad->code);
    return;
  }
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
    plan.body = json::serialize(response_object(body, r, true));
    return;
  }
  begin_event_stream(plan);
  const std::size_t pieces = build_events(body, r, fault, plan.events);
  // fault-cut: created, in_progress, item added, (part added,) then up to 2 deltas.
  plan.cut_after_events = (r.tool.empty() ? 4 : 3) + std::min<std::size_t>(2, pieces);
  add_preamble(fault, plan);
}

}  // namespace aisbf_mock
