#include "core/json_read.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>

namespace aisbf::json_read {

namespace json = boost::json;

GatewayError protocol_error(std::string message) {
  return make_error(ErrorKind::upstream_protocol, std::move(message));
}

std::string excerpt(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t end = max;
  // Back up over continuation bytes (10xxxxxx) to the start of the character.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "…";
}

Expected<json::value> parse_json(std::string_view text, std::string_view what) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec, {}, options);
  if (ec)
    return protocol_error(
        fmt::format("upstream {} is not valid JSON ({}): {}", what, ec.message(), excerpt(text, 120)));
  return doc;
}

Expected<json::object> parse_object(std::string_view text, std::string_view what) {
  auto doc = parse_json(text, what);
  if (!doc) return doc.take_error();
  if (!doc->is_object())
    return protocol_error(fmt::format("upstream {} is not a JSON object: {}", what, excerpt(text, 120)));
  return std::move(doc->get_object());
}

std::string string_member(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  return std::string(v->get_string());
}

std::optional<std::int64_t> optional_int_member(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr) return std::nullopt;
  boost::system::error_code ec;
  auto n = v->to_number<std::int64_t>(ec);  // int64, uint64 or an integral double; null → error
  if (ec) return std::nullopt;
  return n;
}

std::int64_t int_member(const json::object& object, std::string_view key) {
  return optional_int_member(object, key).value_or(0);
}

bool bool_member(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

const json::object* object_member(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return v == nullptr ? nullptr : v->if_object();
}

const json::array* array_member(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return v == nullptr ? nullptr : v->if_array();
}

}  // namespace aisbf::json_read
