// Stored OpenAI Responses, the pure part (responses_history.hpp). Shapes
// from OpenAI's API reference as the official SDK types it
// (docs/responses-api.md, "Stored responses").
#include "api/openai/responses_history.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include "api/openai/ingress_common.hpp"
#include "core/json_scan.hpp"
#include "core/json_walk.hpp"

namespace aisbf::api {

namespace {

using namespace openai_ingress;

constexpr std::size_t kMaxResponseIdBytes = 128;  // the store's key column
constexpr std::size_t kMaxListLimit = 100;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// A member's key as json_walk gives it (between its quotes, escapes not
// decoded) names `name`.
bool names(std::string_view key_raw, std::string_view name) {
  if (key_raw.find('\\') == std::string_view::npos) return key_raw == name;
  auto decoded = json_scan::decode_string(std::string("\"").append(key_raw).append("\""));
  return decoded && *decoded == name;
}

// A string literal's text; nullopt for another value (or a broken literal).
std::optional<std::string> string_value(std::string_view literal) {
  if (literal.empty() || literal.front() != '"') return std::nullopt;
  return json_scan::decode_string(literal);
}

// The id an item is given when it has none, by its type.
std::string_view id_prefix(std::string_view type) {
  if (type == "message") return "msg_";
  if (type == "function_call") return "fc_";
  if (type == "function_call_output") return "fco_";
  if (type == "reasoning") return "rs_";
  return "item_";
}

// An easy message's string content as one part, as OpenAI lists it.
json::array content_parts(std::string_view role, json::string text) {
  json::object part;
  if (role == "assistant") {
    part["type"] = "output_text";
    part["text"] = std::move(text);
    part["annotations"] = json::array{};
  } else {
    part["type"] = "input_text";
    part["text"] = std::move(text);
  }
  return json::array{std::move(part)};
}

// One input item as stored: typed, with parts and an id. Not an object:
// kept as it is (the decoder refused it before anything was answered).
json::value stored_item(json::value item) {
  auto* object = item.if_object();
  if (object == nullptr) return item;
  const auto* type = object->if_contains("type");
  if ((type == nullptr || !type->is_string()) && object->contains("role")) (*object)["type"] = "message";
  type = object->if_contains("type");
  const std::string_view kind =
      type != nullptr && type->is_string() ? std::string_view(type->get_string()) : std::string_view{};
  if (kind == "message") {
    const auto* role = object->if_contains("role");
    const std::string_view r = role != nullptr && role->is_string() ? std::string_view(role->get_string()) : "";
    if (auto* content = object->if_contains("content"); content != nullptr && content->is_string())
      *content = content_parts(r, content->get_string());
  }
  const auto* id = object->if_contains("id");
  if (id == nullptr || !id->is_string() || id->get_string().empty()) (*object)["id"] = random_id(id_prefix(kind), 48);
  return item;
}

json::object user_message(json::string text) {
  json::object item;
  item["type"] = "message";
  item["role"] = "user";
  item["content"] = content_parts("user", std::move(text));
  return item;
}

std::optional<json::value> parse(std::string_view text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec) return std::nullopt;
  return value;
}

GatewayError stored_row_broken() {
  return make_error(ErrorKind::internal, "the stored response could not be read back; start a new conversation");
}

std::string_view item_id(const json::value& item) {
  const auto* object = item.if_object();
  if (object == nullptr) return {};
  const auto* id = object->if_contains("id");
  return id != nullptr && id->is_string() ? std::string_view(id->get_string()) : std::string_view{};
}

// An id as a message quotes it: a client's text, so bounded.
std::string shown_id(std::string_view id) {
  std::string out(id.substr(0, kMaxResponseIdBytes));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  if (id.size() > kMaxResponseIdBytes) out += "...";
  return out;
}

}  // namespace

Expected<std::string> expand_previous_response(std::string_view body, const StoredConversation& previous,
                                               std::size_t max_bytes) {
  auto root = parse_request_object(body);
  if (!root) return root.take_error();
  auto stored_input = parse(previous.input_json);
  auto stored_response = parse(previous.response_json);
  if (!stored_input || !stored_input->is_array() || !stored_response || !stored_response->is_object())
    return stored_row_broken();
  json::array items = std::move(stored_input->get_array());
  if (const auto* output = stored_response->get_object().if_contains("output"); output && output->is_array()) {
    for (const auto& item : output->get_array()) items.push_back(item);
  }
  // A reasoning item's id names state kept at the provider, which a
  // stateless upstream (store:false) refuses as not found; its
  // encrypted_content is what carries it. Message and call ids are inert.
  for (auto& item : items) {
    auto* object = item.if_object();
    if (object == nullptr) continue;
    const auto* type = object->if_contains("type");
    if (type != nullptr && type->is_string() && type->get_string() == "reasoning") object->erase("id");
  }
  if (const json::value* input = member(*root, "input")) {
    if (input->is_string()) {
      items.push_back(user_message(input->get_string()));
    } else if (input->is_array()) {
      for (const auto& item : input->get_array()) items.push_back(item);
    } else {
      return field_error("input", "expected a string or an array of input items", "invalid_type");
    }
  }
  std::string id;
  if (const json::value* previous_id = member(*root, "previous_response_id"); previous_id && previous_id->is_string())
    id = shown_id(previous_id->get_string());
  root->erase("previous_response_id");
  (*root)["input"] = std::move(items);
  std::string out = json::serialize(*root);
  if (out.size() > max_bytes) return continuation_too_large(id, out.size(), max_bytes);
  return out;
}

std::optional<std::string> input_items_to_store(std::string_view body) {
  auto root = parse(body);
  if (!root || !root->is_object()) return std::nullopt;
  const json::value* input = member(root->get_object(), "input");
  if (input == nullptr) return std::nullopt;
  json::array items;
  if (input->is_string()) {
    items.push_back(stored_item(user_message(input->get_string())));
  } else if (input->is_array()) {
    for (auto& item : input->get_array()) items.push_back(stored_item(std::move(item)));
  } else {
    return std::nullopt;
  }
  return json::serialize(items);
}

std::optional<FinalResponse> final_response(std::string_view response_object) {
  const std::string_view object = trim(response_object);
  std::optional<std::string> id, status, type;
  // OpenAI writes the three first: the walk stops once it has them, before
  // the output; a key repeated after them is not read (the first one wins).
  bool all_read = false;
  const bool walked = json_walk::for_each_member(object, [&](std::string_view key, std::string_view value) {
    std::optional<std::string>* slot = nullptr;
    if (names(key, "id"))
      slot = &id;
    else if (names(key, "status"))
      slot = &status;
    else if (names(key, "object"))
      slot = &type;
    if (slot != nullptr) *slot = string_value(value);
    all_read = id && status && type;
    return !all_read;
  });
  if (!(walked || all_read) || object.back() != '}' || !id || !plausible_response_id(*id) || type != "response")
    return std::nullopt;
  if (status != "completed" && status != "incomplete") return std::nullopt;
  return FinalResponse{std::move(*id), object};
}

std::optional<FinalResponse> final_response_of_event(std::string_view event_name, std::string_view data) {
  // An event without an `event:` line is named by its data's type (read
  // only for a data that could be a terminal event: the deltas are many).
  if (!event_name.empty() && event_name != "response.completed" && event_name != "response.incomplete")
    return std::nullopt;
  std::string_view response;
  std::optional<std::string> type;
  const bool walked = json_walk::for_each_member(trim(data), [&](std::string_view key, std::string_view value) {
    if (names(key, "response"))
      response = value;
    else if (names(key, "type"))
      type = string_value(value);
    return true;
  });
  if (!walked || response.empty() || (type != "response.completed" && type != "response.incomplete"))
    return std::nullopt;
  return final_response(response);
}

Expected<InputItemsQuery> parse_input_items_query(std::string_view target) {
  InputItemsQuery out;
  auto url = boost::urls::parse_origin_form(target);
  auto bad = [](std::string_view param, std::string message) {
    auto e = make_error(ErrorKind::invalid_request, std::move(message));
    e.param = std::string(param);
    e.code = "invalid_value";
    return e;
  };
  if (!url) return bad("query", "the request target is not a valid URL path and query");
  for (const auto& param : url->params()) {
    const std::string& key = param.key;
    const std::string& value = param.value;
    if (key == "limit") {
      auto n = json_scan::whole_number(value);
      if (!n || *n < 1 || *n > static_cast<std::int64_t>(kMaxListLimit))
        return bad(key, fmt::format("'limit' must be a whole number from 1 to {}", kMaxListLimit));
      out.limit = static_cast<std::size_t>(*n);
    } else if (key == "order") {
      if (value != "asc" && value != "desc") return bad(key, "'order' must be asc or desc");
      out.ascending = value == "asc";
    } else if (key == "after") {
      out.after = value;
    } else if (key == "before") {
      out.before = value;
    }
    // `include` and anything else: nothing to add to what is kept.
  }
  return out;
}

std::string input_items_page(std::string_view input_json, const InputItemsQuery& query) {
  json::array all;
  if (auto parsed = parse(input_json); parsed && parsed->is_array()) all = std::move(parsed->get_array());
  if (!query.ascending) std::reverse(all.begin(), all.end());
  // [from, to) of `all` in the listed order: after an id, before an id.
  std::size_t from = 0, to = all.size();
  auto position = [&](std::string_view id) {
    auto it = std::find_if(all.begin(), all.end(), [&](const json::value& v) { return item_id(v) == id; });
    return static_cast<std::size_t>(it - all.begin());
  };
  // An unknown id (position == size) lists nothing either way: OpenAI does
  // not say, and a cursor of another list must not page through this one.
  if (!query.after.empty()) from = std::min(all.size(), position(query.after) + 1);
  if (!query.before.empty()) {
    const std::size_t at = position(query.before);
    to = at == all.size() ? 0 : std::min(to, at);
  }
  if (to < from) to = from;
  json::array data;
  // With only `before`, the page is the one just before it.
  std::size_t begin = from, end = std::min(to, from + query.limit);
  if (query.after.empty() && !query.before.empty() && to - from > query.limit) {
    begin = to - query.limit;
    end = to;
  }
  for (std::size_t i = begin; i < end; ++i) data.push_back(all[i]);
  json::object list;
  list["object"] = "list";
  list["first_id"] = data.empty() ? json::value(nullptr) : json::value(item_id(data.front()));
  list["last_id"] = data.empty() ? json::value(nullptr) : json::value(item_id(data.back()));
  list["has_more"] = end < to;
  list["data"] = std::move(data);
  return json::serialize(list);
}

std::string deleted_response_json(std::string_view id) {
  return fmt::format(R"({{"id":{},"object":"response","deleted":true}})", json_scan::encode_string(id));
}

bool plausible_response_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxResponseIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

GatewayError continuation_too_large(std::string_view id, std::size_t bytes, std::size_t max_bytes) {
  auto e = make_error(ErrorKind::payload_too_large,
                      fmt::format("the conversation of previous_response_id '{}' with this input is at least {} "
                                  "bytes, past the gateway's body limit of {} bytes; start a new conversation",
                                  shown_id(id), bytes, max_bytes));
  e.param = "previous_response_id";
  return e;
}

GatewayError previous_response_not_found(std::string_view id) {
  // OpenAI answers a continuation of a response it does not have with a
  // 400 of this code and message (clients start a new conversation on it).
  auto e = make_error(ErrorKind::invalid_request, fmt::format("Previous response with id '{}' not found.", shown_id(id)));
  e.code = "previous_response_not_found";
  e.param = "previous_response_id";
  return e;
}

GatewayError response_not_found(std::string_view id) {
  auto e = make_error(ErrorKind::not_found, fmt::format("Response with id '{}' not found.", shown_id(id)));
  return e;
}

}  // namespace aisbf::api
