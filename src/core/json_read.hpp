// Small total readers over Boost.JSON shared by the provider codecs: parse an
// upstream body with a depth limit, read a member of an expected type, cut a
// body for an error message. None throws on upstream input; a missing member
// or one of another type reads as empty / 0 / false / nullopt / nullptr.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/expected.hpp"
#include "core/gateway_error.hpp"

namespace aisbf::json_read {

// Nesting limit of parse_json / parse_object: deeper upstream JSON is a
// protocol error rather than a deep recursion in the decoders.
inline constexpr std::size_t kMaxDepth = 64;

// An upstream_protocol error (the upstream sent something we cannot read).
GatewayError protocol_error(std::string message);

// At most `max` bytes of `text`, cut on a UTF-8 character boundary, with "…"
// appended when cut (so error messages stay valid UTF-8).
std::string excerpt(std::string_view text, std::size_t max);

// Any JSON value, or an upstream_protocol error naming `what` ("answer",
// "stream line", …) with the parser's message and an excerpt of `text`.
Expected<boost::json::value> parse_json(std::string_view text, std::string_view what);
// As parse_json, and the value must be an object.
Expected<boost::json::object> parse_object(std::string_view text, std::string_view what);

// A string member; empty when missing or not a string.
std::string string_member(const boost::json::object& object, std::string_view key);
// An integral member (int64, uint64 in range, or an integral double);
// nullopt when missing, null, fractional, out of range or not a number.
std::optional<std::int64_t> optional_int_member(const boost::json::object& object, std::string_view key);
// optional_int_member, 0 when absent (upstreams omit zero counts).
std::int64_t int_member(const boost::json::object& object, std::string_view key);
// True only for a member that is the JSON literal `true`.
bool bool_member(const boost::json::object& object, std::string_view key);
// The member when it is an object / array, else nullptr.
const boost::json::object* object_member(const boost::json::object& object, std::string_view key);
const boost::json::array* array_member(const boost::json::object& object, std::string_view key);

}  // namespace aisbf::json_read
