// POST /v1/messages of aisbf-mock: the deterministic reply as a Message or
// as the documented event stream (message_start, content blocks, message_delta,
// message_stop), thinking blocks, tool_use, and the stream-level faults.
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "anthropic.hpp"
#include "chat_common.hpp"
#include "text.hpp"

namespace aisbf_mock {
namespace json = boost::json;
namespace {

constexpr std::string_view kBudgetMessage =
    "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at "
    "https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size";

struct Reply {
  std::string thinking;  // empty: no thinking block
  std::string signature;
  std::string text;       // the text, or the tool input as JSON
  std::string_view tool;  // the called tool; empty for a text reply
  std::uint64_t number = 0;
  std::string_view model;
  std::size_t input_tokens = 0;  // all of the prompt; the usage splits off the cache's part
  std::size_t output_tokens = 0;
  AnthropicCacheCounts cache;
};

// Text of a content: a string, or the "text" of its text blocks joined with "\n".
void append_text_of(std::string& out, const json::value* content) {
  if (content == nullptr) return;
  if (content->is_string()) {
    out += content->get_string();
    return;
  }
  const json::array* blocks = content->if_array();
  if (blocks == nullptr) return;
  bool first = true;
  for (const auto& b : *blocks) {
    const json::object* o = b.if_object();
    if (o == nullptr || string_at(*o, "type") != "text") continue;
    if (!first) out.push_back('\n');
    first = false;
    out += string_at(*o, "text");
  }
}

// The last tool_result block of a message, or nullptr.
const json::object* last_tool_result(const json::object& message) {
  const json::array* blocks = array_at(message, "content");
  if (blocks == nullptr) return nullptr;
  for (auto it = blocks->rbegin(); it != blocks->rend(); ++it) {
    const json::object* o = it->if_object();
    if (o != nullptr && string_at(*o, "type") == "tool_result") return o;
  }
  return nullptr;
}

// tools_allowed: false for fault-bigevent, whose reply is always text.
void make_reply(ApiContext& ctx, const json::object& body, bool thinking, bool tools_allowed, Reply& r) {
  const json::array& messages = body.at("messages").get_array();  // checked by the caller
  const json::object* last = messages.back().if_object();
  const json::object* result =
      last != nullptr && string_at(*last, "role") == "user" ? last_tool_result(*last) : nullptr;
  std::string user_text;
  if (result != nullptr) {
    r.text = "Tool result: ";
    append_text_of(r.text, result->if_contains("content"));
  } else {
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
      const json::object* m = it->if_object();
      if (m == nullptr || string_at(*m, "role") != "user") continue;
      append_text_of(user_text, m->if_contains("content"));
      break;
    }
    std::vector<ToolRef> tools;
    if (const json::array* list = array_at(body, "tools"); list != nullptr && tools_allowed) {
      for (const auto& t : *list) {
        const json::object* o = t.if_object();
        if (o == nullptr) continue;
        const json::object* schema = object_at(*o, "input_schema");
        tools.push_back({string_at(*o, "name"), schema != nullptr ? schema->if_contains("properties") : nullptr});
      }
    }
    ToolMode mode = ToolMode::automatic;
    std::string_view forced;
    if (const json::object* choice = object_at(body, "tool_choice")) {
      const std::string_view type = string_at(*choice, "type");
      if (type == "none") mode = ToolMode::none;
      if (type == "any") mode = ToolMode::required;
      if (type == "tool") forced = string_at(*choice, "name");
    }
    if (task_reply(body.at("messages"), body.if_contains("system"), r.model, r.text)) {
      // AISBF's autoselect or classification prompt: r.text is the answer.
    } else if (const ToolRef* tool = choose_tool(tools, mode, forced, user_text)) {
      r.tool = tool->name;
      append_arguments(r.text, *tool, user_text);
    } else {
      r.text = "You said: " + user_text;
    }
  }
  r.number = ctx.next_id.fetch_add(1, std::memory_order_relaxed);
  if (thinking) {
    r.thinking = "The user wrote: ";
    r.thinking += result != nullptr ? r.text : user_text;
    const std::string seed = "aisbf-mock signature " + std::to_string(r.number);
    append_base64(r.signature, reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  }
  std::size_t input = count_text_words(messages);
  if (const json::value* system = body.if_contains("system")) {
    input += system->is_string() ? count_words(system->get_string()) : count_text_words(*system);
  }
  r.input_tokens = std::max<std::size_t>(1, input);
  r.output_tokens = std::max<std::size_t>(1, count_words(r.thinking) + count_words(r.text));
}

// input_tokens excludes both cache counts, as Anthropic reports them.
void append_usage(std::string& out, const Reply& r, std::size_t output) {
  const AnthropicCacheCounts& c = r.cache;
  const std::size_t cached = std::min(r.input_tokens, c.read + c.creation);
  out += "{\"input_tokens\":";
  append_uint(out, r.input_tokens - cached);
  out += ",\"cache_creation_input_tokens\":";
  append_uint(out, c.creation);
  out += ",\"cache_read_input_tokens\":";
  append_uint(out, c.read);
  out += ",\"cache_creation\":{\"ephemeral_5m_input_tokens\":";
  append_uint(out, c.one_hour ? 0 : c.creation);
  out += ",\"ephemeral_1h_input_tokens\":";
  append_uint(out, c.one_hour ? c.creation : 0);
  out += "},\"output_tokens\":";
  append_uint(out, output);
  out += ",\"service_tier\":\"standard\"}";
}

void append_message_head(std::string& out, const Reply& r) {
  out += "{\"id\":\"msg_mock_";
  append_uint(out, r.number);
  out += "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":";
  append_json_string(out, r.model);
}

void append_tool_id(std::string& out, const Reply& r) {
  out += "\"toolu_mock_";
  append_uint(out, r.number);
  out.push_back('"');
}

std::string_view stop_reason(const Reply& r) { return r.tool.empty() ? "end_turn" : "tool_use"; }

void build_body(const Reply& r, std::string& out) {
  append_message_head(out, r);
  out += ",\"content\":[";
  if (!r.thinking.empty()) {
    out += "{\"type\":\"thinking\",\"thinking\":";
    append_json_string(out, r.thinking);
    out += ",\"signature\":";
    append_json_string(out, r.signature);
    out += "},";
  }
  if (r.tool.empty()) {
    out += "{\"type\":\"text\",\"text\":";
    append_json_string(out, r.text);
  } else {
    out += "{\"type\":\"tool_use\",\"id\":";
    append_tool_id(out, r);
    out += ",\"name\":";
    append_json_string(out, r.tool);
    out += ",\"input\":";
    out += r.text;  // JSON built by append_arguments
  }
  out += "}],\"stop_reason\":\"";
  out += stop_reason(r);
  out += "\",\"stop_sequence\":null,\"usage\":";
  append_usage(out, r, r.output_tokens);
  out += "}";
}

// Builds the "event: <type>\ndata: {...}\n\n" events of one streamed message
// and notes where the stream faults act.
class EventWriter {
 public:
  EventWriter(Fault fault, std::vector<std::string>& events) : fault_(fault), events_(events) {}

  std::string& begin(std::string_view type) {
    std::string& e = events_.emplace_back("event: ");
    e += type;
    e += "\ndata: {\"type\":\"";
    e += type;
    e += '"';
    return e;
  }
  void end(std::string& e) { e += "}\n\n"; }
  void simple(std::string_view type) { end(begin(type)); }

  // A content_block_delta whose delta object is `delta`. Returns false when
  // fault-stream-error ended the stream here.
  bool delta(std::size_t index, std::string_view delta_type, std::string_view field, std::string_view value,
             bool counts = true) {
    std::string& e = begin("content_block_delta");
    e += ",\"index\":";
    append_uint(e, index);
    e += ",\"delta\":{\"type\":\"";
    e += delta_type;
    e += "\",\"";
    e += field;
    e += "\":";
    append_json_string(e, value);
    e.push_back('}');
    end(e);
    if (!counts) return true;
    if (++deltas_ <= 2) cut_after_ = events_.size();
    if (fault_.kind != FaultKind::stream_error) return true;
    std::string& err = begin("error");
    err += ",\"error\":{\"type\":\"api_error\",\"message\":\"mock mid-stream failure\"}";
    end(err);
    return false;
  }
  // Pieces of at most `max` bytes, cut on UTF-8 boundaries.
  bool pieces(std::size_t index, std::string_view delta_type, std::string_view field, std::string_view text,
              std::size_t max) {
    while (!text.empty()) {
      const std::size_t n = utf8_piece(text, max);
      if (!delta(index, delta_type, field, text.substr(0, n))) return false;
      text.remove_prefix(n);
    }
    return true;
  }
  void block_start(std::size_t index, std::string_view block_json) {
    std::string& e = begin("content_block_start");
    e += ",\"index\":";
    append_uint(e, index);
    e += ",\"content_block\":";
    e += block_json;
    end(e);
    if (!pinged_) simple("ping");
    pinged_ = true;
  }
  void block_stop(std::size_t index) {
    std::string& e = begin("content_block_stop");
    e += ",\"index\":";
    append_uint(e, index);
    end(e);
  }
  std::size_t cut_after() const { return cut_after_; }

 private:
  Fault fault_;
  std::vector<std::string>& events_;
  std::size_t deltas_ = 0;
  std::size_t cut_after_ = 0;
  bool pinged_ = false;
};

// Returns the number of events to send before fault-cut closes the connection.
std::size_t build_events(const Reply& r, Fault fault, std::vector<std::string>& events) {
  EventWriter w(fault, events);
  std::string& start = w.begin("message_start");
  start += ",\"message\":";
  append_message_head(start, r);
  start += ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":";
  append_usage(start, r, 1);
  start.push_back('}');
  w.end(start);
  std::size_t index = 0;
  if (!r.thinking.empty()) {
    w.block_start(index, "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}");
    if (!w.pieces(index, "thinking_delta", "thinking", r.thinking, kTextPiece)) return w.cut_after();
    w.delta(index, "signature_delta", "signature", r.signature, false);
    w.block_stop(index++);
  }
  if (r.tool.empty()) {
    w.block_start(index, "{\"type\":\"text\",\"text\":\"\"}");
    if (fault.kind == FaultKind::big_event)
      w.delta(index, "text_delta", "text", std::string(kBigEventBytes, 'x'), false);
    if (!w.pieces(index, "text_delta", "text", r.text, kTextPiece)) return w.cut_after();
  } else {
    std::string block = "{\"type\":\"tool_use\",\"id\":";
    append_tool_id(block, r);
    block += ",\"name\":";
    append_json_string(block, r.tool);
    block += ",\"input\":{}}";
    w.block_start(index, block);
    w.delta(index, "input_json_delta", "partial_json", "", false);
    if (!w.pieces(index, "input_json_delta", "partial_json", r.text, kArgumentPiece)) return w.cut_after();
  }
  w.block_stop(index);
  std::string& delta = w.begin("message_delta");
  delta += ",\"delta\":{\"stop_reason\":\"";
  delta += stop_reason(r);
  delta += "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":";
  append_uint(delta, r.output_tokens);
  delta.push_back('}');
  w.end(delta);
  w.simple("message_stop");
  return w.cut_after();
}

bool positive_int(const json::value* v, std::int64_t& out) {
  if (v == nullptr) return false;
  if (v->is_int64())
    out = v->get_int64();
  else if (v->is_uint64())
    out = static_cast<std::int64_t>(std::min<std::uint64_t>(v->get_uint64(), INT64_MAX));
  else
    return false;
  return out >= 1;
}

// Checks max_tokens, messages, thinking and tool_choice as the API does.
// Returns false with the error in `plan`.
bool validate(const json::object& body, bool& thinking, std::string_view request_id, Plan& plan) {
  auto fail = [&](std::string_view message) {
    anthropic_error(plan, 400, "invalid_request_error", message, request_id);
    return false;
  };
  const json::value* max_tokens = body.if_contains("max_tokens");
  std::int64_t max = 0;
  if (max_tokens == nullptr) return fail("max_tokens: Field required");
  if (!positive_int(max_tokens, max)) return fail("max_tokens: Input should be greater than or equal to 1");
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) return fail("messages: Field required");
  if (messages->get_array().empty()) return fail("messages: at least one message is required");
  const json::object* config = object_at(body, "thinking");
  const std::string_view type = config != nullptr ? string_at(*config, "type") : std::string_view{};
  thinking = type == "enabled" || type == "adaptive";
  if (type == "enabled") {
    std::int64_t budget = 0;
    if (!positive_int(config->if_contains("budget_tokens"), budget) || budget < 1024) {
      return fail("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024");
    }
    if (budget >= max) return fail(kBudgetMessage);
  }
  const json::object* choice = object_at(body, "tool_choice");
  const std::string_view choice_type = choice != nullptr ? string_at(*choice, "type") : std::string_view{};
  if (thinking && (choice_type == "any" || choice_type == "tool")) {
    return fail("Thinking may not be enabled when tool_choice forces tool use.");
  }
  return true;
}

}  // namespace

void anthropic_messages(ApiContext& ctx, const json::object& body, std::string_view model, Fault fault,
                        std::string_view request_id, Plan& plan) {
  bool thinking = false;
  if (!validate(body, thinking, request_id, plan)) return;
  const json::value* stream_flag = body.if_contains("stream");
  const bool stream = stream_flag != nullptr && stream_flag->is_bool() && stream_flag->get_bool();
  if (!stream && fault.kind == FaultKind::stream_error) {
    anthropic_error(plan, 500, "api_error", "mock mid-stream failure", request_id);
    return;
  }
  Reply r;
  r.model = model;
  r.cache = ctx.caches.anthropic(model, body);
  if (r.cache.breakpoints > 4) {
    anthropic_error(plan, 400, "invalid_request_error",
                    "A maximum of 4 blocks with cache_control may be provided. Found " +
                        std::to_string(r.cache.breakpoints) + ".",
                    request_id);
    return;
  }
  make_reply(ctx, body, thinking, fault.kind != FaultKind::big_event, r);
  if (fault.kind == FaultKind::big_event && !stream) r.text.assign(kBigEventBytes, 'x');
  apply_delivery_fault(fault, plan);
  if (!stream) {
    build_body(r, plan.body);
    return;
  }
  plan.stream = true;
  plan.content_type = "text/event-stream; charset=utf-8";
  plan.extra_headers += "Cache-Control: no-cache\r\n";
  plan.cut_after_events = build_events(r, fault, plan.events);
  add_preamble(fault, plan);
}

}  // namespace aisbf_mock
