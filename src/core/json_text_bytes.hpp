// The bytes of text in a JSON value: what a cheap token estimate (bytes / 4)
// of a prompt's part reads, without serializing it.
#pragma once

#include <cstddef>

#include <boost/json/value.hpp>

namespace aisbf {

// Bytes of every string in `value`, object keys included. Walks with its
// own stack, so a deeply nested value (a client's tool schema) cannot
// exhaust the thread's.
std::size_t json_text_bytes(const boost::json::value& value);

}  // namespace aisbf
