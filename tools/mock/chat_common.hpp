// Helpers shared by the protocol files (OpenAI, Anthropic, Gemini, Ollama) of
// aisbf-mock: JSON access, the deterministic tool choice, word counts and the
// delivery faults every protocol applies the same way. No I/O here.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faults.hpp"
#include "plan.hpp"

namespace aisbf_mock {

inline constexpr std::size_t kTextPiece = 24;     // bytes of reply text per stream event
inline constexpr std::size_t kArgumentPiece = 8;  // bytes of tool arguments per stream event
inline constexpr std::size_t kBigEventBytes = 10u << 20;

// A request body parsed into a per-thread arena (one live JsonBody per thread).
class JsonBody {
 public:
  explicit JsonBody(std::string_view text);
  JsonBody(const JsonBody&) = delete;
  JsonBody& operator=(const JsonBody&) = delete;
  // nullptr when the text is not JSON or not an object.
  const boost::json::object* object() const { return ok_ ? doc_.if_object() : nullptr; }

 private:
  boost::json::monotonic_resource mr_;
  boost::json::value doc_;
  bool ok_ = false;
};

std::string_view string_at(const boost::json::object& o, std::string_view key);
const boost::json::object* object_at(const boost::json::object& o, std::string_view key);
const boost::json::array* array_at(const boost::json::object& o, std::string_view key);
// The first of `a` and `b` present in `o` (protobuf JSON accepts both spellings).
const boost::json::value* either_at(const boost::json::object& o, std::string_view a, std::string_view b);

// Words of every string held under a "text", "content", "thinking" or
// "output" key, at any depth.
std::size_t count_text_words(const boost::json::value& v);

// When the text of `messages` and `system` (may be null) — every string
// under a "text" or "content" key, at any depth, and a plain string — is
// AISBF's autoselect or classification prompt, its answer in `reply` (see
// select.hpp; `model` shapes an autoselect answer) and true; else false.
bool task_reply(const boost::json::value& messages, const boost::json::value* system, std::string_view model,
                std::string& reply);

// An offered tool: its name and its schema's "properties" (may be null).
struct ToolRef {
  std::string_view name;
  const boost::json::value* properties = nullptr;
};

enum class ToolMode : std::uint8_t {
  automatic,  // the first tool whose name the user text contains
  none,       // never call
  required,   // the first match, else the first tool
};

// A tool call scripted by the user text (README "Scripted tool calls"): the
// first line that starts `mock-call: NAME ` and goes on with a JSON object.
// Lets a test make any tool call with the arguments it needs (a shell
// command, several fields), in every protocol alike.
struct ScriptedCall {
  std::string_view name;  // points into the user text
  std::string arguments;  // the object, serialised compactly
};
// Nothing when the text has no such line or its JSON is not an object.
std::optional<ScriptedCall> scripted_call(std::string_view user_text);

// The tool to call, or nullptr. A non-empty `forced` name picks that tool
// (nullptr when it is not offered, unless the mode is `required`); else a
// scripted call of an offered tool; else the first tool whose name the user
// text contains.
const ToolRef* choose_tool(const std::vector<ToolRef>& tools, ToolMode mode, std::string_view forced,
                           std::string_view user_text);

// The call's arguments as JSON text: the scripted ones when the text
// scripts a call of `tool`, else {"<first key of properties>":"<text>"}, or
// {} for a tool without properties.
void append_arguments(std::string& out, const ToolRef& tool, std::string_view text);

// fault-slow, fault-cut, fault-hang-after-first and fault-hold: the parts of
// a fault the I/O layer carries out, whatever the protocol.
void apply_delivery_fault(Fault fault, Plan& plan);

// The head of a `text/event-stream` answer (chunked, not cached); the
// caller adds the events.
void begin_event_stream(Plan& plan);

// Seconds and nanoseconds since the epoch, now.
void unix_now(std::int64_t& seconds, std::uint32_t& nanos);

}  // namespace aisbf_mock
