#include "pipeline/cache_answer.hpp"

#include <cstring>

#include "core/json_walk.hpp"
#include "core/response_fold.hpp"
#include "http/sse_parser.hpp"
#include "pipeline/cache_follow.hpp"
#include "providers/registry.hpp"

namespace aisbf {

namespace {

// A top-level member's raw value; empty when absent. Read from text the
// usage scan validated, or that proves nothing when it did not (in bounds
// either way).
std::string_view member(std::string_view object, std::string_view key) {
  std::string_view found;
  json_walk::for_each_member(object, [&](std::string_view k, std::string_view v) {
    if (k != key) return true;
    found = v;
    return false;
  });
  return found;
}

// The text of a JSON string value without its quotes; empty when it is no
// string or holds an escape (an id never does).
std::string_view plain_string(std::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return {};
  value = value.substr(1, value.size() - 2);
  return value.find('\\') == std::string_view::npos ? value : std::string_view{};
}

// The answer's id in the first event's data: an OpenAI chunk's "id", an
// Anthropic message_start's "message"."id". A view into `body` (the
// parser's views die with it): its first occurrence as a JSON string.
std::string_view stream_id(std::string_view body, std::string_view first_data, IngressFormat format) {
  const std::string_view holder =
      format == IngressFormat::anthropic_messages ? member(first_data, "message") : first_data;
  const std::string_view id = plain_string(member(holder, "id"));
  if (id.empty()) return {};
  std::size_t at = 0;
  while ((at = body.find(id, at)) != std::string_view::npos) {
    if (at > 0 && body[at - 1] == '"' && at + id.size() < body.size() && body[at + id.size()] == '"') {
      return body.substr(at, id.size());
    }
    ++at;
  }
  return {};
}

}  // namespace

std::optional<AnswerFacts> read_answer(std::string_view body, bool streamed, IngressFormat format,
                                       const ScannedUsage& noted) {
  const bool anthropic = format == IngressFormat::anthropic_messages;
  UsageScanner scanner(anthropic ? UsageScanner::Wire::anthropic : UsageScanner::Wire::openai);
  AnswerFacts facts;
  if (!streamed && noted.reported) {
    facts.usage = noted;
    facts.id = plain_string(member(body, "id"));
    return facts;
  }
  if (!streamed) {
    // The usage scan validates the body; an error body carries no usage.
    if (!scanner.read(body, facts.usage) || !facts.usage.reported) return std::nullopt;
    facts.id = plain_string(member(body, "id"));
    return facts;
  }
  sse::Parser parser(body.size() + 1);
  parser.feed(body);
  sse::Event ev;
  sse::Status status;
  bool first = true, ended = false;
  while ((status = parser.next(ev)) == sse::Status::event) {
    if (!ev.has_data) continue;
    if (ended || ev.event == "error") return std::nullopt;  // nothing follows the end
    if (anthropic ? ev.event == "message_stop" : ev.data == "[DONE]") {
      ended = true;
      continue;
    }
    if (!anthropic && !member(ev.data, "error").empty()) return std::nullopt;
    ScannedUsage usage;
    if (scanner.read(ev.data, usage)) facts.usage = usage;
    if (first) facts.id = stream_id(body, ev.data, format);
    first = false;
  }
  // An OpenAI stream carries usage only when its client asked: kept
  // without (facts.usage.reported false); an Anthropic stream always does.
  if (status != sse::Status::need_more || parser.has_partial() || !ended || (anthropic && !facts.usage.reported)) {
    return std::nullopt;
  }
  return facts;
}

namespace {

// Whether the JSON string whose text starts at body[at] is the value of an
// "id" member: `"id"`, optional spaces, ':', optional spaces, then its
// opening quote (not an escaped one inside another string).
bool is_id_value(std::string_view body, std::size_t at) {
  if (at < 2 || body[at - 1] != '"' || body[at - 2] == '\\') return false;
  std::size_t i = at - 1;  // the opening quote
  auto skip_back = [&] {
    while (i > 0 && json_walk::is_space(body[i - 1])) --i;
  };
  skip_back();
  if (i == 0 || body[i - 1] != ':') return false;
  --i;
  skip_back();
  return i >= 4 && body.substr(i - 4, 4) == "\"id\"" && (i == 4 || body[i - 5] != '\\');
}

// glibc's memmem: string_view::find stops at every byte equal to the id's
// first letter ('c' of "chatcmpl-…" is in "choices", "content", …).
std::size_t find_from(std::string_view text, std::string_view needle, std::size_t from) {
  if (from > text.size()) return std::string_view::npos;
  const void* at = memmem(text.data() + from, text.size() - from, needle.data(), needle.size());
  return at == nullptr ? std::string_view::npos : static_cast<std::size_t>(static_cast<const char*>(at) - text.data());
}

}  // namespace

std::string with_id(std::string_view body, std::string_view old_id, std::string_view new_id) {
  if (old_id.empty()) return std::string(body);
  std::string out;
  out.reserve(body.size() + (new_id.size() > old_id.size() ? 32 * (new_id.size() - old_id.size()) : 0));
  std::size_t from = 0;
  for (std::size_t at = find_from(body, old_id, 0); at != std::string_view::npos;
       at = find_from(body, old_id, at + 1)) {
    const std::size_t end = at + old_id.size();
    if (end >= body.size() || body[end] != '"' || !is_id_value(body, at)) continue;
    out.append(body.substr(from, at - from));
    out.append(new_id);
    from = end;
    at = end - 1;
  }
  out.append(body.substr(from));
  return out;
}

std::optional<ChatResponse> decode_answer(std::string_view body, bool streamed, IngressFormat format) {
  if (!streamed) {
    const ProviderAdapter* adapter =
        find_provider_adapter(format == IngressFormat::anthropic_messages ? "anthropic" : "openai");
    if (adapter == nullptr) return std::nullopt;
    auto decoded = adapter->decode_chat(body);
    if (!decoded) return std::nullopt;
    return std::move(decoded.value());
  }
  RecordedStream reader(format, body.size() + 1);
  std::vector<StreamEvent> events;
  if (reader.feed(body, events) || reader.finish(events)) return std::nullopt;
  ResponseFolder folder;
  for (const auto& ev : events) folder.fold(ev);
  return std::move(folder.response());
}

}  // namespace aisbf
