// Ollama `/api/chat` answer (non-streaming: the final `done: true` object with
// the whole message) → canonical ChatResponse (PROTOCOLS.md §4.2), plus the
// wire readers shared with the stream decoder.
#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "providers/ollama/ollama_adapter.hpp"
#include "providers/ollama/ollama_wire.hpp"

namespace aisbf::ollama {

namespace json = boost::json;

namespace wire {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// `count` decimal digits at `pos`, or nullopt.
std::optional<int> digits_at(std::string_view s, std::size_t pos, std::size_t count) {
  if (pos + count > s.size()) return std::nullopt;
  int n = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    n = n * 10 + (s[i] - '0');
  }
  return n;
}

// The zone suffix at `pos` ("Z", "+02:00", "-07:00") as seconds east of UTC.
std::optional<std::int64_t> zone_offset(std::string_view s, std::size_t pos) {
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) return 0;
  if (pos + 6 != s.size() || (s[pos] != '+' && s[pos] != '-') || s[pos + 3] != ':') return std::nullopt;
  auto h = digits_at(s, pos + 1, 2), m = digits_at(s, pos + 4, 2);
  if (!h || !m) return std::nullopt;
  std::int64_t offset = *h * 3600 + *m * 60;
  return s[pos] == '-' ? -offset : offset;
}

}  // namespace

std::optional<std::int64_t> parse_timestamp(std::string_view s) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
      s[16] != ':')
    return std::nullopt;
  auto year = digits_at(s, 0, 4), month = digits_at(s, 5, 2), day = digits_at(s, 8, 2);
  auto hour = digits_at(s, 11, 2), minute = digits_at(s, 14, 2), second = digits_at(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60)
    return std::nullopt;
  std::size_t pos = 19;
  if (s[pos] == '.') {
    do ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9');
  }
  auto offset = zone_offset(s, pos);
  if (!offset) return std::nullopt;
  std::int64_t days = days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  return days * 86400 + *hour * 3600 + *minute * 60 + *second - *offset;
}

std::string timestamp_digits(std::string_view created_at) {
  std::string digits;
  for (char c : created_at)
    if (c >= '0' && c <= '9' && digits.size() < 32) digits += c;
  return digits;
}

std::string response_id(std::string_view created_at) {
  std::string digits = timestamp_digits(created_at);
  return digits.empty() ? std::string("chatcmpl-ollama") : "chatcmpl-ollama-" + digits;
}

namespace {

// `function.arguments` is an object; a string (some proxies) is taken as it is.
std::string arguments_text(const json::object& function) {
  const json::value* args = function.if_contains("arguments");
  if (args == nullptr || args->is_null()) return "{}";
  if (args->is_string()) return args->get_string().empty() ? "{}" : std::string(args->get_string());
  return json::serialize(*args);
}

}  // namespace

std::vector<ToolCallBlock> read_tool_calls(const json::object& message, std::string_view created_at, int first_index) {
  std::vector<ToolCallBlock> out;
  const json::value* calls = message.if_contains("tool_calls");
  if (calls == nullptr || !calls->is_array()) return out;
  std::string digits = timestamp_digits(created_at);
  for (const auto& entry : calls->get_array()) {
    const auto* call = entry.if_object();
    const auto* function = call != nullptr ? object_member(*call, "function") : nullptr;
    if (function == nullptr) continue;
    int n = first_index + static_cast<int>(out.size());
    std::string id = string_member(*call, "id");
    if (id.empty()) id = digits.empty() ? fmt::format("call_{}", n) : fmt::format("call_{}_{}", digits, n);
    out.push_back(ToolCallBlock{std::move(id), string_member(*function, "name"), arguments_text(*function)});
  }
  return out;
}

FinishReason map_done_reason(std::string_view reason, bool called_tools) {
  if (reason == "length") return FinishReason::length;
  // Ollama keeps "stop" after tool calls; its own OpenAI layer says tool_calls (§4.2).
  return called_tools ? FinishReason::tool_calls : FinishReason::stop;
}

Usage read_usage(const json::object& root) {
  Usage usage;
  usage.prompt_tokens = int_member(root, "prompt_eval_count");
  usage.completion_tokens = int_member(root, "eval_count");
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  return usage;
}

std::optional<GatewayError> embedded_error(const json::object& root) {
  const json::value* error = root.if_contains("error");
  if (error == nullptr || error->is_null()) return std::nullopt;
  std::string message;
  if (error->is_string())
    message = std::string(error->get_string());
  else if (const auto* object = error->if_object())
    message = string_member(*object, "message");
  if (message.empty()) message = excerpt(json::serialize(*error), 300);
  auto e = make_error(ErrorKind::upstream_status, std::move(message));
  e.code = "upstream_error";
  return e;
}

}  // namespace wire

namespace {

using namespace wire;

Message decode_message(const json::object& message, std::string_view created_at) {
  Message out;
  out.role = Role::assistant;
  if (std::string thinking = string_member(message, "thinking"); !thinking.empty())
    out.content.push_back(ThinkingBlock{std::move(thinking), {}});
  if (std::string text = string_member(message, "content"); !text.empty())
    out.content.push_back(TextBlock{std::move(text)});
  for (auto& call : read_tool_calls(message, created_at, 0)) out.content.push_back(std::move(call));
  return out;
}

bool has_tool_call(const Message& message) {
  for (const auto& block : message.content)
    if (std::holds_alternative<ToolCallBlock>(block)) return true;
  return false;
}

}  // namespace

Expected<ChatResponse> OllamaAdapter::decode_chat(std::string_view body) const {
  auto parsed = parse_object(body, "answer");
  if (!parsed) return parsed.take_error();
  const json::object& root = *parsed;
  if (auto error = embedded_error(root)) return *std::move(error);
  const json::object* message = object_member(root, "message");
  if (message == nullptr) return protocol_error("upstream answer has no message: " + excerpt(body, 120));

  std::string created_at = string_member(root, "created_at");
  ChatResponse out;
  out.id = response_id(created_at);
  out.model = string_member(root, "model");
  out.created = parse_timestamp(created_at).value_or(0);
  out.message = decode_message(*message, created_at);
  const json::value* done = root.if_contains("done");
  bool finished = done == nullptr || !done->is_bool() || done->get_bool();  // a non-stream answer is final
  if (finished) out.finish_reason = map_done_reason(string_member(root, "done_reason"), has_tool_call(out.message));
  out.usage = read_usage(root);
  return out;
}

}  // namespace aisbf::ollama
